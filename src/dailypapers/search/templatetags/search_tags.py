"""What search shows on other apps' pages: they load this library rather than import search."""

from django import template

from ..service import similar_papers

register = template.Library()


@register.inclusion_tag("search/_similar.html")
def similar_to(paper):
    """The paper page's "Similar papers" section (empty until the index has the paper)."""
    return {"similar": similar_papers(paper.arxiv_id)}
