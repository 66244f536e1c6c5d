"""Reading GitHub stars: a paper's stars now (`stars_for`, what cards and pages show) and the
papers whose repositories gained most in a window (`papers_by_gain`, what /trending?by=code
ranks). The rows are written by links/github.py (`refresh-github`), which stores each
repository's gains (`star_gains`, the formula /about states) with its daily count.
"""

from collections.abc import Iterable

from .models import PaperRepository, Repository

_CHUNK = 900  # ids per IN (...), under SQLite's parameter limit everywhere


def stars_for(papers: Iterable) -> dict[str, int]:
    """{arxiv_id: stars} for papers (Paper objects or ids) whose GitHub repository has a known
    count: the most-starred one when a paper names several. Renamed names count as their new
    name (PaperRepository maps them); gone repositories count no more."""
    ids = [getattr(paper, "pk", paper) for paper in papers]
    result: dict[str, int] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = PaperRepository.objects.filter(
            paper_id__in=ids[start : start + _CHUNK],
            repository__state=Repository.State.OK,
            repository__stars__isnull=False,
        )
        for paper_id, stars in rows.values_list("paper_id", "repository__stars"):
            result[paper_id] = max(stars, result.get(paper_id, stars))
    return result


def papers_by_gain(days: int, repositories: int) -> tuple[dict[str, int], bool]:
    """{arxiv_id: stars gained over `days`} for the papers of the `repositories` repositories
    that gained most (and of every one tied with the last), and whether any repository with a
    smaller gain was left out. Read through the stored gain's index, best first, so the cost
    follows `repositories`, not how many repositories there are."""
    field = Repository.GAIN_FIELDS[days]
    gained = Repository.objects.filter(state=Repository.State.OK, **{f"{field}__gt": 0})
    top = list(gained.order_by(f"-{field}").values_list(field, flat=True)[:repositories])
    if not top:
        return {}, False
    gains = dict(gained.filter(**{f"{field}__gte": top[-1]}).values_list("id", field))
    more = gained.filter(**{f"{field}__lt": top[-1]}).exists()
    result: dict[str, int] = {}
    ids = list(gains)
    for start in range(0, len(ids), _CHUNK):
        rows = PaperRepository.objects.filter(repository_id__in=ids[start : start + _CHUNK])
        for paper_id, repository in rows.values_list("paper_id", "repository_id"):
            result[paper_id] = max(gains[repository], result.get(paper_id, 0))
    return result, more
