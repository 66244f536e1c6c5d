"""The JSON API (django-ninja; OpenAPI at /api/openapi.json, docs at /api/docs).

Papers and list items have Hugging Face's shapes (hf_shapes.py), so huggingface_hub and clients
written for HF's /api/daily_papers work unchanged (docs/api.md).
"""

import base64
import binascii
from datetime import date, datetime
from http import HTTPStatus
from typing import Literal

from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from ..accounts.clients import client_key
from ..accounts.tokens import user_for_token
from ..core.errors import DomainError, json_error, json_error_for
from ..feed import listing, periods, services
from ..feed.comment_markup import current_html
from ..feed.models import Comment, DailyEntry
from ..links import store as link_store
from ..links.models import PaperLink
from ..papers.lookup import paper_or_404
from ..papers.models import Paper
from ..people.claims import verified_user_ids
from ..search.index import IndexMissing
from ..search.query import compile_query
from ..search.service import ranked_ids, similar_papers
from .hf_shapes import (
    HfDailyItem,
    HfPaperPage,
    HfTime,
    items_for_entries,
    items_for_papers,
    paper_pages,
)

api = NinjaAPI(
    title="dailypapers API",
    version="1",
    description="Daily lists, papers, search, trending and comments. Errors share one shape: "
    '{"error": {"status": 404, "code": "not_found", "message": "…"}}.',
    urls_namespace="api",
)


class CommentOut(Schema):
    id: int
    author: str
    body: str  # the Markdown source
    bodyHtml: str  # rendered and sanitized (feed/comment_markup.py)
    createdAt: HfTime
    editedAt: HfTime | None
    parentId: int | None
    isAuthor: bool = Field(description="the commenter is a verified author of this paper")


class ErrorBody(Schema):
    status: int
    code: str
    message: str


class ErrorOut(Schema):
    error: ErrorBody


class BearerToken(HttpBearer):
    """Writes need `Authorization: Bearer <personal API token>` (made on the profile page)."""

    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


bearer = BearerToken()


@api.exception_handler(AuthenticationError)
def unauthorized(request, exc):
    response = json_error(401, "unauthorized", "send Authorization: Bearer <API token>")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def not_found(request, exc):
    return json_error(404, "not_found", str(exc) or "not found")


@api.exception_handler(ValidationError)
def invalid(request, exc):
    return json_error(422, "invalid", "; ".join(_describe(e) for e in exc.errors))


@api.exception_handler(HttpError)
def http_error(request, exc):
    """django-ninja's own refusals, such as a body that is not JSON (400)."""
    code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
    return json_error(exc.status_code, code, str(exc))


@api.exception_handler(DomainError)
def refused(request, exc):
    return json_error_for(exc)


def _describe(detail: dict) -> str:
    where = ".".join(str(part) for part in detail.get("loc", [])[1:])
    return f"{where}: {detail.get('msg', 'invalid')}" if where else detail.get("msg", "invalid")


DAILY_SORTS = {
    None: listing.LIST_ORDER,
    "publishedAt": ("-submitted_at", "paper_id"),
    "trending": listing.TRENDING_ORDER,
}


@api.get(
    "/daily_papers",
    response={200: list[HfDailyItem], 400: ErrorOut, 404: ErrorOut},
    by_alias=True,
    summary="A day's, week's or month's list (the newest day by default), most upvoted first",
    description="As Hugging Face's daily_papers. Without date, week or month: the newest "
    "day's list, or every day's when submitter or sort is given. sort=publishedAt puts the "
    "newest submissions first, sort=trending the hottest (upvotes decayed by age).",
)
def daily_papers(
    request,
    response: HttpResponse,
    date: date | None = None,
    week: str | None = Query(None, pattern=r"^\d{4}-W\d{2}$", description="ISO week, 2026-W48"),
    month: str | None = Query(None, pattern=r"^\d{4}-\d{2}$", description="2026-11"),
    submitter: str | None = Query(
        None, pattern=r"^[\w.@+-]{1,150}$", description="only this user's submissions"
    ),
    sort: Literal["publishedAt", "trending"] | None = None,
    p: int = Query(0, ge=0, description="page, from 0"),
    limit: int = Query(50, ge=1, le=100),
):
    entries = DailyEntry.objects.listed()
    try:
        if week:
            period = periods.parse_period("week", week)
        elif month:
            period = periods.parse_period("month", month)
        elif date or not (submitter or sort):
            day = date or listing.newest_day()
            if day is None:
                return []
            period = periods.day_period(day)
        else:
            period = None
    except periods.PeriodOutOfRange as exc:
        return json_error_for(exc)
    except ValueError:
        return json_error(404, "no_such_period", "no such week or month")
    if period:
        entries = entries.filter(day__range=(period.start, period.end))
    if submitter is not None:
        entries = entries.filter(submitted_by__username=submitter)
    pages = Paginator(entries.order_by(*DAILY_SORTS[sort]).values_list("pk", flat=True), limit)
    if p >= pages.num_pages:
        return []
    page = pages.page(p + 1)
    if page.has_next():
        query = request.GET.copy()
        query["p"] = p + 1
        response["Link"] = _link(request, query)
    return items_for_entries(list(page.object_list))


def _link(request, query) -> str:
    return f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'


@api.get("/trending", response=list[HfDailyItem], by_alias=True, summary="Trending papers")
def trending(
    request,
    window: Literal["day", "week", "month"] | None = Query(None, description="default: week"),
    period: Literal["day", "week", "month"] | None = Query(
        None, description="the older name of window", deprecated=True
    ),
    by: Literal["upvotes", "code"] = Query(
        "upvotes",
        description="upvotes: hotness (upvotes decayed by age); code: GitHub stars gained in "
        "the window (formulas on /about)",
    ),
    limit: int = Query(50, ge=1, le=100),
):
    chosen = listing.trending_window(window or period)
    return items_for_entries(listing.trending_entry_ids(chosen, limit, by))


def _papers_in_order(ids: list[str]) -> list[Paper]:
    found = Paper.objects.in_bulk(ids)
    return [found[i] for i in ids if i in found]


@api.get(
    "/papers/search",
    response={200: list[HfDailyItem], 503: ErrorOut},
    by_alias=True,
    summary="Hybrid keyword and semantic search",
    description="Items have the daily-list shape; publishedAt and submittedBy are null for a "
    "paper on no list.",
)
def search(request, q: str = "", limit: int = Query(20, ge=1, le=120)):
    query = compile_query(q)
    if query.arxiv_id:
        ids = [query.arxiv_id.id]
    else:
        try:
            ids = ranked_ids(query, limit=limit)
        except IndexMissing:
            return json_error(503, "index_missing", "the search index is not built yet")
    return items_for_papers(_papers_in_order(ids[:limit]))


class Cursor:
    """Keyset position in the newest-first listing: opaque to clients, never an offset."""

    @staticmethod
    def encode(paper: Paper) -> str:
        raw = f"{paper.published.isoformat()}|{paper.arxiv_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def decode(text: str) -> tuple[datetime, str]:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            published, arxiv_id = raw.split("|", 1)
            moment = datetime.fromisoformat(published)
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise ValueError("not a cursor this server gave") from exc
        if moment.tzinfo is None or not arxiv_id.isprintable():  # PostgreSQL refuses NUL
            raise ValueError("not a cursor this server gave")
        return moment, arxiv_id


PAPERS_ORDER = ("-published", "-arxiv_id")


@api.get(
    "/papers",
    response={200: list[HfPaperPage], 404: ErrorOut},
    by_alias=True,
    summary="Every paper, newest arXiv publication first, cursor-paginated",
    description='Follow the Link: <…>; rel="next" header (its cursor is opaque) until there '
    "is none; huggingface_hub's paginate() does exactly that.",
)
def papers(
    request,
    response: HttpResponse,
    cursor: str | None = Query(None, description="from the previous page's Link header"),
    limit: int = Query(50, ge=1, le=100),
):
    rows = Paper.objects.order_by(*PAPERS_ORDER)
    if cursor is not None:
        try:
            published, arxiv_id = Cursor.decode(cursor)
        except ValueError as exc:
            return json_error(404, "no_such_page", f"cursor: {exc}")
        rows = rows.filter(
            Q(published__lt=published) | Q(published=published, arxiv_id__lt=arxiv_id)
        )
    page = list(rows[: limit + 1])
    if len(page) > limit:
        page = page[:limit]
        query = request.GET.copy()
        query["cursor"] = Cursor.encode(page[-1])
        response["Link"] = _link(request, query)
    return paper_pages(page)


@api.get(
    "/papers/{path:arxiv_id}/similar",
    response={200: list[HfPaperPage], 404: ErrorOut},
    by_alias=True,
    summary="Nearest papers by embedding",
)
def similar(request, arxiv_id: str, limit: int = Query(6, ge=1, le=50)):
    return paper_pages(similar_papers(paper_or_404(arxiv_id).arxiv_id, limit))


@api.get(
    "/papers/{path:arxiv_id}/comments",
    response={200: list[CommentOut], 404: ErrorOut},
    summary="A paper's visible comments, oldest first",
)
def comments(request, arxiv_id: str):
    paper = paper_or_404(arxiv_id)
    rows = Comment.objects.visible().filter(paper=paper).select_related("author")
    authors = verified_user_ids(paper.pk)
    return [comment_out(c, authors) for c in rows]


def comment_out(comment: Comment, verified_authors: set[int]) -> dict:
    """verified_authors: people.claims.verified_user_ids of the comment's paper."""
    return {
        "id": comment.pk,
        "author": comment.author.username,
        "body": comment.body,
        "bodyHtml": current_html(comment),
        "createdAt": comment.created_at,
        "editedAt": comment.edited_at,
        "parentId": comment.parent_id,
        "isAuthor": comment.author_id in verified_authors,
    }


class SubmitIn(Schema):
    paper_id: str


class CommentIn(Schema):
    body: str
    parentId: int | None = None


class VoteOut(Schema):
    voted: bool
    upvotes: int


WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}


@api.post(
    "/papers/submit",
    auth=bearer,
    response={201: HfDailyItem, 503: ErrorOut, **WRITE_ERRORS},
    by_alias=True,
    summary="Put a paper on today's list (fetched from arXiv if unknown)",
)
def submit(request, body: SubmitIn):
    entry = services.submit(request.auth, body.paper_id, client_address=client_key(request))
    return Status(201, items_for_entries([entry.pk])[0])


def _vote(request, arxiv_id: str, voted: bool):
    state = services.set_vote(request.auth, paper_or_404(arxiv_id), voted)
    return {"voted": state.voted, "upvotes": state.upvotes}


@api.post("/papers/{path:arxiv_id}/upvote", auth=bearer, response={200: VoteOut, **WRITE_ERRORS})
def upvote(request, arxiv_id: str):
    return _vote(request, arxiv_id, True)


@api.delete("/papers/{path:arxiv_id}/upvote", auth=bearer, response={200: VoteOut, **WRITE_ERRORS})
def remove_upvote(request, arxiv_id: str):
    return _vote(request, arxiv_id, False)


@api.post(
    "/papers/{path:arxiv_id}/comments",
    auth=bearer,
    response={201: CommentOut, **WRITE_ERRORS},
    summary="Comment on a paper (Markdown with $math$; parentId to reply)",
)
def add_comment(request, arxiv_id: str, body: CommentIn):
    comment = services.add_comment(request.auth, paper_or_404(arxiv_id), body.body, body.parentId)
    return Status(201, comment_out(comment, verified_user_ids(comment.paper_id)))


class LinkIn(Schema):
    """Either url with its kind, or Hugging Face's githubRepo and/or projectPage."""

    url: str | None = None
    kind: Literal["code", "project", "data", "demo"] = "code"
    githubRepo: str | None = None
    projectPage: str | None = None


class LinkOut(Schema):
    id: int
    kind: str
    url: str
    status: str = Field(description="published, or pending until a curator or author approves")
    source: str = Field(description="extracted from the paper's text, or proposed by a person")
    proposedBy: str | None


def _link_out(link: PaperLink) -> dict:
    return {
        "id": link.pk,
        "kind": link.kind,
        "url": link.url,
        "status": link.status,
        "source": link.source,
        "proposedBy": link.proposer.username if link.proposer else None,
    }


@api.get(
    "/papers/{path:arxiv_id}/links",
    response={200: list[LinkOut], 404: ErrorOut},
    summary="A paper's published links: code, project page, data and demo",
)
def links(request, arxiv_id: str):
    paper = paper_or_404(arxiv_id)
    return [_link_out(link) for link in PaperLink.objects.shown_for(paper)]


@api.post(
    "/papers/{path:arxiv_id}/links",
    auth=bearer,
    response={201: list[LinkOut], 403: ErrorOut, 422: ErrorOut, **WRITE_ERRORS},
    summary="Propose links for a paper (published at once for curators and its authors)",
    description='Send {"url": …, "kind": "code"|"project"|"data"|"demo"}, or Hugging '
    'Face\'s {"githubRepo": …, "projectPage": …}. URLs must be http(s); a link the paper '
    "already has is refused (409). Several links are added together or not at all. Each link "
    "is published when the token's user is a curator or a verified author of the paper, and "
    "waits for their approval otherwise (status pending).",
)
def add_links(request, arxiv_id: str, body: LinkIn):
    paper = paper_or_404(arxiv_id)
    asked = [
        (kind, url)
        for kind, url in (
            (body.kind, body.url),
            ("code", body.githubRepo),
            ("project", body.projectPage),
        )
        if url is not None
    ]
    if not asked:
        return json_error(400, "invalid_link", "send url (with kind), githubRepo or projectPage")
    with transaction.atomic():
        added = [
            link_store.propose(request.auth, paper, url, kind, client_key(request))
            for kind, url in asked
        ]
    return Status(201, [_link_out(link) for link in added])


# Last: its {path:} converter would otherwise swallow the /upvote, /comments and /submit routes.
@api.get(
    "/papers/{path:arxiv_id}",
    response={200: HfPaperPage, 404: ErrorOut},
    by_alias=True,
    summary="One paper, its fields at the top level as Hugging Face sends them",
)
def paper(request, arxiv_id: str):
    return paper_pages([paper_or_404(arxiv_id)])[0]


# The library, collections and recommendations (issue 13), notifications and watches (issue 16)
# register their routes on `api` from their own modules.
from . import library_api, notifications_api, recommend_api  # noqa: E402, F401
