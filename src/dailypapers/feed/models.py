from django.conf import settings
from django.db import models
from django.utils import timezone


class EntryQuerySet(models.QuerySet):
    def listed(self):
        """The entries lists show: not hidden by a curator."""
        return self.filter(hidden=False)


def visible_comment(prefix: str = "") -> models.Q:
    """The condition of Comment.objects.visible(), for a query that reaches comments through
    a relation: visible_comment("comment__")."""
    return models.Q(**{f"{prefix}deleted": False, f"{prefix}hidden": False})


class CommentQuerySet(models.QuerySet):
    def visible(self):
        """The comments readers see: neither deleted by their author nor hidden by a curator."""
        return self.filter(visible_comment())


class DailyEntry(models.Model):
    """A paper on one day's list. The counters are recomputed from Vote and Comment."""

    paper = models.OneToOneField("papers.Paper", on_delete=models.CASCADE, related_name="entry")
    day = models.DateField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    hidden = models.BooleanField(default=False)
    pinned = models.BooleanField(default=False)
    upvotes = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    # Stored so /trending is a plain ORDER BY (see hotness.py).
    hotness = models.FloatField(default=0.0)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "daily entries"
        indexes = [
            # In list order, so one day's page is an index walk that stops after PAGE_SIZE
            # rows instead of sorting the whole day (listing.EntryIds).
            models.Index(
                fields=["day", "hidden", "-pinned", "-upvotes", "submitted_at", "paper"],
                name="entry_day_in_order",
            ),
            models.Index(fields=["-hotness"], name="entry_hotness"),
            models.Index(fields=["submitted_by", "submitted_at"], name="entry_submitter"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.paper_id}"


class Vote(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"], name="one_vote_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} ▲ {self.paper_id}"


class Comment(models.Model):
    MAX_LENGTH = 5000

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    # One level of replies: a reply's parent is always a top-level comment.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField(max_length=MAX_LENGTH)  # the Markdown source, as typed
    # The sanitized HTML of `body` (comment_markup.render_comment), made when written;
    # render_version says which renderer made it, so older rows can be rendered again.
    body_html = models.TextField(default="", blank=True)
    render_version = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["paper", "created_at"], name="comment_paper")]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.paper_id}"

    @property
    def visible(self) -> bool:
        return not (self.deleted or self.hidden)


class SiteGeneration(models.Model):
    """A counter bumped by every vote, submission and comment: part of every page-cache key,
    so one UPDATE invalidates cached pages in every process on every host."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"generation {self.value}"


class FeedVersion(models.Model):
    """What one syndication feed URL served last, and since when: its Last-Modified
    (revalidation.py). Here, below every app that has feeds (the API's, the library's)."""

    # sha256 of the feed's path and query string: search feeds have arbitrary queries.
    key = models.CharField(primary_key=True, max_length=64)
    etag = models.CharField(max_length=64)
    changed_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key[:12]}… since {self.changed_at}"
