"""Thin views: the inbox, marking read, email settings, one-click unsubscribe, watching."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from ..accounts.redirects import redirect_back
from ..core.urls import paper_path
from ..papers.lookup import paper_or_404
from . import services
from .emails import read_unsubscribe
from .models import EmailMode, Kind


@login_required
def inbox(request):
    page = Paginator(services.inbox(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@require_POST
@login_required
def mark_read(request):
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    services.mark_read(request.user, ids or None)
    return redirect("notifications")


@login_required
def email_settings(request):
    if request.method == "POST":
        try:
            for kind in Kind.values:
                if kind in request.POST:
                    services.set_email_mode(request.user, kind, request.POST[kind])
        except services.NotificationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Your email settings are saved.")
        return redirect("notification_settings")
    modes = services.email_modes(request.user)
    return render(
        request,
        "notifications/settings.html",
        {
            "kinds": [(kind, Kind(kind).label, modes[kind]) for kind in Kind.values],
            "modes": EmailMode.choices,
        },
    )


@csrf_exempt  # RFC 8058: mail clients POST List-Unsubscribe=One-Click with no token of ours
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        user_id, kind = read_unsubscribe(token)
    except (signing.BadSignature, ValueError):
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    label = Kind(kind).label.lower()
    if request.method == "POST":
        services.set_email_mode(user, kind, EmailMode.OFF)
        return render(request, "notifications/unsubscribe.html", {"done": True, "label": label})
    return render(request, "notifications/unsubscribe.html", {"label": label})


@require_POST
@login_required
def watch(request, arxiv_id: str):
    paper = paper_or_404(arxiv_id)
    if request.POST.get("watch") == "0":
        services.unwatch(request.user, paper.pk)
    else:
        services.watch(request.user, paper)
    return redirect_back(request, paper_path(paper.pk))
