"""What search shows on other apps' pages: they load this library rather than import search."""

from functools import lru_cache
from urllib.parse import quote

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone, localtime

from ...core.urls import fixed_path, route_template
from ..key_sentence import paper_key_sentence
from ..keywords import paper_keywords
from ..service import ShownPaper, similar_for_page

register = template.Library()


@register.simple_tag
def similar_to(paper):
    """The paper page's "Similar papers" section (empty until the index has the paper).

    Drawn in Python, as feed's cards are: through a template its six links and dates cost
    0.5 ms, a tenth of an uncached paper page (docs/performance.md, "Third round"). The
    similar papers are read on every view; only their HTML is remembered.
    """
    similar = similar_for_page(paper.arxiv_id)
    if not similar:
        return _EMPTY_SECTION
    return _similar_section(route_template("paper"), get_current_timezone(), tuple(similar))


# Remembered per process, keyed by every value the section shows: the route, the time zone
# the years are given in and each paper's id, title, publication time and category (drawing
# six links and years was 0.12 ms of an uncached paper page, docs/performance.md, "Eighth
# round"). A renamed similar paper gets a new key.
@lru_cache(maxsize=4096)
def _similar_section(link: str, zone, similar: tuple[ShownPaper, ...]) -> SafeString:
    items = format_html_join(
        "",
        '<li><a href="{}">{}</a> <span class="muted">{} · {}</span></li>',
        (
            (
                link.format(other.arxiv_id),
                other.title,
                localtime(other.published, zone).year,  # as `date:"Y"` shows it
                other.primary_category,
            )
            for other in similar
        ),
    )
    return format_html(_SECTION, format_html("<ul>{}</ul>", items))


_SECTION = (
    '<section class="similar" aria-labelledby="similar-heading">\n'
    '  <h2 id="similar-heading">Similar papers</h2>\n  {}\n</section>'
)
_EMPTY_SECTION = format_html(
    _SECTION, mark_safe('<p class="muted">No similar papers found yet.</p>')
)


@register.simple_tag
def keyword_chips(paper):
    """The paper's keywords as chips, each a link to a search for that phrase (drawn in Python,
    like similar_to: a third of the template's time)."""
    keywords = paper_keywords(paper)
    if not keywords:
        return ""
    return _chips(fixed_path("search"), keywords)


# Remembered per process by the search path and the keywords (0.13 ms of an uncached paper
# page for eight chips, docs/performance.md, "Eighth round").
@lru_cache(maxsize=4096)
def _chips(search: str, keywords: tuple[str, ...]) -> SafeString:
    return format_html(
        '<ul class="keywords" aria-label="Keywords">{}</ul>',
        format_html_join(
            "",
            '<li><a class="chip" href="{}?q=%22{}%22">{}</a></li>',
            ((search, quote(keyword, safe=""), keyword) for keyword in keywords),
        ),
    )


@register.inclusion_tag("search/_key_sentence.html")
def key_sentence_of(paper):
    """The abstract's most representative sentence, labelled "Key sentence"; nothing when the
    abstract is that one sentence (the page shows it right below)."""
    sentence = paper_key_sentence(paper)
    return {"sentence": sentence if sentence != paper.abstract.strip() else ""}
