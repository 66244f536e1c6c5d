"""Reading GitHub stars: a paper's stars now (`stars_for`) and the stars its repositories
gained over a window (`paper_star_gains`, what `/trending?by=code` ranks by). The rows are
written by links/github.py (`refresh-github`).

The gain of a repository over a window of W days ending today (UTC), documented on /about:
- now: its newest daily count dated after today - W;
- baseline: its newest count dated on or before today - W; when it has none (first seen
  inside the window), 0 if GitHub says the repository was created inside the window (every
  star it has was gained in it), else its oldest count inside the window;
- gain = now - baseline.
A paper's gain is the largest gain among its repositories (a renamed name counts as its new
name); papers without a count in the window have none.
"""

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import connection
from django.utils import timezone

from .models import PaperRepository, Repository, StarCount

COUNTS = StarCount._meta.db_table
_CHUNK = 900


def stars_for(papers: Iterable) -> dict[str, int]:
    """{arxiv_id: stars} for papers (Paper objects or ids) with a known GitHub repository:
    the most-starred one when a paper names several; renamed names answer with the new name's
    count, gone repositories with none."""
    ids = [getattr(paper, "pk", paper) for paper in papers]
    result: dict[str, int] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = PaperRepository.objects.filter(paper_id__in=ids[start : start + _CHUNK])
        for paper_id, state, stars, new_state, new_stars in rows.values_list(
            "paper_id",
            "repository__state",
            "repository__stars",
            "repository__renamed_to__state",
            "repository__renamed_to__stars",
        ):
            if state == Repository.State.RENAMED:
                state, stars = new_state, new_stars
            if state == Repository.State.OK and stars is not None:
                result[paper_id] = max(stars, result.get(paper_id, stars))
    return result


def _counts(aggregate: str, where: str, params: list) -> dict[int, int]:
    """{repository: stars} at each repository's MIN or MAX date among the rows `where` picks."""
    sql = (
        f"SELECT c.repository_id, c.stars FROM {COUNTS} c JOIN (SELECT repository_id, "
        f"{aggregate}(date) AS day FROM {COUNTS} WHERE {where} GROUP BY repository_id) m "
        "ON m.repository_id = c.repository_id AND m.day = c.date"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def repository_gains(days: int, today: date | None = None) -> dict[int, int]:
    """{repository id: stars gained} over the `days` ending `today` (the module's formula)."""
    today = today or timezone.now().date()
    start = today - timedelta(days=days)
    now = _counts("MAX", "date > %s AND date <= %s", [start, today])
    baseline = _counts("MAX", "date <= %s", [start])
    first_seen = [repo for repo in now if repo not in baseline]
    oldest = _counts("MIN", "date > %s AND date <= %s", [start, today]) if first_seen else {}
    created = {}
    for begin in range(0, len(first_seen), _CHUNK):
        chunk = Repository.objects.filter(pk__in=first_seen[begin : begin + _CHUNK])
        created.update(chunk.values_list("pk", "created_at"))
    gains = {}
    for repo, stars in now.items():
        if repo in baseline:
            gains[repo] = stars - baseline[repo]
        elif created.get(repo) is not None and created[repo].date() > start:
            gains[repo] = stars
        else:
            gains[repo] = stars - oldest[repo]
    return gains


def paper_star_gains(days: int, today: date | None = None) -> dict[str, int]:
    """{arxiv_id: stars gained} for papers whose repositories gained stars in the window."""
    gains = {repo: gain for repo, gain in repository_gains(days, today).items() if gain > 0}
    result: dict[str, int] = {}
    ids = list(gains)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = PaperRepository.objects.filter(repository_id__in=chunk) | (
            PaperRepository.objects.filter(repository__renamed_to_id__in=chunk)
        )
        for paper_id, repo, new_name in rows.values_list(
            "paper_id", "repository_id", "repository__renamed_to_id"
        ):
            gain = gains.get(new_name if new_name is not None else repo)
            if gain is not None:
                result[paper_id] = max(gain, result.get(paper_id, gain))
    return result
