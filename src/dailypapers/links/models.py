from django.db import models

from ..papers.models import Paper
from .extract import LinkKind


class PaperLink(models.Model):
    """A link of a paper: its code, project page, data or demo.

    `source` says where it came from; extracted links are recomputed from the paper's text on
    every import and on `reindex`, so only rows with source="extracted" are ever replaced.
    """

    class Source(models.TextChoices):
        EXTRACTED = "extracted"

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=16, choices=[(k.value, k.value) for k in LinkKind])
    url = models.URLField(max_length=2000)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.EXTRACTED)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "source", "url"], name="one_url_per_source")
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} {self.kind}: {self.url}"
