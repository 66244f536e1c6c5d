"""What the commands that enrich listed papers (`thumbnails`, `summarize`) share: which papers a
run takes (the recent lists' papers, or the ones named), and the per-paper outcome row with its
retry policy (skipped papers wait twice as long after each failure, at most MAX_RETRY_WAIT)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import models
from django.utils import timezone

from ..papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from ..papers.models import Paper
from .recent import listed_since

MAX_RETRY_WAIT = timedelta(days=30)


class EnrichmentOutcome(models.Model):
    """What became of one paper's enrichment: done, or skipped with a reason and tried again
    from `retry_at`."""

    class Status(models.TextChoices):
        OK = "ok"
        SKIPPED = "skipped"

    paper = models.OneToOneField(Paper, primary_key=True, on_delete=models.CASCADE)
    status = models.CharField(max_length=8, choices=Status.choices)
    reason = models.CharField(max_length=200, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.paper_id}: {self.status} {self.reason}".strip()

    @classmethod
    def record_done(cls, paper: Paper, **fields) -> None:
        defaults = {"status": cls.Status.OK, "reason": "", "failures": 0, "retry_at": None}
        cls.objects.update_or_create(paper=paper, defaults={**defaults, **fields})

    @classmethod
    def record_skipped(cls, paper: Paper, reason: str, first_wait: timedelta, **fields):
        """Record a skip and when to try again; returns the wait."""
        failures = (
            cls.objects.filter(paper=paper, status=cls.Status.SKIPPED)
            .values_list("failures", flat=True)
            .first()
            or 0
        ) + 1
        wait = min(first_wait * 2 ** (failures - 1), MAX_RETRY_WAIT)
        cls.objects.update_or_create(
            paper=paper,
            defaults={
                "status": cls.Status.SKIPPED,
                "reason": reason[:200],
                "failures": failures,
                "retry_at": timezone.now() + wait,
                **fields,
            },
        )
        return wait


class EnrichmentCommand(BaseCommand):
    """A command that works through the papers of the recent lists (`--since DAYS`), or the
    ones named (`--ids`)."""

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", type=int, default=2, metavar="DAYS", help="lists of the last DAYS days"
        )
        parser.add_argument("--ids", nargs="+", metavar="ID", help="these papers instead")

    def paper_ids(self, since: int, ids: list[str] | None) -> list[str]:
        """The ids to work through; named ones the database lacks are reported, not fatal."""
        try:
            paper_ids = [parse_arxiv_id(text).id for text in ids] if ids else listed_since(since)
        except InvalidArxivId as error:
            raise CommandError(str(error)) from None
        known = set(Paper.objects.filter(arxiv_id__in=paper_ids).values_list("pk", flat=True))
        if unknown := [i for i in paper_ids if i not in known]:
            self.stderr.write(f"not in the database (import or fetch them first): {unknown}")
        return paper_ids
