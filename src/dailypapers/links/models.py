from django.db import models

from ..papers.models import Paper
from .extract import LinkKind

# The order a paper's links are shown in: "Code · Project · Data · Demo".
KIND_ORDER = [kind.value for kind in LinkKind]


class PaperLinkQuerySet(models.QuerySet):
    def shown_for(self, paper) -> list["PaperLink"]:
        """A paper's links in display order: by kind, then as the text gave them."""
        links = self.filter(paper=paper).order_by("position", "pk")
        return sorted(links, key=lambda link: KIND_ORDER.index(link.kind))


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

    objects = PaperLinkQuerySet.as_manager()

    class Meta:
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "source", "url"], name="one_url_per_source")
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} {self.kind}: {self.url}"

    @property
    def label(self) -> str:
        return self.kind.capitalize()
