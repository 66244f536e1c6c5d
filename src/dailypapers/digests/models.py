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
