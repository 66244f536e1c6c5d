from django.conf import settings
from django.db import models
from django.utils import timezone


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily (weekdays)"
    WEEKLY = "weekly", "Weekly (Mondays)"


# How many "papers for you" a digest may carry; 5 is what the settings page offers first.
FOR_YOU_CHOICES = (3, 5, 10)
FOR_YOU_DEFAULT = 5


class Subscriber(models.Model):
    """A confirmed address (double opt-in: rows exist only after the link was clicked,
    or when an operator adds one)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "active"
        UNSUBSCRIBED = "unsubscribed", "unsubscribed"
        FAILING = "failing", "failing"

    email = models.EmailField(unique=True, max_length=254)
    frequency = models.CharField(max_length=8, choices=Frequency, default=Frequency.DAILY)
    trending = models.BooleanField(default=True)
    topics = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.ACTIVE, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # "Papers for you": how many recommendations for `user` to add (0: none). Set from the
    # digest settings page by the signed-in owner of the subscribed address.
    for_you = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.email


class Delivery(models.Model):
    """One subscriber's digest for one period: pending -> sending -> sent (or skipped/failed).

    A row left in `sending` by a killed run is sent again by the next run: the one message
    that may arrive twice is the one SMTP accepted just before the kill."""

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        SKIPPED = "skipped", "skipped"
        FAILED = "failed", "failed"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    period = models.CharField(max_length=32)  # "daily:2026-11-26" or "weekly:2026-W47"
    state = models.CharField(max_length=8, choices=State, default=State.PENDING)
    message_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The sender process holding the row (core/claims.py); "" when none.
    claimed_by = models.CharField(max_length=128, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "period"], name="one_digest_per_period")
        ]
        indexes = [models.Index(fields=["period", "state"], name="delivery_period_state")]

    def __str__(self) -> str:
        return f"{self.subscriber_id} {self.period} {self.state}"


class SentPaper(models.Model):
    """The ledger: a paper is mailed to a subscriber at most once, ever."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="sent")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE)
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "paper"], name="paper_sent_once")
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} -> {self.subscriber_id}"


class Channel(models.Model):
    """A team chat destination (Slack, Discord, Matrix, …, or a signed JSON webhook) that gets
    the daily or weekly list. Its URL holds the service's secret, so it is stored encrypted
    (digests/secrets.py) and shown only masked."""

    class State(models.TextChoices):
        OK = "ok", "ok"
        FAILING = "failing", "failing"  # the last post failed; retried with backoff
        PAUSED = "paused", "paused"  # failed too often; `channels test` resumes it

    name = models.CharField(max_length=64, unique=True)
    service = models.CharField(max_length=16)  # digests/channels.py SERVICES
    url_encrypted = models.TextField()
    url_masked = models.CharField(max_length=300)
    frequency = models.CharField(max_length=8, choices=Frequency, default=Frequency.DAILY)
    topics = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    min_upvotes = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=8, choices=State, default=State.OK, db_index=True)
    failures = models.PositiveSmallIntegerField(default=0)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class ChannelPost(models.Model):
    """One channel's list for one period: pending -> posting -> sent.

    A post left `posting` by a dead sender may or may not have reached the service, so it is
    never posted again automatically: it becomes `interrupted`, is reported and listed, and
    `channels test` shows the channel works. A post that failed goes back to `pending` and is
    retried when the channel's backoff allows."""

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        POSTING = "posting", "posting"
        SENT = "sent", "sent"
        SKIPPED = "skipped", "skipped"  # nothing on the list for this channel
        INTERRUPTED = "interrupted", "interrupted"

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="posts")
    period = models.CharField(max_length=32)  # an Edition key: "daily:2026-11-26"
    state = models.CharField(max_length=12, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=128, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "period"], name="one_post_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.period} {self.state}"
