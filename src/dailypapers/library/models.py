"""A user's library: saved papers with tags and a private note, "not interested" marks,
and tags published as collections."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Tag(models.Model):
    """A user's free-text label. The slug names it in URLs and makes "To read" and
    "to-read" the same tag."""

    NAME_MAX = 60

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tags"
    )
    name = models.CharField(max_length=NAME_MAX)
    slug = models.SlugField(max_length=NAME_MAX, allow_unicode=True)

    class Meta:
        ordering = ["slug"]
        constraints = [models.UniqueConstraint(fields=["user", "slug"], name="one_tag_per_slug")]

    def __str__(self) -> str:
        return self.name


class SavedPaper(models.Model):
    NOTE_MAX = 10_000

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_papers"
    )
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="saved_by")
    saved_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True, max_length=NOTE_MAX)
    tags = models.ManyToManyField(Tag, blank=True, related_name="saved_papers")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"], name="save_paper_once")]
        indexes = [models.Index(fields=["user", "-saved_at"], name="library_by_date")]

    def __str__(self) -> str:
        return f"{self.user_id} saved {self.paper_id}"


class Dismissal(models.Model):
    """ "Not interested": hidden from the user's recommendations, and a negative signal."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dismissals"
    )
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"], name="dismiss_paper_once")]

    def __str__(self) -> str:
        return f"{self.user_id} not interested in {self.paper_id}"


class LibrarySettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_settings"
    )
    upvotes_are_signals = models.BooleanField(
        default=True, help_text="Count the papers I upvote as papers I like."
    )

    class Meta:
        verbose_name_plural = "library settings"

    def __str__(self) -> str:
        return f"library settings of {self.user_id}"


class Collection(models.Model):
    """A tag shown to others at /c/<username>/<slug>; private until the owner publishes it."""

    TITLE_MAX = 200
    DESCRIPTION_MAX = 5_000

    tag = models.OneToOneField(Tag, on_delete=models.CASCADE, related_name="collection")
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    description = models.TextField(max_length=DESCRIPTION_MAX, blank=True)
    public = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title or self.tag.name
