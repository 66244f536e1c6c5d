from django.db import models

from ..papers.models import Paper


class Summary(models.Model):
    """One paper's LLM summary (untrusted text, cleaned and capped before it is stored), or
    why there is none yet: skipped with a reason and tried again from `retry_at`."""

    class Status(models.TextChoices):
        OK = "ok"
        SKIPPED = "skipped"

    paper = models.OneToOneField(Paper, primary_key=True, on_delete=models.CASCADE)
    status = models.CharField(max_length=8, choices=Status.choices)
    text = models.TextField(blank=True)
    model = models.CharField(max_length=200, blank=True)  # as the server named it
    prompt_version = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=200, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.paper_id}: {self.status} {self.reason}".strip()


class DailyUsage(models.Model):
    """Requests sent to the LLM server (and tokens it reported) per UTC day: the daily
    budget, persisted so that a re-run, or a second run the same day, respects it."""

    day = models.DateField(primary_key=True)
    requests = models.PositiveIntegerField(default=0)
    tokens = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.requests} requests, {self.tokens} tokens"
