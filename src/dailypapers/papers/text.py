"""How much of a paper's abstract and author list each place shows: one cutting rule each,
with every place's size side by side so that they are chosen together."""

from .latex import math_spans

# Characters of an abstract: a list card, a search result (around the first match), a digest.
CARD_EXCERPT_CHARS = 280
SEARCH_EXCERPT_CHARS = 300
DIGEST_EXCERPT_CHARS = 320
# One line of a chat post (digests/channels.py).
CHANNEL_EXCERPT_CHARS = 160
# Characters a search excerpt shows before the match it is built around.
LEAD_IN_CHARS = 80

# Authors named before "and N others": a card or search result, a digest, a feed item.
CARD_AUTHORS = 4
DIGEST_AUTHORS = 6
FEED_AUTHORS = 10

# Keyword chips on a list card (the paper page shows all of them).
CARD_KEYWORDS = 4


def excerpt(text: str, chars: int, near: int = 0) -> str:
    """About `chars` characters of text cut at a word boundary, with "…" where it was cut;
    starting a little before character `near` when given (a search match). A formula
    ($…$, \\(…\\), $$…$$, \\[…\\]) is never cut: the excerpt stops before it, or keeps it
    whole when it is where the excerpt starts."""
    if len(text) <= chars:
        return text
    formulas = math_spans(text)
    start = max(0, near - LEAD_IN_CHARS)
    if start:
        start = text.find(" ", start) + 1
        if around := _formula_around(formulas, start):
            start = around[0]
    end = start + len(text[start : start + chars].rsplit(" ", 1)[0])
    if around := _formula_around(formulas, end):
        end = around[0] if around[0] > start else around[1]
    return ("…" if start else "") + text[start:end].rstrip() + "…"


def _formula_around(formulas: list[tuple[int, int]], position: int) -> tuple[int, int] | None:
    """The formula that position falls strictly inside, if any."""
    return next(((a, b) for a, b in formulas if a < position < b), None)


def cut_authors(authors: list[str], shown: int) -> tuple[list[str], int]:
    """All the names when there are `shown` or fewer, else the first ones and how many
    others (people/html.py links the names it keeps)."""
    if len(authors) <= shown:
        return list(authors), 0
    return list(authors[: shown - 1]), len(authors) - shown + 1


def short_authors(authors: list[str], shown: int) -> str:
    """The names cut_authors keeps, with "and N others"."""
    names, others = cut_authors(authors, shown)
    return f"{', '.join(names)} and {others} others" if others else ", ".join(names)
