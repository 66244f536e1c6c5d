"""The library and collections in the JSON API (issue 13).

Library endpoints need a token and only ever see the token owner's library. Collections read
publicly (private ones answer 404, as if they did not exist) and are written by their owner.
"""

from datetime import datetime

from django.contrib.auth.models import User
from django.http import Http404
from ninja import Path, Query, Schema, Status

from ..core.errors import json_error
from ..feed import services as feed_services
from ..feed.urls import ArxivIdConverter
from ..library import services
from ..library.models import SavedPaper
from ..papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from .rest import WRITE_ERRORS, ErrorOut, api, bearer


class SavedOut(Schema):
    id: str
    title: str
    authors: list[str]
    publishedAt: datetime
    savedAt: datetime
    tags: list[str]
    note: str


class SaveIn(Schema):
    paper_id: str
    tags: list[str] = []
    note: str | None = None


class SavedPatch(Schema):
    tags: list[str] | None = None
    note: str | None = None


class TagOut(Schema):
    name: str
    slug: str
    count: int
    public: bool


class CollectionIn(Schema):
    title: str = ""
    description: str = ""
    public: bool = True


class CollectionPaper(Schema):
    id: str
    title: str
    authors: list[str]
    publishedAt: datetime


class CollectionOut(Schema):
    owner: str
    slug: str
    title: str
    description: str
    public: bool
    papers: list[CollectionPaper]


def saved_out(saved: SavedPaper) -> dict:
    return {
        "id": saved.paper.arxiv_id,
        "title": saved.paper.title,
        "authors": saved.paper.authors,
        "publishedAt": saved.paper.published,
        "savedAt": saved.saved_at,
        "tags": sorted(t.name for t in saved.tags.all()),
        "note": saved.note,
    }


def _saved(user, arxiv_id: str) -> SavedPaper:
    try:
        parsed = parse_arxiv_id(arxiv_id)
    except InvalidArxivId as exc:
        raise Http404(str(exc)) from exc
    found = services.library(user).filter(paper_id=parsed.id).first()
    if found is None:
        raise Http404(f"{parsed.id} is not in your library")
    return found


@api.get(
    "/library",
    auth=bearer,
    response={200: list[SavedOut], 401: ErrorOut, 404: ErrorOut},
    summary="Your saved papers (newest save first); filter by tag slug or words",
    tags=["library"],
)
def library_list(
    request,
    tag: str | None = None,
    q: str = "",
    sort: str = Query("saved", pattern="^(saved|published|title)$"),
    offset: int = Query(0, ge=0),
    limit: int = Query(100, ge=1, le=1000),
):
    found = None
    if tag:
        found = services.tag_by_slug(request.auth, tag)
        if found is None:
            raise Http404("you have no such tag")
    rows = services.library(request.auth, tag=found, text=q, sort=sort)
    return [saved_out(row) for row in rows[offset : offset + limit]]


@api.post(
    "/library",
    auth=bearer,
    response={201: SavedOut, 503: ErrorOut, **WRITE_ERRORS},
    summary="Save a paper (fetched from arXiv if unknown), with tags and a note",
    tags=["library"],
)
def library_save(request, body: SaveIn):
    paper = feed_services.find_or_fetch_paper(body.paper_id)  # refusals answer as DomainErrors
    services.save(request.auth, paper, tags=body.tags, note=body.note)
    return Status(201, saved_out(_saved(request.auth, paper.pk)))


@api.get(
    "/library/tags",
    auth=bearer,
    response={200: list[TagOut], 401: ErrorOut},
    summary="Your tags, with how many papers each carries",
    tags=["library"],
)
def library_tags(request):
    return [
        {
            "name": t.name,
            "slug": t.slug,
            "count": t.count,
            "public": bool(getattr(t, "collection", None) and t.collection.public),
        }
        for t in services.tags_with_counts(request.auth)
    ]


# An arXiv id, as the site's paper URLs take it: the schema says so, so that no client (nor
# schemathesis) takes "/library/tags", a resource of its own, for a saved paper's address.
SAVED_ID = Path(..., pattern=f"^{ArxivIdConverter.regex}$", description="an arXiv id")


@api.get(
    "/library/{path:arxiv_id}",
    auth=bearer,
    response={200: SavedOut, 401: ErrorOut, 404: ErrorOut},
    summary="One saved paper with its tags and note",
    tags=["library"],
)
def library_get(request, arxiv_id: str = SAVED_ID):
    return saved_out(_saved(request.auth, arxiv_id))


@api.patch(
    "/library/{path:arxiv_id}",
    auth=bearer,
    response={200: SavedOut, **WRITE_ERRORS},
    summary="Replace a saved paper's tags and/or note",
    tags=["library"],
)
def library_update(request, body: SavedPatch, arxiv_id: str = SAVED_ID):
    saved = _saved(request.auth, arxiv_id)
    if body.tags is not None:
        services.set_tags(request.auth, saved, body.tags)
    if body.note is not None:
        services.set_note(request.auth, saved, body.note)
    return saved_out(_saved(request.auth, arxiv_id))


@api.delete(
    "/library/{path:arxiv_id}",
    auth=bearer,
    response={204: None, 401: ErrorOut, 404: ErrorOut},
    summary="Remove a paper from your library",
    tags=["library"],
)
def library_remove(request, arxiv_id: str = SAVED_ID):
    saved = _saved(request.auth, arxiv_id)
    services.unsave(request.auth, saved.paper_id)
    return Status(204, None)


def collection_out(collection) -> dict:
    return {
        "owner": collection.tag.user.username,
        "slug": collection.tag.slug,
        "title": collection.display_title,
        "description": collection.description,
        "public": collection.public,
        "papers": [
            {
                "id": p.arxiv_id,
                "title": p.title,
                "authors": p.authors,
                "publishedAt": p.published,
            }
            for p in services.collection_papers(collection)
        ],
    }


@api.get(
    "/collections/{username}",
    response={200: list[CollectionOut], 404: ErrorOut},
    summary="A user's public collections",
    tags=["collections"],
)
def collections_of(request, username: str):
    person = User.objects.filter(username=username, is_active=True).first()
    if person is None:
        raise Http404("no such user")
    return [collection_out(c) for c in services.public_collections_of(person)]


@api.get(
    "/collections/{username}/{slug}",
    response={200: CollectionOut, 404: ErrorOut},
    summary="A public collection and its papers",
    tags=["collections"],
)
def collection_get(request, username: str, slug: str):
    found = services.public_collection(username, slug)
    if found is None:
        raise Http404("no such collection")
    return collection_out(found)


@api.put(
    "/collections/{username}/{slug}",
    auth=bearer,
    response={200: CollectionOut, 403: ErrorOut, **WRITE_ERRORS},
    summary="Publish one of your tags as a collection (or make it private again)",
    tags=["collections"],
)
def collection_put(request, username: str, slug: str, body: CollectionIn):
    if username != request.auth.username:
        return json_error(403, "forbidden", "you can only write your own collections")
    found = services.publish(
        request.auth, slug, title=body.title, description=body.description, public=body.public
    )
    return collection_out(found)
