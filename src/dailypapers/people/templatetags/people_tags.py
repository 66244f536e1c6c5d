from django import template

from ...papers.text import CARD_AUTHORS, cut_authors
from ..html import linked_authors

register = template.Library()


@register.filter
def author_links(names):
    """Every name of an author list, each a link to its author page."""
    return linked_authors(list(names or []))


@register.filter
def short_author_links(names, shown=CARD_AUTHORS):
    """The names a card shows (papers.text.cut_authors), each a link."""
    return linked_authors(*cut_authors(list(names or []), int(shown)))
