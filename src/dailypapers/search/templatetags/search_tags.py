"""What search shows on other apps' pages: they load this library rather than import search."""

from urllib.parse import quote

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from ...core.urls import fixed_path, route_template
from ..key_sentence import paper_key_sentence
from ..keywords import paper_keywords
from ..service import similar_for_page

register = template.Library()


@register.simple_tag
def similar_to(paper):
    """The paper page's "Similar papers" section (empty until the index has the paper).

    Drawn in Python, as feed's cards are: through a template its six links and dates cost
    0.5 ms, a tenth of an uncached paper page (docs/performance.md, "Third round").
    """
    similar = similar_for_page(paper.arxiv_id)
    if not similar:
        return format_html(_SECTION, mark_safe(_NONE_YET))
    link = route_template("paper")
    items = format_html_join(
        "",
        '<li><a href="{}">{}</a> <span class="muted">{} · {}</span></li>',
        (
            (
                link.format(other.arxiv_id),
                other.title,
                _year(other.published),
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
_NONE_YET = '<p class="muted">No similar papers found yet.</p>'


def _year(moment) -> int:
    """The year a date shows in the site's time zone, as the `date:"Y"` filter gives it."""
    return localtime(moment).year


@register.simple_tag
def keyword_chips(paper):
    """The paper's keywords as chips, each a link to a search for that phrase (drawn in Python,
    like similar_to: a third of the template's time)."""
    keywords = paper_keywords(paper)
    if not keywords:
        return ""
    search = fixed_path("search")
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
