from django import template
from django.middleware.csrf import get_token
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..cards import paper_actions, render_cards, vote_widget

register = template.Library()


def _csrf_input(request) -> str:
    """A CSRF field for signed-in users; anonymous pages carry none, so they can be cached."""
    if not request.user.is_authenticated:
        return ""
    return format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
    )


@register.simple_tag(takes_context=True)
def cards(context, entries, voted, notes=None):
    request = context["request"]
    return render_cards(
        entries,
        voted,
        csrf_input=_csrf_input(request),
        next_path=request.get_full_path(),
        request=request,
        notes=notes,
    )


@register.simple_tag(takes_context=True)
def vote_button(context, paper_id, count, voted):
    request = context["request"]
    return mark_safe(
        vote_widget(
            paper_id,
            count,
            bool(voted),
            csrf_input=_csrf_input(request),
            next_path=request.get_full_path(),
        )
    )


def actions_for(request, paper_ids: list[str], detail: bool = False) -> dict[str, str]:
    """What higher apps add to these papers on this page (library's Save controls)."""
    return paper_actions(
        request,
        paper_ids,
        csrf_input=_csrf_input(request),
        next_path=request.get_full_path(),
        detail=detail,
    )


@register.simple_tag(takes_context=True)
def paper_page_actions(context, paper_id):
    """The paper page's part: library's Save, tags and note."""
    return mark_safe(actions_for(context["request"], [paper_id], detail=True).get(paper_id, ""))
