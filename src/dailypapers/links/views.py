"""Thin views for people's links: propose on the paper page, review from the queue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from ..accounts.clients import client_key
from ..accounts.redirects import redirect_back
from ..core.urls import paper_path
from ..papers.lookup import paper_or_404
from . import store
from .models import PaperLink


@require_POST
@login_required
def propose(request, arxiv_id: str):
    paper = paper_or_404(arxiv_id)
    try:
        link = store.propose(
            request.user,
            paper,
            request.POST.get("url", ""),
            request.POST.get("kind", ""),
            client_address=client_key(request),
        )
    except store.LinkRefused as error:
        messages.error(request, str(error))
    else:
        if link.status == PaperLink.Status.PUBLISHED:
            messages.success(request, f"Added the {link.kind} link.")
        else:
            messages.success(request, "Thank you: the link will appear once it is approved.")
    return redirect_back(request, paper_path(paper.pk) + "#links")


@login_required
def queue(request):
    return render(request, "links/queue.html", {"pending": store.pending_for(request.user)})


# What the review buttons do, by name, and what the page says after.
_REVIEWS = {
    "approve": (store.approve, "Approved"),
    "reject": (store.reject, "Rejected"),
    "remove": (store.remove, "Removed"),
}


@require_POST
@login_required
def review(request, pk: int, action: str):
    if action not in _REVIEWS:
        raise Http404("no such action")
    link = get_object_or_404(PaperLink, pk=pk)
    act, done = _REVIEWS[action]
    try:
        act(request.user, link)
    except store.LinkRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{done}: {link.url}")
    return redirect_back(request, paper_path(link.paper_id) + "#links")
