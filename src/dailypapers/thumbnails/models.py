from django.db import models

from ..papers.models import Paper


class Thumbnail(models.Model):
    """What became of one paper's first-page thumbnail: drawn (its files are on disk, named
    after `drawn_id`), or skipped with a reason and tried again from `retry_at`."""

    class Status(models.TextChoices):
        OK = "ok"
        SKIPPED = "skipped"

    paper = models.OneToOneField(Paper, primary_key=True, on_delete=models.CASCADE)
    status = models.CharField(max_length=8, choices=Status.choices)
    # The versioned id whose PDF was drawn: a new version is drawn again under a new name, so
    # the old image's long-lived cache never shows stale pages.
    drawn_id = models.CharField(max_length=72, blank=True)
    width = models.PositiveSmallIntegerField(default=0)  # of the card-size image
    height = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=200, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.paper_id}: {self.status} {self.reason}".strip()
