"""Notification emails, each sent exactly once: plan, claim, send, record.

1. Planning puts every notification still `waiting` into a NotificationEmail row, or marks
   it not to be mailed (its kind is off for the person, the person has no address, or the
   comment is gone). "Right away" kinds get a row each; "hourly" kinds wait until their hour
   is over and share one row per person, kind and hour. Rows are found by key, so two
   planners never make two rows for one mail, and a notification moves waiting -> planned
   with a conditional UPDATE, so it lands in one row only.
2. A sender claims a row (core/claims.py, as digests do: SKIP LOCKED on PostgreSQL, the write
   lock on SQLite) and marks it `sending` before giving the message to SMTP, and `sent`
   after. The message holds the row's notifications that are still unread and still shown:
   one about a comment deleted or hidden meanwhile never reaches anyone by mail, and a row
   left with none is skipped.

A row claimed by a sender that died is sent again by the next run: at once on the same host,
after core/claims.CLAIM_LEASE from another. The one message that can arrive twice is the one
SMTP accepted just before its sender was killed: at most one per kill
(tests/test_notification_crash.py).
"""

import contextlib
import logging
import smtplib
from dataclasses import dataclass
from email.utils import make_msgid
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from ..core.claims import claim, new_token, stale_tokens
from ..core.urls import absolute, comment_path, notification_unsubscribe_url, paper_url
from ..papers.cleaning import single_line
from ..papers.text import excerpt
from .models import EmailMode, Kind, Notification, NotificationEmail
from .services import email_modes

log = logging.getLogger("dailypapers.notifications")
UNSUBSCRIBE_SALT = "dailypapers.notifications.unsubscribe"
EXCERPT_CHARS = 600


@dataclass
class SendReport:
    planned: int = 0
    not_mailed: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    deferred: int = 0

    def line(self) -> str:
        return (
            f"{self.sent} sent, {self.skipped} skipped, {self.failed} failed, "
            f"{self.deferred} deferred ({self.planned} notifications planned, "
            f"{self.not_mailed} not mailed)"
        )


def unsubscribe_token(user_id: int, kind: str) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(f"{user_id}:{kind}")


def read_unsubscribe(token: str) -> tuple[int, str]:
    """(user id, kind) of a signed token; signing.BadSignature when it is not ours."""
    user_id, _, kind = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token).partition(":")
    if kind not in Kind.values:
        raise signing.BadSignature("unknown kind")
    return int(user_id), kind


def plan(now=None) -> SendReport:
    """Put waiting notifications into email rows (or mark them not to be mailed)."""
    now = now or timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    report = SendReport()
    waiting = (
        Notification.objects.filter(mail=Notification.Mail.WAITING)
        .select_related("recipient", "comment")
        .order_by("recipient_id", "pk")
    )
    modes: dict[int, dict[str, str]] = {}
    for notification in waiting.iterator(chunk_size=500):
        recipient = notification.recipient
        if recipient.pk not in modes:
            modes[recipient.pk] = email_modes(recipient)
        mode = modes[recipient.pk][notification.kind]
        comment = notification.comment
        if (
            mode == EmailMode.OFF
            or not recipient.email
            or not recipient.is_active
            or (comment is not None and not comment.visible)
        ):
            report.not_mailed += _move(notification, Notification.Mail.NONE)
            continue
        if mode == EmailMode.HOURLY:
            created_hour = notification.created_at.replace(minute=0, second=0, microsecond=0)
            if created_hour >= hour:
                continue  # its hour is not over yet
            key = f"h{recipient.pk}:{notification.kind}:{created_hour:%Y-%m-%dT%H}"
        else:
            key = f"n{notification.pk}"
        # One transaction with the row locked: a sender claims the row either before (and
        # we make another) or after the notification is in it, never in between.
        with transaction.atomic():
            email = _unclaimed_row(key, recipient, notification.kind)
            report.planned += _move(notification, Notification.Mail.PLANNED, email)
    return report


def _unclaimed_row(key: str, recipient, kind: str) -> NotificationEmail:
    """The row for key, locked, that no sender has claimed yet; a late notification of an
    hour whose mail has gone gets a row of its own."""
    for attempt in range(100):
        row_key = key if attempt == 0 else f"{key}:{attempt}"
        try:
            with transaction.atomic():
                NotificationEmail.objects.get_or_create(
                    key=row_key, defaults={"recipient": recipient, "kind": kind}
                )
        except IntegrityError:  # another planner made it between our get and create
            pass
        row = NotificationEmail.objects.select_for_update().get(key=row_key)
        if row.state == NotificationEmail.State.PENDING and row.attempts == 0:
            return row
    raise RuntimeError(f"no free email row for {key}")


def _move(notification: Notification, mail: str, email=None) -> int:
    return Notification.objects.filter(pk=notification.pk, mail=Notification.Mail.WAITING).update(
        mail=mail, email=email
    )


def send_pending(*, connection=None, now=None) -> SendReport:
    """Plan, then send every email row that is due; returns what happened. Any number of runs
    may work at once, on any hosts: each claims its rows."""
    report = plan(now)
    connection = connection or get_connection(fail_silently=False)
    unfinished = NotificationEmail.objects.filter(
        state__in=[NotificationEmail.State.PENDING, NotificationEmail.State.SENDING]
    )
    to_claim = unfinished.filter(claimed_by="").order_by("pk")
    token = new_token()

    def next_row() -> list[int]:
        # Rows a dead sender had claimed go to whoever runs out of work first; the one it
        # was sending may arrive twice (the module docstring).
        mark = {"state": NotificationEmail.State.SENDING, "attempts": F("attempts") + 1}
        pks = claim(to_claim, token, limit=1, **mark)
        if not pks and unfinished.filter(claimed_by__in=stale_tokens(unfinished)).update(
            claimed_by=""
        ):
            pks = claim(to_claim, token, limit=1, **mark)
        return pks

    try:
        while pks := next_row():
            _send_one(pks[0], connection, report)
    finally:
        _close(connection)
        # Deferred rows, and any left by an error, are free for the next run.
        unfinished.filter(claimed_by=token).update(claimed_by="")
    return report


def _send_one(pk: int, connection, report: SendReport) -> None:
    row = NotificationEmail.objects.select_related("recipient").get(pk=pk)
    notifications = list(
        Notification.objects.shown()
        .filter(email=row, read_at__isnull=True)  # read in the inbox meanwhile: no need
        .select_related("actor", "paper", "comment")
        .order_by("created_at", "pk")
    )
    if not notifications or not row.recipient.email:
        _finish(row, NotificationEmail.State.SKIPPED)
        report.skipped += 1
        return
    message = build_message(row, notifications)
    NotificationEmail.objects.filter(pk=row.pk).update(
        message_id=message.extra_headers["Message-ID"]
    )
    try:
        connection.open()
        message.connection = connection
        message.send()
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:
            _finish(row, NotificationEmail.State.FAILED, f"{error.smtp_code} {error.smtp_error}")
            report.failed += 1
        else:
            _finish(row, NotificationEmail.State.PENDING, f"{error.smtp_code} {error.smtp_error}")
            report.deferred += 1
        _close(connection)
        return
    except (smtplib.SMTPException, OSError) as error:
        _finish(row, NotificationEmail.State.PENDING, f"{type(error).__name__}: {error}")
        report.deferred += 1
        _close(connection)
        return
    _finish(row, NotificationEmail.State.SENT)
    report.sent += 1


def _finish(row: NotificationEmail, state: str, error: str = "") -> None:
    """Record the outcome. A deferred row (back to pending) stays claimed until the run ends,
    so this run does not try it again at once."""
    done = state != NotificationEmail.State.PENDING
    NotificationEmail.objects.filter(pk=row.pk).update(
        state=state, error=error[:1000], **({"claimed_by": ""} if done else {})
    )
    if error:
        log.warning("notification email %s: %s", row.key, error)


def _close(connection) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        connection.close()


def _item(notification: Notification) -> dict:
    comment = notification.comment
    actor = notification.actor.username if notification.actor else "Someone"
    title = notification.paper.title if notification.paper else ""
    headline = {
        Kind.REPLY: f"{actor} replied to your comment on {title}",
        Kind.MENTION: f"{actor} mentioned you on {title}",
        Kind.COMMENT: f"{actor} commented on {title}",
    }.get(notification.kind, notification.text)
    if comment is not None:
        url = absolute(comment_path(comment.paper_id, comment.pk))
    elif notification.paper_id:
        url = paper_url(notification.paper_id)
    else:
        url = absolute("/")
    return {
        "headline": headline,
        "url": url,
        "text": excerpt(comment.body, EXCERPT_CHARS) if comment is not None else "",
    }


def build_message(row: NotificationEmail, notifications: list) -> EmailMultiAlternatives:
    token = quote(unsubscribe_token(row.recipient_id, row.kind), safe="")
    unsubscribe_url = notification_unsubscribe_url(token)
    items = [_item(n) for n in notifications]
    kind_label = Kind(row.kind).label
    subject = (
        items[0]["headline"]
        if len(items) == 1
        else f"{len(items)} notifications: {kind_label.lower()}"
    )
    context = {
        "items": items,
        "kind_label": kind_label,
        "site": settings.SITE_NAME,
        "unsubscribe_url": unsubscribe_url,
    }
    message = EmailMultiAlternatives(
        subject=single_line(f"{settings.SITE_NAME}: {subject}")[:250],
        body=render_to_string("notifications/email.txt", context),
        to=[row.recipient.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": make_msgid("notification", domain=settings.DIGEST_MESSAGE_DOMAIN),
        },
    )
    message.attach_alternative(render_to_string("notifications/email.html", context), "text/html")
    return message
