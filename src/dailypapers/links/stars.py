"""Reading GitHub stars: a paper's stars now (`stars_for`, what cards and pages show) and the
field that ranks papers by stars gained in a window (`gain_field`, what /trending?by=code
sorts on). The rows are written by links/github.py (`refresh-github`), which stores each
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


def gain_field(days: int) -> str:
    """The Repository field holding stars gained over `days` (1, 7 or 30)."""
    return Repository.GAIN_FIELDS[days]
