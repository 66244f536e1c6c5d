"""Hugging Face's JSON shapes for papers and daily-list items: the one owner of the field mapping.

huggingface_hub's PaperInfo, PaperAuthor and User parsers read what these build
(tests/test_hf_client.py drives the real client against a live server; docs/api.md has the
field-by-field table). Field names follow HF's, so some are camelCase and some snake_case.
What we have no data for is null or an empty list; our extras (updatedAt, categories,
primaryCategory, version) sit beside HF's fields and collide with none.
"""

from datetime import UTC, datetime, time, timedelta
from typing import Annotated

from django.db.models import Count
from ninja import Schema
from pydantic import Field, PlainSerializer, TypeAdapter, WithJsonSchema, model_serializer

from ..feed import listing
from ..feed.models import Comment, DailyEntry
from ..links.display import hf_link_fields
from ..papers.models import Paper
from ..people.claims import VerifiedAuthor, verified_authors
from ..search.keywords import papers_keywords
from ..summaries.shown import stored as stored_summaries
from ..thumbnails.figures import thumbnail_urls


def hf_time(moment: datetime) -> str:
    """HF writes UTC with milliseconds: 2026-11-28T00:00:00.000Z."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


HfTime = Annotated[
    datetime,
    PlainSerializer(hf_time, return_type=str),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "example": "2026-11-28T00:00:00.000Z"}
    ),
]


class HfUser(Schema):
    id: str = Field(alias="_id", description="our user id, as a string")
    avatarUrl: str | None = Field(description="always null: no avatars here")
    fullname: str
    name: str = Field(description="the username")
    user: str = Field(description="the username (huggingface_hub's User reads this key)")
    type: str = "user"
    isPro: bool = False


class HfAuthor(Schema):
    id: str = Field(alias="_id", description="the paper id and the author's position: 2401.01234:0")
    name: str
    hidden: bool
    user: HfUser | None = Field(None, description="the user whose claim a curator verified")
    status: str | None = Field(None, description='"claimed_verified" when user is set, as on HF')
    statusLastChangedAt: HfTime | None = Field(None, description="when the claim was verified")

    @model_serializer(mode="wrap")
    def _unclaimed_without_claim_keys(self, handler):
        """HF sends user, status and statusLastChangedAt only for a claimed author."""
        shape = handler(self)
        if self.user is None:
            for key in _CLAIM_KEYS:
                shape.pop(key, None)
        return shape


_CLAIM_KEYS = ("user", "status", "statusLastChangedAt")


class HfPaper(Schema):
    id: str
    authors: list[HfAuthor]
    publishedAt: HfTime = Field(description="the arXiv publication date of version 1")
    submittedOnDailyAt: HfTime | None = Field(description="the day it is listed on, 00:00Z")
    submittedOnDailyBy: HfUser | None
    title: str
    summary: str
    upvotes: int
    discussionId: str = Field(description="the paper id, which also names its comments thread")
    githubRepo: str | None
    githubRepoAddedBy: str | None
    githubStars: int | None
    projectPage: str | None
    ai_summary: str | None
    ai_keywords: list[str]
    ai_summary_model: str | None
    mediaUrls: list[str]
    organization: dict | None
    withdrawnAt: HfTime | None
    updatedAt: HfTime
    categories: list[str]
    primaryCategory: str
    version: int | None


class HfPaperPage(HfPaper):
    """/api/papers/{id}: the paper's fields at the top level, as HF sends them."""

    numComments: int


class HfDailyItem(Schema):
    """One item of /api/daily_papers, /api/papers/search and /api/trending."""

    paper: HfPaper
    publishedAt: HfTime | None = Field(
        description="when it was put on the list (null for a paper on no list); "
        "huggingface_hub reads it as submitted_at"
    )
    title: str
    summary: str
    thumbnail: str | None
    mediaUrls: list[str]
    numComments: int
    upvotes: int = Field(
        description="ours, the same as paper.upvotes: huggingface_hub reads 0 there as None"
    )
    submittedBy: HfUser | None
    organization: dict | None
    submitterOrganization: dict | None
    isAuthorParticipating: bool


# The command line's --json prints what the API sends.
DAILY_ITEMS = TypeAdapter(list[HfDailyItem])


def hf_user(user) -> dict | None:
    if user is None:
        return None
    return {
        "_id": str(user.pk),
        "avatarUrl": None,
        "fullname": user.get_full_name() or user.username,
        "name": user.username,
        "user": user.username,
        "type": "user",
        "isPro": False,
    }


def listing_day_start(entry: DailyEntry) -> datetime:
    return datetime.combine(entry.day, time(), tzinfo=UTC)


def listed_at(entry: DailyEntry) -> datetime:
    """When the paper went on its list; a paper back-filled onto an earlier day gets that
    day's start, so the time never lies after the day it is listed on."""
    start = listing_day_start(entry)
    return entry.submitted_at if entry.submitted_at < start + timedelta(days=1) else start


# HF's status of an author whose claim was verified (HF also has "admin_assigned" and
# "extracted_pending"/"extracted_confirmed" for its automatic matches, which we do not make).
CLAIMED_VERIFIED = "claimed_verified"


def hf_authors(paper: Paper, verified: list[VerifiedAuthor]) -> list[dict]:
    """The author list in HF's shape; a verified claim adds user, status and its date."""
    claimed = {found.position: found for found in verified}
    authors = []
    for n, name in enumerate(paper.authors):
        author = {"_id": f"{paper.arxiv_id}:{n}", "name": name, "hidden": False}
        if (found := claimed.get(n)) is not None:
            author["user"] = hf_user(found.user)
            author["status"] = CLAIMED_VERIFIED
            author["statusLastChangedAt"] = found.since
        authors.append(author)
    return authors


_NO_LINKS = {"githubRepo": None, "githubStars": None, "projectPage": None}


def hf_paper(
    paper: Paper,
    entry: DailyEntry | None,
    upvotes: int,
    keywords: tuple[str, ...],
    verified: list[VerifiedAuthor] = (),
    links: dict | None = None,
    summary: tuple[str, str] | None = None,
) -> dict:
    """links: githubRepo, githubStars and projectPage (links.display.hf_link_fields);
    ai_keywords are ours (search/keywords.py, no hosted model: docs/search.md); ai_summary
    and ai_summary_model are the stored LLM summary (summaries app), null without one."""
    links = links or _NO_LINKS
    return {
        "id": paper.arxiv_id,
        "authors": hf_authors(paper, list(verified)),
        "publishedAt": paper.published,
        "submittedOnDailyAt": listing_day_start(entry) if entry else None,
        "submittedOnDailyBy": hf_user(entry.submitted_by) if entry else None,
        "title": paper.title,
        "summary": paper.abstract,
        "upvotes": upvotes,
        "discussionId": paper.arxiv_id,
        "githubRepo": links["githubRepo"],
        "githubRepoAddedBy": None,
        "githubStars": links["githubStars"],
        "projectPage": links["projectPage"],
        "ai_summary": summary[0] if summary else None,
        "ai_keywords": list(keywords),
        "ai_summary_model": summary[1] if summary else None,
        "mediaUrls": [],
        "organization": None,
        "withdrawnAt": paper.updated if paper.withdrawn else None,
        "updatedAt": paper.updated,
        "categories": paper.categories,
        "primaryCategory": paper.primary_category,
        "version": paper.version,
    }


def counts(papers: list[Paper], entries: dict[str, DailyEntry]) -> dict[str, tuple[int, int]]:
    """(upvotes, visible comments) per paper: a listed paper's counters are on its entry
    (recounted from the votes and comments tables on every write); the others' are counted."""
    unlisted = [p.arxiv_id for p in papers if p.arxiv_id not in entries]
    votes, comments = {}, {}
    if unlisted:
        votes = listing.vote_counts(unlisted)
        rows = (
            Comment.objects.visible()
            .filter(paper_id__in=unlisted)
            .values("paper_id")
            .annotate(n=Count("id"))
        )
        comments = {row["paper_id"]: row["n"] for row in rows}
    found = {i: (votes.get(i, 0), comments.get(i, 0)) for i in unlisted}
    found.update({i: (e.upvotes, e.comment_count) for i, e in entries.items()})
    return found


def listed_entries(paper_ids: list[str]) -> dict[str, DailyEntry]:
    """The visible list entries of these papers (a hidden entry counts as not listed)."""
    entries = DailyEntry.objects.listed().filter(paper_id__in=paper_ids)
    return {e.paper_id: e for e in entries.select_related("submitted_by")}


def authors_participating(verified: dict[str, list[VerifiedAuthor]]) -> set[str]:
    """Papers on which a verified author has a visible comment (HF's isAuthorParticipating)."""
    if not verified:
        return set()
    rows = (
        Comment.objects.visible()
        .filter(paper_id__in=list(verified))
        .values_list("paper_id", "author_id")
        .distinct()
    )
    users = {paper_id: {found.user.pk for found in v} for paper_id, v in verified.items()}
    return {paper_id for paper_id, author_id in rows if author_id in users[paper_id]}


def hf_items(papers: list[Paper], entries: dict[str, DailyEntry]) -> list[dict]:
    """Daily-list items for these papers, in this order; a constant number of queries."""
    tallies = counts(papers, entries)
    thumbnails = thumbnail_urls([p.arxiv_id for p in papers])
    verified = verified_authors([p.arxiv_id for p in papers])
    participating = authors_participating(verified)
    links = hf_link_fields(p.arxiv_id for p in papers)
    summaries = stored_summaries([p.arxiv_id for p in papers])
    items = []
    for paper, keywords in zip(papers, papers_keywords(papers), strict=True):
        entry = entries.get(paper.arxiv_id)
        upvotes, comments = tallies[paper.arxiv_id]
        items.append(
            {
                "paper": hf_paper(
                    paper,
                    entry,
                    upvotes,
                    keywords,
                    verified.get(paper.arxiv_id, []),
                    links.get(paper.arxiv_id),
                    summaries.get(paper.arxiv_id),
                ),
                "publishedAt": listed_at(entry) if entry else None,
                "title": paper.title,
                "summary": paper.abstract,
                "thumbnail": thumbnails.get(paper.arxiv_id),
                "mediaUrls": [],
                "numComments": comments,
                "upvotes": upvotes,
                "submittedBy": hf_user(entry.submitted_by) if entry else None,
                "organization": None,
                "submitterOrganization": None,
                "isAuthorParticipating": paper.arxiv_id in participating,
            }
        )
    return items


def items_for_entries(entry_ids: list[int]) -> list[dict]:
    entries = DailyEntry.objects.filter(pk__in=entry_ids).select_related("paper", "submitted_by")
    by_pk = {entry.pk: entry for entry in entries}
    ordered = [by_pk[pk] for pk in entry_ids if pk in by_pk]
    return hf_items([e.paper for e in ordered], {e.paper_id: e for e in ordered})


def items_for_papers(papers: list[Paper]) -> list[dict]:
    return hf_items(papers, listed_entries([p.arxiv_id for p in papers]))


def paper_pages(papers: list[Paper]) -> list[dict]:
    entries = listed_entries([p.arxiv_id for p in papers])
    tallies = counts(papers, entries)
    verified = verified_authors([p.arxiv_id for p in papers])
    links = hf_link_fields(p.arxiv_id for p in papers)
    summaries = stored_summaries([p.arxiv_id for p in papers])
    return [
        {
            **hf_paper(
                p,
                entries.get(p.arxiv_id),
                tallies[p.arxiv_id][0],
                keywords,
                verified.get(p.arxiv_id, []),
                links.get(p.arxiv_id),
                summaries.get(p.arxiv_id),
            ),
            "numComments": tallies[p.arxiv_id][1],
        }
        for p, keywords in zip(papers, papers_keywords(papers), strict=True)
    ]
