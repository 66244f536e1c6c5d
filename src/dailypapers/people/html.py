"""Author names as links to their pages: the one place that writes them into HTML.

Slugs are computed from the names (names.author_slug), so a list of 50 cards links every
author without a query; each name goes through html.escape.
"""

from html import escape

from django.utils.safestring import SafeString, mark_safe

from ..core.urls import author_path, author_url
from .names import author_slug


def author_link(name: str, absolute: bool = False) -> str:
    slug = author_slug(name)
    if not slug:
        return escape(name)
    href = author_url(slug) if absolute else author_path(slug)
    return f'<a class="author" href="{escape(href)}">{escape(name)}</a>'


def linked_authors(names: list[str], others: int = 0, *, absolute: bool = False) -> SafeString:
    """Names as "A, B, C" or "A, B and 5 others" (cut by papers.text.cut_authors), each a
    link to its author page; absolute URLs for what leaves the site (feeds)."""
    links = ", ".join(author_link(name, absolute) for name in names)
    return mark_safe(f"{links} and {others} others" if others else links)
