"""The thumbnail as other pages draw it: an <img> that loads lazily, sized so nothing moves
when it arrives, with the retina file in srcset. No thumbnail, no figure: the card keeps its
text-only layout."""

from html import escape

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


def drawn(paper_ids: list[str]) -> dict[str, Thumbnail]:
    """The drawn thumbnails of these papers, one query."""
    return {
        t.paper_id: t
        for t in Thumbnail.objects.filter(paper_id__in=paper_ids, status=Thumbnail.Status.OK).only(
            "paper_id", "drawn_id", "width", "height"
        )
    }


def card_figures(cards) -> dict[str, str]:
    """feed's card hook: {paper id: <img>} for the cards that have a thumbnail."""
    titles = {card.paper_id: card.title for card in cards}
    return {
        paper_id: figure_html(t.drawn_id, t.width, t.height, titles[paper_id])
        for paper_id, t in drawn(list(titles)).items()
    }


def thumbnail_urls(paper_ids: list[str]) -> dict[str, str]:
    """{paper id: absolute URL of its retina thumbnail} (the API's `thumbnail`)."""
    return {
        paper_id: absolute(thumbnail_path(files.name(t.drawn_id, WIDTHS[-1])))
        for paper_id, t in drawn(paper_ids).items()
    }
