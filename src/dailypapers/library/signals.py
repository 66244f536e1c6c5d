"""What a user's library says about their taste, for the recommender (issue 13).

A plain module, not Django signal handlers: `signals_for(user)` reads the library once and
hands back arXiv ids, so the recommender never touches our tables.
"""

from dataclasses import dataclass, field

from ..feed.models import Vote
from ..papers.models import Paper
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
    plus, without a tag, the papers the user upvoted unless they turned that off.
    Negatives: papers marked "not interested". A paper is never both: saving wins."""
    saved = SavedPaper.objects.filter(user=user).order_by("-saved_at", "-pk")
    if tag is not None:
        found = (
            Tag.objects.filter(user=user, slug=tag).first()
            or Tag.objects.filter(user=user, name=tag).first()
        )
        saved = saved.filter(tags=found) if found else saved.none()
    positive = list(saved.values_list("paper_id", flat=True))
    if tag is None and upvotes_are_signals(user):
        voted = Vote.objects.filter(user=user).order_by("-created_at", "-pk")
        positive += [pid for pid in voted.values_list("paper_id", flat=True)]
    positive = list(dict.fromkeys(positive))
    chosen = set(positive)
    negative = [
        pid
        for pid in Dismissal.objects.filter(user=user)
        .order_by("-created_at", "-pk")
        .values_list("paper_id", flat=True)
        if pid not in chosen
    ]
    titles = dict(Paper.objects.filter(pk__in=positive).values_list("arxiv_id", "title"))
    return Signals(positive=positive, negative=negative, saved_titles=titles)
