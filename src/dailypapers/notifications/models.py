"""Watches, the inbox, email settings and the email ledger (issue 16)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..feed.models import visible_comment


class Kind(models.TextChoices):
    REPLY = "reply", "Replies to your comments"
    MENTION = "mention", "Mentions of your @name"
    COMMENT = "comment", "New comments on papers you watch"
    CLAIM_APPROVED = "claim_approved", "Approvals of your author claims"
    CLAIM_REJECTED = "claim_rejected", "Rejections of your author claims"
    LINK_APPROVED = "link_approved", "Approvals of links you added"
    LINK_REJECTED = "link_rejected", "Rejections of links you added"


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", "Right away"
    HOURLY = "hourly", "Once an hour, batched"
    OFF = "off", "Never"


# What a user gets by email before choosing: direct words right away, the rest batched.
DEFAULT_EMAIL_MODES = {
    Kind.REPLY: EmailMode.IMMEDIATE,
    Kind.MENTION: EmailMode.IMMEDIATE,
    Kind.COMMENT: EmailMode.HOURLY,
    Kind.CLAIM_APPROVED: EmailMode.IMMEDIATE,
    Kind.CLAIM_REJECTED: EmailMode.IMMEDIATE,
    Kind.LINK_APPROVED: EmailMode.IMMEDIATE,
    Kind.LINK_REJECTED: EmailMode.IMMEDIATE,
}


class Watch(models.Model):
    """The user hears about new comments on the paper."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"], name="watch_once")]
        indexes = [models.Index(fields=["paper"], name="watch_paper")]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.paper_id}"


class NotificationQuerySet(models.QuerySet):
    def shown(self):
        """What inboxes, counts, emails and the API may show: nothing about a comment that
        is now deleted or hidden."""
        return self.filter(models.Q(comment__isnull=True) | visible_comment("comment__"))


class NotificationEmail(models.Model):
    """One email of the ledger: pending -> sending -> sent (or skipped/failed).

    `key` names what it carries ("n<notification id>", or "h<user>:<kind>:<hour>" for an
    hourly batch), so planning the same mail twice finds the same row. A sender claims a row
    (core/claims.py) before the message goes to SMTP; a row left in `sending` by a killed
    sender is sent again by the next run (emails.py)."""

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        SKIPPED = "skipped", "skipped"
        FAILED = "failed", "failed"

    key = models.CharField(max_length=100, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    state = models.CharField(max_length=8, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=128, blank=True)  # core/claims.new_token()
    claimed_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["state", "claimed_by"], name="notification_email_state")]

    def __str__(self) -> str:
        return f"{self.key} {self.state}"


class Notification(models.Model):
    class Mail(models.TextChoices):
        WAITING = "waiting", "not yet planned"
        PLANNED = "planned", "in an email"
        NONE = "none", "not mailed"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paper = models.ForeignKey(
        "papers.Paper", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        "feed.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # For kinds without a comment (approvals): what to say, and where to go.
    text = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    mail = models.CharField(max_length=8, choices=Mail, default=Mail.WAITING)
    email = models.ForeignKey(
        NotificationEmail,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One notification per person per comment, whatever the reasons (a mention wins).
            models.UniqueConstraint(
                fields=["recipient", "comment"],
                condition=models.Q(comment__isnull=False),
                name="one_notification_per_comment",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_inbox"),
            models.Index(fields=["mail", "created_at"], name="notification_mail"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class EmailSetting(models.Model):
    """A user's choice for one kind; kinds without a row use DEFAULT_EMAIL_MODES."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind)
    mode = models.CharField(max_length=10, choices=EmailMode)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_email_setting_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.mode}"
