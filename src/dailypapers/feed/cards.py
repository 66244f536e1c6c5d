"""List cards and vote buttons rendered in Python: the day page shows 50 of them, and the
template engine took four times as long to draw them (bench/pages.py)."""

from html import escape
from urllib.parse import quote

from django.utils.safestring import SafeString, mark_safe

from ..core.urls import login_path, route_template
from ..papers.text import CARD_AUTHORS, CARD_EXCERPT_CHARS, excerpt, short_authors
from .listing import Card

CARD_CATEGORIES = 4


def vote_widget(paper_id: str, count: int, voted: bool, *, csrf_input: str, next_path: str) -> str:
    """A POST form for signed-in users (csrf_input given), a log-in link for everyone else."""
    if not csrf_input:
        login = escape(login_path(route_template("paper").format(paper_id)))
        return (
            f'<a class="vote" href="{login}" aria-label="Log in to upvote ({count} votes)">'
            f'<span aria-hidden="true">▲</span> <span class="count">{count}</span></a>'
        )
    state = "true" if voted else "false"
    label = f"Upvote{'d' if voted else ''} ({count} votes)"
    action = escape(route_template("vote").format(paper_id))
    return (
        f'<form class="vote" method="post" action="{action}">{csrf_input}'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        f'<button type="submit" aria-pressed="{state}" aria-label="{label}">'
        f'<span aria-hidden="true">▲</span> <span class="count">{count}</span></button></form>'
    )


def render_cards(
    cards: list[Card], voted: set[str], *, csrf_input: str, next_path: str
) -> SafeString:
    return mark_safe(
        "".join(
            _card(index, card, card.paper_id in voted, csrf_input, next_path)
            for index, card in enumerate(cards, start=1)
        )
    )


def _card(index: int, card: Card, voted: bool, csrf_input: str, next_path: str) -> str:
    url = escape(route_template("paper").format(card.paper_id))
    tags = "".join(
        f'<span class="tag">{escape(c)}</span> ' for c in card.categories[:CARD_CATEGORIES]
    )
    comments = card.comment_count
    by = (
        f'<a href="{escape(route_template("profile").format(quote(card.submitter)))}">'
        f"{escape(card.submitter)}</a>"
        if card.submitter
        else "someone"
    )
    vote = vote_widget(
        card.paper_id, card.upvotes, voted, csrf_input=csrf_input, next_path=next_path
    )
    pinned = " pinned" if card.pinned else ""
    plural = "" if comments == 1 else "s"
    return (
        f'<li><article class="card{pinned}" aria-labelledby="title-{index}">{vote}'
        f'<div class="body"><h2 id="title-{index}"><a href="{url}">{escape(card.title)}</a></h2>'
        f'<p class="authors">{escape(short_authors(card.authors, CARD_AUTHORS))}</p>'
        f'<p class="snippet">{escape(excerpt(card.abstract, CARD_EXCERPT_CHARS))}</p>'
        f'<p class="meta">{tags}<a href="{url}#comments">{comments} comment{plural}</a>'
        f" · submitted by {by}{' · <strong>pinned</strong>' if pinned else ''}</p>"
        "</div></article></li>"
    )
