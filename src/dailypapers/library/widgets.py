"""The Save and "Not interested" controls that feed draws on every card and paper page.

Cards are drawn in Python (feed/cards.py: the template engine was four times slower), so the
card controls are too; they contain no user text. The paper page's panel, which shows the
user's tags and note, goes through a template and so through Django's autoescape.
"""

from functools import lru_cache
from html import escape

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from ..core.urls import login_to_paper_path, route_template
from .models import Dismissal, SavedPaper


def paper_actions(request, paper_ids: list[str], *, csrf_input: str, next_path: str, detail=False):
    """{paper id: HTML} for the registered hook of feed.cards."""
    user = request.user
    if not user.is_authenticated:
        return {pid: _login_link(pid) for pid in paper_ids}
    saved = set(
        SavedPaper.objects.filter(user=user, paper_id__in=paper_ids).values_list(
            "paper_id", flat=True
        )
    )
    dismissed = set(
        Dismissal.objects.filter(user=user, paper_id__in=paper_ids).values_list(
            "paper_id", flat=True
        )
    )
    if detail:
        return {pid: _panel(request, pid, csrf_input, next_path) for pid in paper_ids}
    return {
        pid: save_form(pid, pid in saved, csrf_input, next_path)
        + dismiss_form(pid, pid in dismissed, csrf_input, next_path)
        for pid in paper_ids
    }


# Remembered per process, as login_to_paper_path is: escaping a day page's 50 links was half
# of what its paper actions cost, 0.02 of 0.04 ms (docs/performance.md, "Twelfth round").
@lru_cache(maxsize=8192)
def _login_link(paper_id: str) -> str:
    target = login_to_paper_path(paper_id)
    return f'<a class="save" href="{escape(target)}">Log in to save</a>'


def save_form(paper_id: str, saved: bool, csrf_input: str, next_path: str) -> str:
    action = escape(route_template("library_save").format(paper_id))
    return (
        f'<form class="save" method="post" action="{action}">{csrf_input}'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        f'<input type="hidden" name="saved" value="{"0" if saved else "1"}">'
        f'<button type="submit" class="link" aria-pressed="{"true" if saved else "false"}">'
        f"{'Saved' if saved else 'Save'}</button></form>"
    )


def dismiss_form(paper_id: str, dismissed: bool, csrf_input: str, next_path: str) -> str:
    action = escape(route_template("library_dismiss").format(paper_id))
    return (
        f'<form class="dismiss" method="post" action="{action}">{csrf_input}'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        f'<input type="hidden" name="dismissed" value="{"0" if dismissed else "1"}">'
        f'<button type="submit" class="link" aria-pressed="{"true" if dismissed else "false"}">'
        f"{'Not interested ✓' if dismissed else 'Not interested'}</button></form>"
    )


def _panel(request, paper_id: str, csrf_input: str, next_path: str) -> str:
    saved = (
        SavedPaper.objects.filter(user=request.user, paper_id=paper_id)
        .prefetch_related("tags")
        .first()
    )
    return render_to_string(
        "library/_paper_panel.html",
        {
            "paper_id": paper_id,
            "saved": saved,
            "tags": ", ".join(t.name for t in saved.tags.all()) if saved else "",
            "save_form": mark_safe(save_form(paper_id, saved is not None, csrf_input, next_path)),
        },
        request=request,
    )
