"""List cards and vote buttons rendered in Python: the day page shows 50 of them, and the
template engine took four times as long to draw them (bench/pages.py)."""

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.safestring import SafeString, mark_safe

from ..core import sql
from ..core.urls import login_to_paper_path, route_template
from ..links.display import CODE_LINKS_SQL, CodeBadge, badge_html, code_badges_from
from ..papers.latex import render_math_text
from ..papers.text import CARD_AUTHORS, CARD_EXCERPT_CHARS, cut_authors, excerpt
from ..people.html import linked_authors
from .listing import Card

CARD_CATEGORIES = 4

# Controls that higher apps add to cards and paper pages (library's Save): a provider takes
# (request, paper_ids, csrf_input=, next_path=, detail=) and returns {paper id: HTML}.
PaperActions = Callable[..., dict[str, str]]
_paper_action_providers: list[PaperActions] = []


def register_paper_actions(provider: PaperActions) -> None:
    if provider not in _paper_action_providers:
        _paper_action_providers.append(provider)


# Parts higher apps draw on cards, by slot: thumbnails' first page ("figure"), search's key
# sentence ("snippet", in place of the cut abstract), summaries' LLM summary ("summary", in
# place of the snippet) and keyword chips ("chips"). A provider
# takes the cards and returns {paper id: HTML}, in one batch for the whole list. Its HTML
# must follow from the cards (and its rows, below) alone, with the settings: a list's
# drawing is kept by those (render_cards).
# A part drawn from stored rows registers what it reads as `reads`: a SELECT of paper_id,
# two text and two integer columns (`CAST(NULL AS ...)` for those it lacks) whose one
# `IN ({})` takes the cards' paper ids, without ORDER BY; its provider then takes (cards,
# rows). Those reads and the cards' code links are one statement a list
# (core.sql.rows_together), not one each: on PostgreSQL each is a round trip.
CardPart = Callable[..., dict[str, str]]
CARD_SLOTS = ("figure", "snippet", "summary", "chips")
_card_part_providers: dict[str, list[tuple[CardPart, str | None]]] = {
    slot: [] for slot in CARD_SLOTS
}


def register_card_part(slot: str, provider: CardPart, reads: str | None = None) -> None:
    if all(registered is not provider for registered, _ in _card_part_providers[slot]):
        _card_part_providers[slot].append((provider, reads))


def _providers() -> list[tuple[str, CardPart, str | None]]:
    return [
        (slot, provider, reads)
        for slot, registered in _card_part_providers.items()
        for provider, reads in registered
    ]


def card_part_rows(cards: list[Card]) -> list[list[tuple]]:
    """What the cards' parts read, in one statement: the code links' rows, then each reading
    provider's, in registration order."""
    return sql.rows_together(
        [CODE_LINKS_SQL] + [reads for _, _, reads in _providers() if reads],
        list(dict.fromkeys(card.paper_id for card in cards)),
    )


def drawn_card_parts(cards: list[Card], provider_rows: list[list[tuple]]) -> dict[str, dict]:
    """{slot: {paper id: HTML}} from the providers' rows (card_part_rows after the code
    links'); a later provider of a slot adds to an earlier one's part."""
    found = iter(provider_rows)
    parts: dict[str, dict[str, str]] = {slot: {} for slot in _card_part_providers}
    for slot, provider, reads in _providers():
        drawn = parts[slot]
        for paper_id, part in (provider(cards, next(found)) if reads else provider(cards)).items():
            drawn[paper_id] = drawn.get(paper_id, "") + part
    return parts


def paper_actions(
    request, paper_ids: list[str], *, csrf_input: str, next_path: str, detail: bool = False
) -> dict[str, str]:
    html: dict[str, str] = {}
    for provider in _paper_action_providers:
        drawn = provider(
            request, paper_ids, csrf_input=csrf_input, next_path=next_path, detail=detail
        )
        for paper_id, part in drawn.items():
            html[paper_id] = html.get(paper_id, "") + part
    return html


@dataclass(frozen=True, slots=True)
class _Links:
    """The routes a card links to, as templates looked up once per render."""

    paper: str
    vote: str
    profile: str

    @classmethod
    def lookup(cls) -> "_Links":
        return cls(
            route_template("paper"),
            route_template("vote"),
            route_template("profile"),
        )


@dataclass(frozen=True, slots=True)
class _Head:
    """What a card shows of its paper's text, as HTML: kept per process, keyed by that text."""

    url: str
    title: str
    authors: str
    tags: str


# A day page draws 50 heads, and linking and escaping 50 author lists was a third of the
# cards' CPU (docs/performance.md, "Fourth round"). Keyed by every value a head shows, so
# an edited paper gets a new head; emptied when full rather than tracking recency.
_heads: dict[tuple, _Head] = {}
_HEADS_KEPT = 4096


def _head(card: Card, links: _Links) -> _Head:
    key = (card.paper_id, card.title, tuple(card.authors), tuple(card.categories), links.paper)
    if (head := _heads.get(key)) is None:
        head = _Head(
            escape(links.paper.format(card.paper_id)),
            escape(card.title),
            linked_authors(*cut_authors(card.authors, CARD_AUTHORS)),
            "".join(
                f'<span class="tag">{escape(c)}</span> ' for c in card.categories[:CARD_CATEGORIES]
            ),
        )
        if len(_heads) >= _HEADS_KEPT:
            _heads.clear()
        _heads[key] = head
    return head


def vote_widget(
    paper_id: str, count: int, voted: bool, *, csrf_input: str, next_path: str, links=None
) -> str:
    """A POST form for signed-in users (csrf_input given), a log-in link for everyone else."""
    links = links or _Links.lookup()
    if not csrf_input:
        # Percent-encoded, so nothing is left for HTML to escape.
        login = login_to_paper_path(paper_id)
        return (
            f'<a class="vote" href="{login}" aria-label="Log in to upvote ({count} votes)">'
            f'<span aria-hidden="true">▲</span> <span class="count">{count}</span></a>'
        )
    state = "true" if voted else "false"
    label = f"Upvote{'d' if voted else ''} ({count} votes)"
    action = escape(links.vote.format(paper_id))
    return (
        f'<form class="vote" method="post" action="{action}">{csrf_input}'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        f'<button type="submit" aria-pressed="{state}" aria-label="{label}">'
        f'<span aria-hidden="true">▲</span> <span class="count">{count}</span></button></form>'
    )


def render_cards(
    cards: list[Card],
    voted: set[str],
    *,
    csrf_input: str,
    next_path: str,
    request=None,
    notes: dict[str, str] | None = None,
) -> SafeString:
    """`notes`: HTML a higher app adds under a card's text, by paper id (recommend's "why")."""
    notes = notes or {}
    rows = card_part_rows(cards)
    badges = code_badges_from(rows[0])  # their stars are a read of their own
    actions = (
        paper_actions(
            request, [c.paper_id for c in cards], csrf_input=csrf_input, next_path=next_path
        )
        if request is not None
        else {}
    )
    key = None
    if not csrf_input:  # a signed-in visitor's forms carry a token new with each request
        key = (
            tuple(
                (c.paper_id, c.content_hash, c.upvotes, c.comment_count, c.pinned, c.submitter)
                for c in cards
            ),
            tuple(notes.items()),
            tuple(actions.items()),
            tuple(tuple(read) for read in rows),
            tuple(badges.items()),
        )
        try:
            return _lists[key]
        except KeyError:
            pass
        except TypeError:  # a value read that is not hashable: draw it every time
            key = None
    links = _Links.lookup()
    parts = drawn_card_parts(cards, rows[1:])
    drawn = mark_safe(
        "".join(
            _card(
                index,
                card,
                card.paper_id in voted,
                csrf_input,
                next_path,
                links,
                actions.get(card.paper_id, ""),
                notes.get(card.paper_id, ""),
                {slot: part.get(card.paper_id, "") for slot, part in parts.items()},
                badges.get(card.paper_id),
            )
            for index, card in enumerate(cards, start=1)
        )
    )
    if key is not None:
        if len(_lists) >= _LISTS_KEPT:
            _lists.clear()
        _lists[key] = drawn
    return drawn


# Whole lists' cards as drawn for visitors who are not signed in, kept per process and keyed by
# everything they show: every card's paper and content hash (a digest of all its stored fields:
# its text follows from them, as listing._texts and search's parts have it), counts, pin and
# submitter, what the parts' statement and the stars' read returned (the providers draw from those
# and the cards alone), and the controls and notes as drawn for this request. Without a CSRF field
# a vote control shows neither the visitor's votes nor the path, so those are not in the key (a
# query string makes no new entry); the routes change only with the settings, which empty it.
# Everything is still read on every view; a list whose rows did not change is not drawn again.
# Drawing 50 cards and their parts was about half of an uncached day page's worker CPU
# (docs/performance.md, "Eleventh round"). A list is about 90 kB of HTML: at most 64 kept, about
# 6 MB a process, emptied when full; forgotten when a setting changes.
_lists: dict[tuple, SafeString] = {}
_LISTS_KEPT = 64


@receiver(setting_changed)
def _forget_lists(**kwargs) -> None:
    _lists.clear()


def _card(
    index: int,
    card: Card,
    voted: bool,
    csrf_input: str,
    next_path: str,
    links: _Links,
    actions: str = "",
    note: str = "",
    parts: dict[str, str] | None = None,
    badge: CodeBadge | None = None,
) -> str:
    parts = parts or {}
    head = _head(card, links)
    url = head.url
    comments = card.comment_count
    by = (
        f'<a href="{links.profile.format(quote(card.submitter))}">{escape(card.submitter)}</a>'
        if card.submitter
        else "someone"
    )
    vote = vote_widget(
        card.paper_id,
        card.upvotes,
        voted,
        csrf_input=csrf_input,
        next_path=next_path,
        links=links,
    )
    pinned = " pinned" if card.pinned else ""
    plural = "" if comments == 1 else "s"
    snippet = (
        parts.get("summary")
        or parts.get("snippet")
        or (
            f'<p class="snippet">{render_math_text(excerpt(card.abstract, CARD_EXCERPT_CHARS))}</p>'
        )
    )
    figure = parts.get("figure", "")
    return (
        f'<li><article class="card{pinned}{" with-figure" if figure else ""}" '
        f'aria-labelledby="title-{index}">{vote}'
        f'<div class="body"><h2 id="title-{index}"><a href="{url}">{head.title}</a></h2>'
        f'<p class="authors">{head.authors}</p>'
        f"{snippet}{parts.get('chips', '')}"
        f'<p class="meta">{head.tags}{badge_html(badge)}'
        f'<a href="{url}#comments">{comments} comment{plural}</a>'
        f" · submitted by {by}{' · <strong>pinned</strong>' if pinned else ''}</p>"
        f"{note}{_actions_row(actions)}"
        f"</div>{figure}</article></li>"
    )


def _actions_row(actions: str) -> str:
    return f'<div class="actions">{actions}</div>' if actions else ""
