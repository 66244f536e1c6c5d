"""Thin views: the author page, "I'm an author", and the curators' claim queue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from ..accounts.redirects import redirect_back
from ..accounts.roles import is_curator
from ..core.page_cache import cached_for_anonymous
from ..core.urls import author_path, fixed_path, paper_path
from ..papers.cleaning import is_storable
from ..papers.lookup import paper_or_404
from . import claims, pages
from .models import Claim


@require_safe
@cached_for_anonymous
def author_page(request, slug: str):
    if not is_storable(slug) or len(slug) > 200:
        raise Http404("no such author")
    found = pages.resolve_slug(slug)
    if found is None:
        raise Http404("no such author")
    if isinstance(found, list):
        return render(request, "people/ambiguous.html", {"slug": slug, "authors": found})
    if found.slug != slug:
        return redirect(author_path(found.slug))
    return render(
        request, "people/author.html", {"view": pages.author_page(found, request.GET.get("page"))}
    )


@require_POST
@login_required
def claim_create(request):
    paper = paper_or_404(request.POST.get("paper", ""))
    try:
        position = int(request.POST.get("position", ""))
    except ValueError:
        position = -1
    try:
        claims.claim(request.user, paper, position)
    except claims.ClaimError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Thanks: a curator will verify your claim.")
    return redirect_back(request, paper_path(paper.pk))


@login_required
def claim_queue(request):
    if not is_curator(request.user):
        return HttpResponseForbidden("Curators only.")
    status = request.GET.get("status", Claim.Status.PENDING)
    if status not in {*Claim.Status.values, "all"}:
        status = Claim.Status.PENDING
    return render(
        request,
        "people/claims.html",
        {
            "claims": claims.queue(status),
            "status": status,
            "statuses": [*Claim.Status.values, "all"],
        },
    )


@require_POST
@login_required
def claim_decide(request, pk: int):
    decision = request.POST.get("decision")
    if decision not in ("verify", "reject"):
        messages.error(request, "Choose verify or reject.")
    else:
        try:
            decided = claims.decide(request.user, pk, verify=decision == "verify")
        except claims.ClaimError as error:
            if error.status == 403:
                return HttpResponseForbidden(str(error))
            messages.error(request, str(error))
        else:
            messages.success(request, f"Claim {decided.pk} {decided.status}.")
    return redirect_back(request, fixed_path("claims"))
