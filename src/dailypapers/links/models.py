from django.conf import settings
from django.db import models

from ..core import sql
from ..papers.models import Paper
from .extract import LinkKind

# The order a paper's links are shown in: "Code · Project · Data · Demo".
KIND_ORDER = [kind.value for kind in LinkKind]
KIND_CHOICES = [(k.value, k.value) for k in LinkKind]


class PaperLinkQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PaperLink.Status.PUBLISHED)

    def shown_for(self, paper) -> list["PaperLink"]:
        """A paper's published links in display order: by kind, then as the text gave them
        (people's links after the extracted ones). Fixed SQL (core/sql.py): the QuerySet cost
        0.3 ms of an uncached paper page to build, for what is usually no row."""
        table = self.model._meta.db_table
        rows = sql.rows(
            f"SELECT {sql.columns(self.model, table)} FROM {table} "
            "WHERE paper_id = %s AND status = %s ORDER BY position, id",
            [getattr(paper, "pk", paper), PaperLink.Status.PUBLISHED],
        )
        links = [sql.instance(self.model, row) for row in rows]
        return sorted(links, key=lambda link: KIND_ORDER.index(link.kind))


class PaperLink(models.Model):
    """A link of a paper: its code, project page, data or demo.

    `source` says where it came from. Extracted links are recomputed from the paper's text on
    every import and on `reindex`; people's links ("proposed") are never touched by that.
    `status`: what readers see is "published"; a proposal waits as "pending" until a curator
    or an approver (links.permissions) approves it; "removed" rows stay, with their history
    in LinkEvent, so a removed extracted link does not come back on the next import.
    """

    class Source(models.TextChoices):
        EXTRACTED = "extracted"
        PROPOSED = "proposed"

    class Status(models.TextChoices):
        PENDING = "pending"
        PUBLISHED = "published"
        REMOVED = "removed"

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    url = models.URLField(max_length=2000)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.EXTRACTED)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = PaperLinkQuerySet.as_manager()

    class Meta:
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "source", "url"], name="one_url_per_source")
        ]
        indexes = [models.Index(fields=["status", "paper"], name="link_status_paper")]

    def __str__(self) -> str:
        return f"{self.paper_id} {self.kind}: {self.url}"

    @property
    def label(self) -> str:
        return self.kind.capitalize()


class Repository(models.Model):
    """A code repository papers link to, as `refresh-github` last saw it.

    `key` is "owner/name" in lower case (GitHub names are case-insensitive), so two papers
    spelling one repository differently share a row; `full_name` is GitHub's own spelling.
    A renamed repository keeps its row (papers' links still name it) pointing at the row of
    its new name; a gone one (404, 451) is asked about again only after a month.
    Written only by links/github.py.
    """

    class State(models.TextChoices):
        NEW = "new"  # never asked about
        OK = "ok"
        GONE = "gone"
        RENAMED = "renamed"

    host = models.CharField(max_length=64, default="github.com")
    key = models.CharField(max_length=200)
    full_name = models.CharField(max_length=200)
    html_url = models.URLField(max_length=300, blank=True)
    stars = models.IntegerField(null=True)
    created_at = models.DateTimeField(null=True)  # on GitHub; a repository made inside a
    # trending window gained all its stars in it
    state = models.CharField(max_length=8, choices=State.choices, default=State.NEW)
    renamed_to = models.ForeignKey(
        "self", null=True, on_delete=models.SET_NULL, related_name="former_names"
    )
    etag = models.CharField(max_length=200, blank=True)
    last_checked = models.DateTimeField(null=True)
    first_seen = models.DateTimeField(auto_now_add=True)
    # Stars gained over the past 1, 7 and 30 days as of the newest count (links/github.py
    # `star_gains`, formula on /about), stored so /trending?by=code is an indexed ORDER BY, as
    # upvote hotness is. The keys are feed's trending windows in days (a test checks).
    stars_gained_1d = models.IntegerField(default=0)
    stars_gained_7d = models.IntegerField(default=0)
    stars_gained_30d = models.IntegerField(default=0)
    GAIN_FIELDS = {1: "stars_gained_1d", 7: "stars_gained_7d", 30: "stars_gained_30d"}

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["host", "key"], name="one_repository_per_name")
        ]
        indexes = [
            models.Index(fields=["state", "last_checked"], name="repository_due"),
            models.Index(fields=["-stars_gained_1d"], name="repository_gained_1d"),
            models.Index(fields=["-stars_gained_7d"], name="repository_gained_7d"),
            models.Index(fields=["-stars_gained_30d"], name="repository_gained_30d"),
        ]

    def __str__(self) -> str:
        return f"{self.host}/{self.full_name}"


class StarCount(models.Model):
    """A repository's stars on one day (UTC): the newest count of that day, one row per day,
    so that gains over a window can be computed (links/github.py `star_gains`)."""

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="counts")
    date = models.DateField()
    stars = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["repository", "date"], name="one_count_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.repository} {self.date}: {self.stars}"


class PaperRepository(models.Model):
    """Which repositories a paper's code links name: derived from PaperLink rows by
    `refresh-github` (links/github.py `sync_repositories`), never edited by hand. A renamed
    name is mapped to the row of its new name, so readers never follow renames."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="repositories")
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="papers")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paper", "repository"], name="one_row_per_repository")
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} -> {self.repository_id}"


class LinkEvent(models.Model):
    """The audit trail of people's links: every proposal, approval, rejection and removal,
    with who did it. Kept when the link is removed (it copies the URL and kind)."""

    class Action(models.TextChoices):
        PROPOSED = "proposed"
        PUBLISHED = "published"  # proposed by someone who may publish directly
        APPROVED = "approved"
        REJECTED = "rejected"
        REMOVED = "removed"

    link = models.ForeignKey(PaperLink, on_delete=models.CASCADE, related_name="events")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    url = models.URLField(max_length=2000)
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.paper_id} {self.url}"
