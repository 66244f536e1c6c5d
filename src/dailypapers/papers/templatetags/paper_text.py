from django import template

from ..latex import render_math_text

register = template.Library()


@register.filter
def with_math(text: str):
    """Render a title or abstract with its LaTeX math as MathML."""
    return render_math_text(text or "")


@register.filter
def short_authors(authors: list[str], limit: int = 4) -> str:
    if len(authors) <= limit:
        return ", ".join(authors)
    return f"{', '.join(authors[: limit - 1])} and {len(authors) - limit + 1} others"
