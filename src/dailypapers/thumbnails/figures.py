"""The thumbnail as other pages draw it: an <img> that loads lazily, sized so nothing moves
when it arrives, with the retina file in srcset. No thumbnail, no figure: the card keeps its
text-only layout."""

from html import escape

from ..core import sql
from ..core.urls import absolute, thumbnail_path
from . import files
from .models import Thumbnail
from .render import WIDTHS


def figure_html(drawn_id: str, width: int, height: int, title: str) -> str:
    small, large = (thumbnail_path(files.name(drawn_id, w)) for w in WIDTHS)
    return (
        f'<img class="thumbnail" src="{small}" srcset="{large} 2x" width="{width}" '
        f'height="{height}" loading="lazy" decoding="async" '
        f'alt="First page of {escape(title)}">'
    )


# In the columns of feed's card reads (paper_id, two texts, two integers), so that cards read
# it with their other parts in one statement (feed.cards.register_card_part).
DRAWN_SQL = (
    f"SELECT paper_id, drawn_id, CAST(NULL AS TEXT), width, height "
    f"FROM {Thumbnail._meta.db_table} "
    f"WHERE status = '{Thumbnail.Status.OK}' AND paper_id IN ({{}})"
)


def drawn(paper_ids: list[str]) -> dict[str, tuple[str, int, int]]:
    """{paper id: (drawn id, width, height)} of these papers' drawn thumbnails, one query
    (SQL: building the QuerySet cost more than running it, on a 50-card page)."""
    return _by_paper(sql.rows_for(DRAWN_SQL, paper_ids))


def _by_paper(rows: list[tuple]) -> dict[str, tuple[str, int, int]]:
    return {paper_id: (drawn_id, w, h) for paper_id, drawn_id, _, w, h in rows}


def card_figures(cards, rows: list[tuple]) -> dict[str, str]:
    """feed's card hook: {paper id: <img>} for the cards that have a thumbnail, from
    DRAWN_SQL's rows."""
    titles = {card.paper_id: card.title for card in cards}
    return {
        paper_id: figure_html(*thumbnail, titles[paper_id])
        for paper_id, thumbnail in _by_paper(rows).items()
    }


def thumbnail_urls(paper_ids: list[str]) -> dict[str, str]:
    """{paper id: absolute URL of its retina thumbnail} (the API's `thumbnail`)."""
    return {
        paper_id: absolute(thumbnail_path(files.name(drawn_id, WIDTHS[-1])))
        for paper_id, (drawn_id, _, _) in drawn(paper_ids).items()
    }
