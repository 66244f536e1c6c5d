from django.conf import settings
from django.db import models
from django.utils import timezone

from ..papers.models import Paper
from .names import MAX_SLUG


class Author(models.Model):
    """One author identity: every written form of a name with the same key (names.py), plus
    the abbreviated forms the co-author graph resolves to it (store.py). Rows are kept
    across rebuilds, so a slug and the user a verified claim linked stay put."""

    slug = models.CharField(max_length=MAX_SLUG, unique=True)
    name = models.CharField(max_length=300, help_text="the first written form seen")
    surname_key = models.CharField(max_length=MAX_SLUG, db_index=True)
    abbreviated = models.BooleanField(default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author_identities",
        help_text="linked by a verified claim",
    )

    def __str__(self) -> str:
        return self.name


class Authorship(models.Model):
    """One name of one paper's author list, by position, and the identity it resolves to.
    `written_slug` is the slug computed from the name as written, which is what lists link
    to: an abbreviated name resolved to a full one redirects from it (views.author_page)."""

    # No single-column indexes on paper and author: the unique (paper, position) and the
    # (author, -published) indexes lead with them, and every index costs the import time.
    paper = models.ForeignKey(
        Paper, on_delete=models.CASCADE, related_name="authorships", db_index=False
    )
    position = models.PositiveIntegerField()
    author = models.ForeignKey(
        Author, on_delete=models.CASCADE, related_name="authorships", db_index=False
    )
    written_slug = models.CharField(max_length=MAX_SLUG, db_index=True)
    # The paper's date, copied so an author page is one index walk, newest first.
    published = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="one_author_per_position")
        ]
        indexes = [models.Index(fields=["author", "-published"], name="authorship_newest")]

    def __str__(self) -> str:
        return f"{self.paper_id}:{self.position} -> {self.author_id}"


class ClaimQuerySet(models.QuerySet):
    def verified(self):
        return self.filter(status=Claim.Status.VERIFIED)

    def pending(self):
        return self.filter(status=Claim.Status.PENDING)


class Claim(models.Model):
    """ "I'm an author": a user says they are the author at `position` of a paper. A curator
    verifies or rejects it (claims.py). Only a verified claim counts anywhere: the Author
    badge, the API's authors[].user, the profile's papers, recommendations."""

    class Status(models.TextChoices):
        PENDING = "pending"
        VERIFIED = "verified"
        REJECTED = "rejected"

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="claims")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=300, help_text="the name at that position when claimed")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="author_claims"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ClaimQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paper", "user"], name="one_claim_per_user_paper"),
            models.UniqueConstraint(
                fields=["paper", "position"],
                condition=models.Q(status="verified"),
                name="one_verified_claim_per_position",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="claim_queue")]

    def __str__(self) -> str:
        return f"{self.user_id} claims {self.paper_id}:{self.position} ({self.status})"
