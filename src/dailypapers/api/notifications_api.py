"""Notifications and watches in the JSON API (issue 16). Every endpoint needs a token and
sees only the token owner's notifications and watches; a notification about a comment that
is now deleted or hidden is never listed."""

from datetime import datetime

from django.http import Http404
from ninja import Query, Schema, Status

from ..accounts.clients import client_key
from ..core.urls import absolute, comment_path, paper_url
from ..feed import services as feed_services
from ..notifications import services
from ..notifications.models import Watch
from ..papers.arxiv_ids import parse_arxiv_id
from .rest import WRITE_ERRORS, ErrorOut, api, bearer


class NotificationOut(Schema):
    id: int
    kind: str
    actor: str | None
    paperId: str | None
    commentId: int | None
    commentHtml: str | None
    text: str
    url: str | None
    createdAt: datetime
    read: bool


class ReadIn(Schema):
    ids: list[int] | None = None


class ReadOut(Schema):
    marked: int
    unread: int


class WatchOut(Schema):
    paperId: str
    watchedAt: datetime


def notification_out(n) -> dict:
    url = None
    if n.comment_id:
        url = absolute(comment_path(n.paper_id, n.comment_id))
    elif n.paper_id:
        url = paper_url(n.paper_id)
    return {
        "id": n.pk,
        "kind": n.kind,
        "actor": n.actor.username if n.actor else None,
        "paperId": n.paper_id,
        "commentId": n.comment_id,
        "commentHtml": n.comment.body_html if n.comment_id else None,
        "text": n.text,
        "url": url,
        "createdAt": n.created_at,
        "read": n.read_at is not None,
    }


@api.get(
    "/notifications",
    auth=bearer,
    response={200: list[NotificationOut], 401: ErrorOut},
    summary="Your notifications, newest first (unread=true for the unread ones only)",
    tags=["notifications"],
)
def notifications_list(
    request,
    unread: bool = False,
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=500),
):
    rows = services.inbox(request.auth)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return [notification_out(n) for n in rows[offset : offset + limit]]


@api.post(
    "/notifications/read",
    auth=bearer,
    response={200: ReadOut, 401: ErrorOut, 422: ErrorOut},
    summary="Mark notifications read: the ids given, or all of them without ids",
    tags=["notifications"],
)
def notifications_read(request, body: ReadIn):
    marked = services.mark_read(request.auth, body.ids)
    return {"marked": marked, "unread": services.unread_count(request.auth)}


@api.get(
    "/watches",
    auth=bearer,
    response={200: list[WatchOut], 401: ErrorOut},
    summary="The papers you watch (you hear about their new comments), newest first",
    tags=["notifications"],
)
def watches_list(request):
    rows = Watch.objects.filter(user=request.auth).order_by("-created_at", "-pk")
    return [{"paperId": w.paper_id, "watchedAt": w.created_at} for w in rows]


@api.put(
    "/watches/{path:arxiv_id}",
    auth=bearer,
    response={200: WatchOut, 201: WatchOut, 503: ErrorOut, **WRITE_ERRORS},
    summary="Watch a paper (fetched from arXiv if unknown); 201 if new, 200 if already",
    tags=["notifications"],
)
def watch_add(request, arxiv_id: str):
    paper = feed_services.find_or_fetch_paper(arxiv_id, request.auth, client_key(request))
    created = services.watch(request.auth, paper)
    row = Watch.objects.get(user=request.auth, paper=paper)
    return Status(201 if created else 200, {"paperId": row.paper_id, "watchedAt": row.created_at})


@api.delete(
    "/watches/{path:arxiv_id}",
    auth=bearer,
    response={204: None, 401: ErrorOut, 404: ErrorOut},
    summary="Stop watching a paper",
    tags=["notifications"],
)
def watch_remove(request, arxiv_id: str):
    if not services.unwatch(request.auth, parse_arxiv_id(arxiv_id).id):
        raise Http404("you do not watch that paper")
    return Status(204, None)
