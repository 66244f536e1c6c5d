"""Subscribing, confirming and leaving. No step reveals whether an address is subscribed."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from ..accounts.ratelimit import caseless, count_hit
from ..core.urls import digest_confirm_url
from .addresses import (
    AddressError,
    clean_address,
    clean_options,
    confirmation_token,
    read_confirmation,
    read_unsubscribe,
)
from .models import Subscriber

SUBSCRIBE_LIMIT_PER_IP = 10
SUBSCRIBE_LIMIT_PER_ADDRESS = 3
SUBSCRIBE_WINDOW = 3600


def request_subscription(raw_email: str, options: dict, client_address: str = "") -> None:
    """Mail a confirmation link carrying the requested options. Nothing is stored until the
    link is clicked, so the same answer is given whether or not the address is subscribed."""
    email = clean_address(raw_email)
    options = clean_options(**options)
    for key, limit in (
        (f"subscribe:ip:{client_address}", SUBSCRIBE_LIMIT_PER_IP),
        # Casefolded whole: Target@, tArget@ and TARGET@ reach one inbox on every real host.
        (f"subscribe:address:{caseless(email)}", SUBSCRIBE_LIMIT_PER_ADDRESS),
    ):
        if not count_hit(key, limit, SUBSCRIBE_WINDOW).allowed:
            raise AddressError("Too many subscription requests; try again in an hour.")
    link = digest_confirm_url(confirmation_token(email, options))
    context = {"link": link, "options": options, "site": settings.SITE_NAME}
    message = EmailMultiAlternatives(
        subject=f"Confirm your {settings.SITE_NAME} digest",
        body=render_to_string("digests/confirm_email.txt", context),
        to=[email],
    )
    message.attach_alternative(render_to_string("digests/confirm_email.html", context), "text/html")
    message.send()


def confirm(token: str, user=None) -> Subscriber:
    """Create or update the subscription a link asked for (BadSignature if it is not ours).

    Opening the mailed link proves its reader holds the address, so a signed-in reader's
    account is linked to the subscription; /digests/ shows an account only those."""
    request = read_confirmation(token)
    return save_subscriber(request.pop("email"), request, user=user)


def save_subscriber(email: str, options: dict, user=None) -> Subscriber:
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.select_for_update().get_or_create(email=email)
        for name, value in options.items():
            setattr(subscriber, name, value)
        subscriber.status = Subscriber.Status.ACTIVE
        subscriber.confirmed_at = timezone.now()
        subscriber.last_error = ""
        if user is not None:
            subscriber.user = user
        subscriber.save()
    return subscriber


def set_for_you(subscriber: Subscriber, count: int) -> None:
    """Recommendations for the subscriber's account in their digests: `count`, 0 for none."""
    Subscriber.objects.filter(pk=subscriber.pk).update(for_you=count, updated_at=timezone.now())


def unsubscribe(token: str) -> str:
    """Takes effect at once; unsubscribing twice is fine. Returns the address."""
    email = read_unsubscribe(token)
    Subscriber.objects.filter(email=email).update(
        status=Subscriber.Status.UNSUBSCRIBED, updated_at=timezone.now()
    )
    return email


def mark_failing(email: str, reason: str) -> bool:
    changed = Subscriber.objects.filter(email=clean_address(email)).update(
        status=Subscriber.Status.FAILING, last_error=reason[:1000], updated_at=timezone.now()
    )
    return bool(changed)
