"""What a user's library says about their taste, for the recommender (issue 13).

A plain module, not Django signal handlers: `signals_for(user)` reads the library once and
hands back arXiv ids, so the recommender never touches our tables.
"""

from dataclasses import dataclass, field

from ..feed.models import Vote
from ..papers.cleaning import is_storable
from ..papers.models import Paper
from ..people.claims import claimed_papers_of
from .models import Dismissal, LibrarySettings, SavedPaper, Tag


@dataclass
class Signals:
    positive: list[str] = field(default_factory=list)  # arXiv ids, newest save first
    negative: list[str] = field(default_factory=list)  # "not interested", newest first
    # Titles of every positive paper (saved or upvoted), for "because you saved …" lines.
    saved_titles: dict[str, str] = field(default_factory=dict)


def upvotes_are_signals(user) -> bool:
    value = (
        LibrarySettings.objects.filter(user=user)
        .values_list("upvotes_are_signals", flat=True)
        .first()
    )
    return True if value is None else value


def signals_for(user, tag: str | None = None) -> Signals:
    """Positives: saved papers (only those tagged `tag` when given, matched by slug or name)
    plus, without a tag, the papers of the user's verified authorship claims and the papers
    they upvoted unless they turned that off.
    Negatives: papers marked "not interested". A paper is never both: saving wins."""
    saved = SavedPaper.objects.filter(user=user)
    if tag is not None:
        # Text that cannot be stored names no tag (PostgreSQL refuses a NUL even in a lookup).
        found = is_storable(tag) and (
            Tag.objects.filter(user=user, slug=tag).first()
            or Tag.objects.filter(user=user, name=tag).first()
        )
        saved = saved.filter(tags=found) if found else saved.none()
    signals = _signals([user.pk], saved, upvotes=tag is None)[user.pk]
    signals.saved_titles = titles_of(signals.positive)
    return signals


def signals_for_many(user_ids: list[int]) -> dict[int, Signals]:
    """signals_for(user) of many users (a digest run's batch) in four queries, by user id.
    Their saved_titles are left empty: get the few a caller shows with titles_of."""
    ids = list(dict.fromkeys(user_ids))
    return _signals(ids, SavedPaper.objects.filter(user_id__in=ids), upvotes=True)


def titles_of(arxiv_ids) -> dict[str, str]:
    return dict(Paper.objects.filter(pk__in=list(arxiv_ids)).values_list("arxiv_id", "title"))


def _signals(user_ids: list[int], saved, upvotes: bool) -> dict[int, Signals]:
    positive = {user_id: [] for user_id in user_ids}
    for user_id, paper_id in saved.order_by("user_id", "-saved_at", "-pk").values_list(
        "user_id", "paper_id"
    ):
        positive[user_id].append(paper_id)
    if upvotes:  # no tag asked for: the papers of verified authorship claims count too
        for user_id, paper_ids in claimed_papers_of(user_ids).items():
            positive[user_id].extend(paper_ids)
        off = LibrarySettings.objects.filter(user_id__in=user_ids, upvotes_are_signals=False)
        voters = set(user_ids) - set(off.values_list("user_id", flat=True))
        voted = Vote.objects.filter(user_id__in=voters).order_by("user_id", "-created_at", "-pk")
        for user_id, paper_id in voted.values_list("user_id", "paper_id"):
            positive[user_id].append(paper_id)
    negative = {user_id: [] for user_id in user_ids}
    dismissed = Dismissal.objects.filter(user_id__in=user_ids).order_by(
        "user_id", "-created_at", "-pk"
    )
    for user_id, paper_id in dismissed.values_list("user_id", "paper_id"):
        negative[user_id].append(paper_id)
    signals = {}
    for user_id in user_ids:
        liked = list(dict.fromkeys(positive[user_id]))
        chosen = set(liked)
        signals[user_id] = Signals(
            positive=liked, negative=[i for i in negative[user_id] if i not in chosen]
        )
    return signals
