from django.db import models

from ..feed.enrichment import EnrichmentOutcome


class Summary(EnrichmentOutcome):
    """One paper's LLM summary (untrusted text, cleaned and capped before it is stored), or
    why there is none yet: skipped with a reason and tried again from `retry_at`."""

    text = models.TextField(blank=True)
    model = models.CharField(max_length=200, blank=True)  # as the server named it
    prompt_version = models.PositiveSmallIntegerField(default=0)


class DailyUsage(models.Model):
    """Requests sent to the LLM server (and tokens it reported) per UTC day: the daily
    budget, persisted so that a re-run, or a second run the same day, respects it."""

    day = models.DateField(primary_key=True)
    requests = models.PositiveIntegerField(default=0)
    tokens = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.requests} requests, {self.tokens} tokens"
