"""What search shows on other apps' pages: they load this library rather than import search."""

from django import template

from ..key_sentence import paper_key_sentence
from ..keywords import paper_keywords
from ..service import similar_for_page

register = template.Library()


@register.inclusion_tag("search/_similar.html")
def similar_to(paper):
    """The paper page's "Similar papers" section (empty until the index has the paper)."""
    return {"similar": similar_for_page(paper.arxiv_id)}


@register.inclusion_tag("search/_keywords.html")
def keyword_chips(paper):
    """The paper's keywords as chips, each a link to a search for that phrase."""
    return {"keywords": paper_keywords(paper)}


@register.inclusion_tag("search/_key_sentence.html")
def key_sentence_of(paper):
    """The abstract's most representative sentence, labelled "Key sentence"; nothing when the
    abstract is that one sentence (the page shows it right below)."""
    sentence = paper_key_sentence(paper)
    return {"sentence": sentence if sentence != paper.abstract.strip() else ""}
