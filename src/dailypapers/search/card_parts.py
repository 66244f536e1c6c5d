"""What search adds to feed's cards (registered in SearchConfig.ready): the key sentence in
place of the cut abstract, its math as MathML, and the first keywords as chips, each a
link to a search for that phrase. Both are computed for the whole list in one batch and
kept per process (search/remembered.py; costs in docs/search.md)."""

from html import escape
from urllib.parse import quote

from django.conf import settings
from django.utils.html import format_html

from ..core.urls import fixed_path
from ..papers.latex import render_math_text
from ..papers.text import CARD_EXCERPT_CHARS, CARD_KEYWORDS, excerpt
from .key_sentence import papers_key_sentences
from .keywords import shown_keywords


def _texts(cards):
    return [((c.paper_id, c.content_hash), c.title, c.abstract) for c in cards]


def card_key_sentences(cards) -> dict[str, str]:
    sentences = papers_key_sentences(_texts(cards))
    return {
        card.paper_id: format_html(
            '<p class="snippet key-sentence"><span class="label">Key sentence</span> {}</p>',
            render_math_text(excerpt(sentence, CARD_EXCERPT_CHARS)),
        )
        for card, sentence in zip(cards, sentences, strict=True)
        if sentence
    }


def card_keyword_chips(cards) -> dict[str, str]:
    if not settings.SHOW_CARD_KEYWORDS:
        return {}
    search = fixed_path("search")
    chips = {}
    for card, keywords in zip(cards, shown_keywords.values(_texts(cards)), strict=True):
        if keywords:
            items = "".join(
                f'<li><a class="chip" href="{search}?q={quote(chr(34) + k + chr(34), safe="")}">'
                f"{escape(k)}</a></li>"
                for k in keywords[:CARD_KEYWORDS]
            )
            chips[card.paper_id] = f'<ul class="keywords" aria-label="Keywords">{items}</ul>'
    return chips
