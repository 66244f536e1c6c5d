"""The JSON API (django-ninja; OpenAPI at /api/openapi.json, docs at /api/docs).

Field names follow Hugging Face's /api/daily_papers where the concept is the same, so clients
written for it port with little change (docs/api.md).
"""

from datetime import date, datetime
from http import HTTPStatus
from typing import Literal

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from ninja import NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from ..accounts.clients import client_key
from ..accounts.tokens import user_for_token
from ..core.errors import DomainError, json_error, json_error_for
from ..feed import listing, periods, services
from ..feed.models import Comment, DailyEntry
from ..papers.lookup import paper_or_404
from ..papers.models import Paper
from ..search.index import IndexMissing
from ..search.query import compile_query
from ..search.service import ranked_ids, similar_papers

api = NinjaAPI(
    title="dailypapers API",
    version="1",
    description="Daily lists, papers, search, trending and comments. Errors share one shape: "
    '{"error": {"status": 404, "code": "not_found", "message": "…"}}.',
    urls_namespace="api",
)


class Author(Schema):
    name: str


class PaperOut(Schema):
    id: str
    title: str
    summary: str
    authors: list[Author]
    publishedAt: datetime
    updatedAt: datetime
    upvotes: int
    categories: list[str]
    primaryCategory: str
    version: int | None


class Submitter(Schema):
    user: str | None


class DailyPaper(Schema):
    paper: PaperOut
    title: str
    publishedAt: datetime
    submittedOnDailyAt: datetime
    submittedOnDailyBy: Submitter
    numComments: int


class SearchHit(Schema):
    paper: PaperOut


class CommentOut(Schema):
    id: int
    author: str
    body: str
    createdAt: datetime
    editedAt: datetime | None
    parentId: int | None


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


def paper_out(paper: Paper, upvotes: int) -> dict:
    return {
        "id": paper.arxiv_id,
        "title": paper.title,
        "summary": paper.abstract,
        "authors": [{"name": name} for name in paper.authors],
        "publishedAt": paper.published,
        "updatedAt": paper.updated,
        "upvotes": upvotes,
        "categories": paper.categories,
        "primaryCategory": paper.primary_category,
        "version": paper.version,
    }


def daily_items(entry_ids: list[int]) -> list[dict]:
    entries = DailyEntry.objects.filter(pk__in=entry_ids).select_related("paper", "submitted_by")
    by_pk = {entry.pk: entry for entry in entries}
    return [
        {
            "paper": paper_out(e.paper, e.upvotes),
            "title": e.paper.title,
            "publishedAt": e.paper.published,
            "submittedOnDailyAt": e.submitted_at,
            "submittedOnDailyBy": {"user": e.submitted_by.username if e.submitted_by else None},
            "numComments": e.comment_count,
        }
        for e in (by_pk[pk] for pk in entry_ids if pk in by_pk)
    ]


@api.get(
    "/daily_papers",
    response={200: list[DailyPaper], 400: ErrorOut, 404: ErrorOut},
    summary="A day's, week's or month's list (the newest day by default), most upvoted first",
)
def daily_papers(
    request,
    response: HttpResponse,
    date: date | None = None,
    week: str | None = Query(None, pattern=r"^\d{4}-W\d{2}$", description="ISO week, 2026-W48"),
    month: str | None = Query(None, pattern=r"^\d{4}-\d{2}$", description="2026-11"),
    p: int = Query(0, ge=0, description="page, from 0"),
    limit: int = Query(50, ge=1, le=100),
):
    try:
        if week:
            period = periods.parse_period("week", week)
        elif month:
            period = periods.parse_period("month", month)
        else:
            day = date or listing.newest_day()
            if day is None:
                return []
            period = periods.day_period(day)
    except periods.PeriodOutOfRange as exc:
        return json_error_for(exc)
    except ValueError:
        return json_error(404, "no_such_period", "no such week or month")
    pages = Paginator(listing.entry_ids_in(period), limit)
    if p >= pages.num_pages:
        return []
    page = pages.page(p + 1)
    if page.has_next():
        query = request.GET.copy()
        query["p"] = p + 1
        response["Link"] = (
            f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'
        )
    return daily_items(list(page.object_list))


@api.get("/trending", response=list[DailyPaper], summary="Trending papers")
def trending(
    request,
    window: Literal["day", "week", "month"] | None = Query(None, description="default: week"),
    period: Literal["day", "week", "month"] | None = Query(
        None, description="the older name of window", deprecated=True
    ),
    limit: int = Query(50, ge=1, le=100),
):
    chosen = listing.trending_window(window or period)
    return daily_items(listing.trending_entry_ids(chosen, limit))


@api.get(
    "/papers/search",
    response={200: list[SearchHit], 503: ErrorOut},
    summary="Hybrid keyword and semantic search",
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
    papers = Paper.objects.in_bulk(ids)
    votes = listing.vote_counts(ids)
    return [{"paper": paper_out(papers[i], votes.get(i, 0))} for i in ids[:limit] if i in papers]


@api.get(
    "/papers/{path:arxiv_id}/similar",
    response={200: list[PaperOut], 404: ErrorOut},
    summary="Nearest papers by embedding",
)
def similar(request, arxiv_id: str, limit: int = Query(6, ge=1, le=50)):
    paper = paper_or_404(arxiv_id)
    others = similar_papers(paper.arxiv_id, limit)
    votes = listing.vote_counts([o.arxiv_id for o in others])
    return [paper_out(o, votes.get(o.arxiv_id, 0)) for o in others]


@api.get(
    "/papers/{path:arxiv_id}/comments",
    response={200: list[CommentOut], 404: ErrorOut},
    summary="A paper's visible comments, oldest first",
)
def comments(request, arxiv_id: str):
    paper = paper_or_404(arxiv_id)
    rows = Comment.objects.visible().filter(paper=paper).select_related("author")
    return [
        {
            "id": c.pk,
            "author": c.author.username,
            "body": c.body,
            "createdAt": c.created_at,
            "editedAt": c.edited_at,
            "parentId": c.parent_id,
        }
        for c in rows
    ]


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
    response={201: DailyPaper, 503: ErrorOut, **WRITE_ERRORS},
    summary="Put a paper on today's list (fetched from arXiv if unknown)",
)
def submit(request, body: SubmitIn):
    entry = services.submit(request.auth, body.paper_id, client_address=client_key(request))
    return Status(201, daily_items([entry.pk])[0])


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
    summary="Comment on a paper (plain text; parentId to reply)",
)
def add_comment(request, arxiv_id: str, body: CommentIn):
    comment = services.add_comment(request.auth, paper_or_404(arxiv_id), body.body, body.parentId)
    return Status(
        201,
        {
            "id": comment.pk,
            "author": comment.author.username,
            "body": comment.body,
            "createdAt": comment.created_at,
            "editedAt": comment.edited_at,
            "parentId": comment.parent_id,
        },
    )


# Last: its {path:} converter would otherwise swallow the /upvote, /comments and /submit routes.
@api.get("/papers/{path:arxiv_id}", response={200: PaperOut, 404: ErrorOut}, summary="One paper")
def paper(request, arxiv_id: str):
    found = paper_or_404(arxiv_id)
    return paper_out(found, listing.vote_counts([found.arxiv_id]).get(found.arxiv_id, 0))


# The library and collections (issue 13) register their routes on `api` from their own module.
from . import library_api  # noqa: E402, F401
