"""Authorship claims: every write (claim, verify, reject) and what a verified claim grants.

A claim names one position of one paper's author list. Only a curator decides it, on the
queue page (/claims) or with `dailypapers claims approve|reject`. Verifying links the user to
the identity that position resolves to (Author.user), which is what their profile lists;
the badge, the API's authors[].user and recommendations read the verified claims
themselves, paper by paper, so a homonym's papers never carry someone else's badge.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..accounts.ratelimit import count_hit
from ..accounts.roles import is_curator
from ..papers.models import Paper
from .models import Author, Authorship, Claim
from .signals import claims_changed


class ClaimError(Exception):
    """A claim that cannot be made or decided; the message is for the person who tried."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


# Claims one user may make per hour: enough for an author's whole back catalogue in a few
# sittings, too few to flood the curators' queue.
CLAIMS_PER_HOUR = 20


def claim(user, paper: Paper, position: int) -> Claim:
    """A pending claim by user on the author at `position`."""
    if not getattr(user, "is_authenticated", False):
        raise ClaimError("Log in to claim a paper.", 401)
    if not isinstance(position, int) or not 0 <= position < len(paper.authors):
        raise ClaimError("Choose one of the paper's authors.")
    limit = count_hit(f"claim:{user.pk}", CLAIMS_PER_HOUR, 3600)
    if not limit.allowed:
        raise ClaimError(
            f"Too many claims; try again in {limit.retry_after // 60 + 1} minutes.", 429
        )
    try:
        with transaction.atomic():
            return Claim.objects.create(
                paper=paper, position=position, name=paper.authors[position][:300], user=user
            )
    except IntegrityError:
        raise ClaimError("You have already claimed this paper.") from None


def decide(curator, claim_id: int, verify: bool) -> Claim:
    """Verify or reject a pending claim (curators only)."""
    if not is_curator(curator):
        raise ClaimError("Only curators decide claims.", 403)
    with transaction.atomic():
        found = Claim.objects.select_for_update().filter(pk=claim_id).first()
        if found is None:
            raise ClaimError(f"No claim {claim_id}.", 404)
        if found.status != Claim.Status.PENDING:
            raise ClaimError(f"Claim {claim_id} is already {found.status}.")
        if verify:
            taken = Claim.objects.verified().filter(paper=found.paper_id, position=found.position)
            if taken.exists():
                raise ClaimError(f"{found.name} on {found.paper_id} is already verified.")
        found.status = Claim.Status.VERIFIED if verify else Claim.Status.REJECTED
        found.decided_at = timezone.now()
        found.decided_by = curator
        found.save(update_fields=["status", "decided_at", "decided_by"])
        if verify:
            identity = Authorship.objects.filter(
                paper_id=found.paper_id, position=found.position
            ).values_list("author_id", flat=True)
            Author.objects.filter(pk__in=identity, user__isnull=True).update(user=found.user)
        # Inside the transaction: feed's page-cache generation bump commits with the decision.
        claims_changed.send(sender=Claim, claim=found, decider=curator)
    return found


@dataclass(frozen=True, slots=True)
class VerifiedAuthor:
    position: int
    user: object  # the claimant (a User)
    since: datetime  # when the claim was verified


def verified_authors(paper_ids: list[str]) -> dict[str, list[VerifiedAuthor]]:
    """The verified claims of these papers, by paper id, in one query."""
    found: dict[str, list[VerifiedAuthor]] = {}
    rows = (
        Claim.objects.verified()
        .filter(paper_id__in=paper_ids)
        .select_related("user")
        .order_by("position")
    )
    for row in rows:
        found.setdefault(row.paper_id, []).append(
            VerifiedAuthor(row.position, row.user, row.decided_at or row.created_at)
        )
    return found


def verified_user_ids(paper_id: str) -> set[int]:
    """Users whose claim on this paper is verified: their comments here get the badge."""
    return set(Claim.objects.verified().filter(paper_id=paper_id).values_list("user_id", flat=True))


def is_verified_author(user, paper) -> bool:
    """Whether the user's claim on this paper was verified (links lets them approve links)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Claim.objects.verified().filter(user=user, paper_id=paper.pk).exists()


def claimed_papers_of(user_ids: list[int]) -> dict[int, list[str]]:
    """Papers of each user's verified claims, newest decision first (recommendations), in
    one query."""
    found: dict[int, list[str]] = {}
    rows = Claim.objects.verified().filter(user_id__in=user_ids)
    for user_id, paper_id in rows.order_by("user_id", "-decided_at", "-pk").values_list(
        "user_id", "paper_id"
    ):
        found.setdefault(user_id, []).append(paper_id)
    return found


def claim_of(user, paper_id: str) -> Claim | None:
    """The user's own claim on the paper, whatever its state (the paper page shows it)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Claim.objects.filter(user=user, paper_id=paper_id).first()


def identities_of(user) -> list[Author]:
    """The author identities verified claims linked to the user (the profile's "Papers")."""
    return list(Author.objects.filter(user=user).order_by("name"))


def queue(status: str = Claim.Status.PENDING, limit: int = 200) -> list[Claim]:
    rows = Claim.objects.filter(status=status) if status != "all" else Claim.objects.all()
    return list(rows.select_related("user", "paper").order_by("created_at", "pk")[:limit])
