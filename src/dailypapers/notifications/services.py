"""Every write of watches, notifications and email settings, and the inbox's reads."""

from django.db import transaction
from django.utils import timezone

from ..feed.models import Comment
from ..papers.models import Paper
from .models import DEFAULT_EMAIL_MODES, EmailMode, EmailSetting, Kind, Notification, Watch

INBOX_SIZE = 100
TEXT_CHARS = Notification._meta.get_field("text").max_length
URL_CHARS = 120  # of a link's URL in its notification's text


class NotificationError(ValueError):
    """Shown to the person as is."""


def watch(user, paper: Paper) -> bool:
    """Watch the paper; True when the user was not watching it yet."""
    _, created = Watch.objects.get_or_create(user=user, paper=paper)
    return created


def unwatch(user, paper_id: str) -> bool:
    deleted, _ = Watch.objects.filter(user=user, paper_id=paper_id).delete()
    return bool(deleted)


def watching(user, paper_ids: list[str]) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(
        Watch.objects.filter(user=user, paper_id__in=paper_ids).values_list("paper_id", flat=True)
    )


def notify_comment(comment: Comment, mentioned: list) -> int:
    """Tell the people a new comment concerns, each once: those it mentions, the author of
    the comment it answers, and the paper's watchers. Never its own author. Returns how many."""
    author_id = comment.author_id
    reasons: dict[int, str] = {}
    for user in mentioned:
        reasons.setdefault(user.pk, Kind.MENTION)
    if comment.parent_id:
        parent = Comment.objects.visible().filter(pk=comment.parent_id).first()
        if parent is not None:
            reasons.setdefault(parent.author_id, Kind.REPLY)
    for user_id in Watch.objects.filter(paper_id=comment.paper_id).values_list(
        "user_id", flat=True
    ):
        reasons.setdefault(user_id, Kind.COMMENT)
    reasons.pop(author_id, None)
    return _create(comment, reasons)


def notify_mentions(comment: Comment, mentioned: list) -> int:
    """After an edit: people it now mentions and had not heard of it yet."""
    reasons = {user.pk: Kind.MENTION for user in mentioned if user.pk != comment.author_id}
    return _create(comment, reasons)


def _create(comment: Comment, reasons: dict[int, str]) -> int:
    if not reasons or not comment.visible:
        return 0
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=user_id,
                kind=kind,
                actor_id=comment.author_id,
                paper_id=comment.paper_id,
                comment=comment,
                created_at=comment.edited_at or comment.created_at,
            )
            for user_id, kind in reasons.items()
        ],
        ignore_conflicts=True,  # one per person per comment (an edit re-mentioning someone)
    )
    return len(created)


def notify(recipient, kind: str, *, text: str, paper: Paper | None = None, actor=None) -> None:
    """A notification that is not about a comment (a decided claim or link). Nothing when
    the actor is the recipient (a curator deciding their own claim or proposal)."""
    if recipient is None or (actor is not None and actor.pk == recipient.pk):
        return
    Notification.objects.create(
        recipient=recipient, kind=kind, text=text[:TEXT_CHARS], paper=paper, actor=actor
    )


def notify_claim_decided(claim, decider) -> None:
    """Tell the claimant that a curator verified or rejected their authorship claim."""
    title = claim.paper.title
    if claim.status == claim.Status.VERIFIED:
        kind, text = Kind.CLAIM_APPROVED, f"You are verified as {claim.name}, an author of {title}"
    else:
        kind, text = Kind.CLAIM_REJECTED, f"Your claim to be {claim.name} on {title} was rejected"
    notify(claim.user, kind, text=text, paper=claim.paper, actor=decider)


def notify_link_reviewed(link, reviewer) -> None:
    """Tell the proposer that their link was approved (now published) or rejected."""
    url = link.url if len(link.url) <= URL_CHARS else link.url[: URL_CHARS - 1] + "…"
    if link.status == link.Status.PUBLISHED:
        kind, verb = Kind.LINK_APPROVED, "approved"
    else:
        kind, verb = Kind.LINK_REJECTED, "rejected"
    text = f"Your {link.kind} link {url} on {link.paper.title} was {verb}"
    notify(link.proposer, kind, text=text, paper=link.paper, actor=reviewer)


def inbox(user):
    return (
        Notification.objects.shown()
        .filter(recipient=user)
        .select_related("actor", "paper", "comment")
    )


def unread_count(user) -> int:
    return inbox(user).filter(read_at__isnull=True).count()


def mark_read(user, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read: those ids, or all of them."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())


def email_modes(user) -> dict[str, str]:
    modes = dict(DEFAULT_EMAIL_MODES)
    modes.update(EmailSetting.objects.filter(user=user).values_list("kind", "mode"))
    return modes


def set_email_mode(user, kind: str, mode: str) -> None:
    if kind not in Kind.values:
        raise NotificationError(f"There is no kind of notification called {kind!r}.")
    if mode not in EmailMode.values:
        raise NotificationError("Choose right away, hourly or never.")
    with transaction.atomic():
        EmailSetting.objects.update_or_create(user=user, kind=kind, defaults={"mode": mode})
