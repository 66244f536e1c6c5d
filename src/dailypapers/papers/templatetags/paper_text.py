from django import template

from ..latex import render_math_text

register = template.Library()


@register.filter
def with_math(text: str):
    """Render a title or abstract with its LaTeX math as MathML."""
    return render_math_text(text or "")
