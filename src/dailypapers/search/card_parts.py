"""What search adds to feed's cards (registered in SearchConfig.ready): the key sentence in
place of the cut abstract, its math as MathML, and the first keywords as chips, each a
link to a search for that phrase. Each card's HTML is computed for the whole list in one
batch and kept per process (search/remembered.py): a warm day page only looks them up
(costs in docs/search.md)."""

from html import escape
from urllib.parse import quote

from django.conf import settings
from django.utils.html import format_html

from ..core.urls import fixed_path
from ..papers.latex import render_math_text
from ..papers.text import CARD_EXCERPT_CHARS, CARD_KEYWORDS, excerpt
from .embeddings import embedder
from .key_sentence import key_sentences
from .keywords import SHOWN_KEYWORDS, extract_many
from .remembered import PerPaper


def _snippet(sentence: str) -> str:
    if not sentence:
        return ""
    return format_html(
        '<p class="snippet key-sentence"><span class="label">Key sentence</span> {}</p>',
        render_math_text(excerpt(sentence, CARD_EXCERPT_CHARS)),
    )


def _chips(keywords: list[str]) -> str:
    if not keywords:
        return ""
    search = fixed_path("search")
    items = "".join(
        f'<li><a class="chip" href="{search}?q={quote(chr(34) + k + chr(34), safe="")}">'
        f"{escape(k)}</a></li>"
        for k in keywords[:CARD_KEYWORDS]
    )
    return f'<ul class="keywords" aria-label="Keywords">{items}</ul>'


card_snippets: PerPaper[str] = PerPaper(
    lambda texts: [_snippet(s) for s in key_sentences(texts, embedder())]
)
card_chips: PerPaper[str] = PerPaper(
    lambda texts: [_chips(k) for k in extract_many(texts, embedder(), SHOWN_KEYWORDS)]
)


def _texts(cards):
    return [((c.paper_id, c.content_hash), c.title, c.abstract) for c in cards]


def _drawn(cards, parts: list[str]) -> dict[str, str]:
    return {card.paper_id: part for card, part in zip(cards, parts, strict=True) if part}


def card_key_sentences(cards) -> dict[str, str]:
    return _drawn(cards, card_snippets.values(_texts(cards)))


def card_keyword_chips(cards) -> dict[str, str]:
    if not settings.SHOW_CARD_KEYWORDS:
        return {}
    return _drawn(cards, card_chips.values(_texts(cards)))
