from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from ..accounts.clients import client_key
from .addresses import AddressError, read_confirmation, read_unsubscribe
from .models import FOR_YOU_CHOICES, FOR_YOU_DEFAULT, Frequency, Subscriber
from .subscriptions import confirm, request_subscription, set_for_you, unsubscribe


def _message(request, heading, text="", status=200, **form):
    return render(
        request, "digests/message.html", {"heading": heading, "text": text, **form}, status=status
    )


# No CSRF token: the box sits on cached anonymous pages, and a forged request can do no more
# than mail a confirmation link to an address (rate-limited).
@csrf_exempt
@require_POST
def subscribe(request):
    post = request.POST
    options = {
        "frequency": post.get("frequency", Frequency.DAILY),
        "topics": post.get("topics", "").splitlines(),
        "categories": post.get("categories", "").replace(",", " ").split(),
        "trending": post.get("trending") == "1",
    }
    try:
        request_subscription(post.get("email", ""), options, client_key(request))
    except AddressError as error:
        return _message(request, "We could not subscribe you", str(error), status=400)
    return _message(
        request,
        "Check your inbox",
        "We have sent a confirmation link. Nothing is sent until you click it.",
    )


@require_http_methods(["GET", "POST"])
def confirm_page(request, token: str):
    try:
        details = read_confirmation(token)
    except signing.SignatureExpired:
        return _message(request, "This link has expired", "Subscribe again to get a new one.", 400)
    except signing.BadSignature:
        return _message(request, "This link is not valid", "Subscribe again to get a new one.", 400)
    if request.method == "POST":
        subscriber = confirm(token, user=request.user if request.user.is_authenticated else None)
        return _message(
            request,
            "You're subscribed",
            f"{subscriber.email} will get a {subscriber.frequency} digest.",
        )
    return _message(
        request,
        "Confirm your subscription",
        f"Send a {details['frequency']} digest to {details['email']}{_choices(details)}?",
        action=request.path,
        button="Confirm",
        needs_csrf=True,
    )


@csrf_exempt  # RFC 8058: mail clients POST List-Unsubscribe=One-Click without any token of ours
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request, token: str):
    try:
        email = read_unsubscribe(token)
    except signing.BadSignature:
        return _message(request, "This link is not valid", status=400)
    if request.method == "POST":
        unsubscribe(token)
        return _message(request, "You're unsubscribed", f"{email} will get no more digests.")
    return _message(
        request,
        "Unsubscribe",
        f"Stop sending digests to {email}?",
        action=request.path,
        button="Unsubscribe",
    )


@login_required
def digest_settings(request):
    # Never looked up by the account's address: signing up does not prove you own it.
    subscribers = Subscriber.objects.filter(user=request.user).order_by("email")
    return render(
        request,
        "digests/settings.html",
        {
            "subscribers": subscribers,
            "for_you_choices": FOR_YOU_CHOICES,
            "for_you_default": FOR_YOU_DEFAULT,
        },
    )


def _choices(details: dict) -> str:
    """The topics and categories asked for, shown here rather than in the mail: a stranger
    may have typed them, and they reach the page only through its escaping."""
    parts = []
    if details.get("topics"):
        parts.append("on " + "; ".join(details["topics"]))
    if details.get("categories"):
        parts.append("in " + ", ".join(details["categories"]))
    return (", " + ", ".join(parts)) if parts else ""


@login_required
@require_POST
def for_you_settings(request):
    """Add (or take out) "papers for you" from one of the signed-in user's digests: only one
    confirmed while logged in to this account (its `user`), never one matched by address."""
    pk = request.POST.get("subscriber", "")
    subscriber = (
        Subscriber.objects.filter(user=request.user, pk=int(pk)).first() if pk.isdigit() else None
    )
    if subscriber is None:
        return _message(request, "No such digest", "Subscribe first.", status=404)
    wanted = request.POST.get("for_you", "")
    count = int(wanted) if wanted in {str(n) for n in FOR_YOU_CHOICES} else FOR_YOU_DEFAULT
    if request.POST.get("enabled") != "1":
        count = 0
    set_for_you(subscriber, count)
    messages.success(
        request,
        f"Your digest now starts with {count} papers for you."
        if count
        else "Your digest no longer has papers for you.",
    )
    return redirect("digest_settings")
