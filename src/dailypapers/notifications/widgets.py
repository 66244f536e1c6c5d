"""The Watch / Unwatch control feed draws on the paper page (through its registered hook).
It holds no user text; signed-out visitors get nothing, so cached pages stay the same."""

from html import escape

from ..core.urls import route_template
from .services import watching


def watch_control(request, paper_ids: list[str], *, csrf_input: str, next_path: str, detail=False):
    """{paper id: HTML} for feed.cards.register_paper_actions: on paper pages only."""
    if not detail or not request.user.is_authenticated:
        return {}
    watched = watching(request.user, paper_ids)
    return {pid: watch_form(pid, pid in watched, csrf_input, next_path) for pid in paper_ids}


def watch_form(paper_id: str, watched: bool, csrf_input: str, next_path: str) -> str:
    action = escape(route_template("watch").format(paper_id))
    title = (
        "You hear about new comments on this paper"
        if watched
        else "Hear about new comments on this paper"
    )
    return (
        f'<form class="watch" method="post" action="{action}">{csrf_input}'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        f'<input type="hidden" name="watch" value="{"0" if watched else "1"}">'
        f'<button type="submit" class="link" title="{title}" '
        f'aria-pressed="{"true" if watched else "false"}">'
        f"{'Unwatch' if watched else 'Watch'}</button></form>"
    )
