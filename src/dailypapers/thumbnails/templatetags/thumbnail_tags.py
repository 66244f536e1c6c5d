"""What thumbnails shows on other apps' pages: they load this library rather than import it."""

from django import template
from django.utils.safestring import mark_safe

from ..figures import drawn, figure_html

register = template.Library()


@register.simple_tag
def thumbnail_of(paper):
    """The paper's first page, or nothing when it has no thumbnail."""
    thumbnail = drawn([paper.arxiv_id]).get(paper.arxiv_id)
    if thumbnail is None:
        return ""
    return mark_safe(figure_html(*thumbnail, paper.title))
