"""What users do to the daily list: submit, vote, comment, and what curators do to it.

Every write bumps the page-cache generation and recomputes the touched counters from the
Vote and Comment tables, inside the same transaction.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..accounts.ratelimit import first_refusal
from ..accounts.roles import is_curator
from ..core.errors import DomainError
from ..papers.arxiv_client import ArxivApi, ArxivApiError, ArxivUnavailable, PoliteSession
from ..papers.arxiv_ids import parse_arxiv_id
from ..papers.cleaning import multi_line
from ..papers.fetch import fetch_papers
from ..papers.models import Paper
from . import signals
from .comment_markup import RENDER_VERSION, render_comment
from .generation import bump_generation
from .hotness import hotness
from .models import Comment, DailyEntry, Vote


class FeedError(DomainError, ValueError):
    """A user-facing refusal; the message is shown as is."""


class AlreadyListed(FeedError):
    status, code = 409, "already_listed"


class SubmissionLimit(FeedError):
    status, code = 429, "daily_limit"


class PaperNotFound(FeedError):
    """arXiv itself has no such paper."""

    status, code = 404, "not_found"


class ArxivDown(FeedError):
    status, code = 503, "arxiv_unreachable"


# What curators do to an entry, by name: the paper page's buttons and `dailypapers curate`.
ENTRY_ACTIONS = {
    "pin": {"pinned": True},
    "unpin": {"pinned": False},
    "hide": {"hidden": True},
    "unhide": {"hidden": False},
}


@dataclass
class VoteState:
    voted: bool
    upvotes: int


class FetchLimit(FeedError):
    status, code = 429, "rate_limited"


FETCH_WINDOW = 3600


def find_or_fetch_paper(
    text: str, user=None, client_address: str = "", *, patient: bool = False
) -> Paper:
    """The paper for an id or URL, fetched from arXiv if we don't have it yet.

    A fetch counts against the user's and the client's hourly allowance (curators and
    commands have none). It may take ARXIV_WEB_TIMEOUT seconds in all, unless `patient`
    (commands), which waits and retries as long as the harvester does."""
    arxiv_id = parse_arxiv_id(text)  # InvalidArxivId is a ValueError with a clear message
    paper = Paper.objects.filter(pk=arxiv_id.id).first()
    if paper:
        return paper
    _count_fetch(user, client_address)
    session = PoliteSession() if patient else PoliteSession.for_web_request()
    try:
        result = fetch_papers([str(arxiv_id)], api=ArxivApi(session))
    except ArxivUnavailable as error:
        raise ArxivDown(
            f"arXiv could not be reached to fetch {arxiv_id}; try again later."
        ) from error
    except ArxivApiError as error:
        raise FeedError(str(error)) from error
    if result.missing:
        raise PaperNotFound(f"arXiv has no paper {arxiv_id}.")
    return Paper.objects.get(pk=arxiv_id.id)


def _count_fetch(user, client_address: str) -> None:
    if user is None or is_curator(user):
        return
    keys = (f"fetch:user:{user.pk}", f"fetch:ip:{client_address}")
    refused = first_refusal(keys, settings.ARXIV_FETCHES_PER_HOUR, FETCH_WINDOW)
    if refused:
        raise FetchLimit(
            "You have asked for many papers from arXiv this hour; "
            f"try again in {refused.retry_minutes} minutes."
        )


def submit(
    user, text: str, day: date | None = None, client_address: str = "", *, patient: bool = False
) -> DailyEntry:
    """Put a paper on a day's list (today by default). A paper appears on one day only.

    The daily limit is checked before arXiv is asked for anything, and again inside the
    transaction that adds the entry."""
    _check_submission_limit(user)
    paper = find_or_fetch_paper(text, user, client_address, patient=patient)
    day = day or timezone.now().date()
    with transaction.atomic():
        existing = DailyEntry.objects.filter(paper=paper).first()
        if existing:
            raise AlreadyListed(f"{paper.arxiv_id} is already on the list for {existing.day}.")
        _check_submission_limit(user)
        now = timezone.now()
        try:
            with transaction.atomic():
                entry = DailyEntry.objects.create(
                    paper=paper,
                    day=day,
                    submitted_by=user,
                    submitted_at=now,
                    hotness=hotness(0, now),
                )
        except IntegrityError as error:
            raise AlreadyListed(f"{paper.arxiv_id} is already on the list.") from error
        recount(paper.pk)
        bump_generation()
    return entry


def _check_submission_limit(user) -> None:
    if is_curator(user):
        return
    today = timezone.now().date()
    count = DailyEntry.objects.filter(submitted_by=user, submitted_at__date=today).count()
    if count >= settings.SUBMISSIONS_PER_DAY:
        raise SubmissionLimit(
            f"You have submitted {count} papers today, the daily limit; try again tomorrow."
        )


def set_vote(user, paper: Paper, voted: bool) -> VoteState:
    with transaction.atomic():
        # Lock the entry row so concurrent voters on one paper recount one after another.
        list(DailyEntry.objects.select_for_update().filter(paper=paper))
        if voted:
            try:
                with transaction.atomic():
                    Vote.objects.get_or_create(user=user, paper=paper)
            except IntegrityError:
                pass  # a concurrent request by the same user already voted
        else:
            Vote.objects.filter(user=user, paper=paper).delete()
        upvotes = recount(paper.pk)
        bump_generation()
    return VoteState(voted=voted, upvotes=upvotes)


def toggle_vote(user, paper: Paper) -> VoteState:
    with transaction.atomic():
        voted = Vote.objects.filter(user=user, paper=paper).exists()
        return set_vote(user, paper, not voted)


def vote_count(paper: Paper) -> int:
    return Vote.objects.filter(paper=paper).count()


def add_comment(user, paper: Paper, body: str, parent_id: int | None = None) -> Comment:
    body = _clean_body(body)
    parent = None
    if parent_id is not None:
        parent = Comment.objects.filter(pk=parent_id, paper=paper).first()
        if parent is None:
            raise FeedError("The comment you replied to does not exist.")
        parent = parent.parent or parent  # replies to replies attach to the thread's top
    rendered = render_comment(body)
    with transaction.atomic():
        comment = Comment.objects.create(
            paper=paper,
            author=user,
            parent=parent,
            body=body,
            body_html=rendered.html,
            render_version=RENDER_VERSION,
        )
        recount(paper.pk)
        bump_generation()
        signals.comment_posted.send(Comment, comment=comment, mentioned=rendered.mentioned)
    return comment


def edit_comment(user, comment: Comment, body: str) -> Comment:
    if comment.author_id != user.pk:
        raise FeedError("You can only edit your own comments.")
    if comment.deleted:
        raise FeedError("A deleted comment cannot be edited.")
    comment.body = _clean_body(body)
    rendered = render_comment(comment.body)
    with transaction.atomic():
        comment.body_html, comment.render_version = rendered.html, RENDER_VERSION
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "body_html", "render_version", "edited_at"])
        bump_generation()
        signals.comment_edited.send(Comment, comment=comment, mentioned=rendered.mentioned)
    return comment


def rerender_comments(progress=None) -> int:
    """Render again every comment an older renderer made; returns how many changed."""
    stale = Comment.objects.exclude(render_version=RENDER_VERSION).values_list("pk", flat=True)
    done = 0
    for pk in list(stale):
        with transaction.atomic():
            comment = Comment.objects.select_for_update().filter(pk=pk).first()
            if comment is None or comment.render_version == RENDER_VERSION:
                continue
            comment.body_html = render_comment(comment.body).html
            comment.render_version = RENDER_VERSION
            comment.save(update_fields=["body_html", "render_version"])
        done += 1
        if progress:
            progress(done)
    if done:
        bump_generation()
    return done


def preview_comment(body: str) -> str:
    """The HTML a comment with this text would show, checked as posting checks it."""
    return render_comment(_clean_body(body)).html


def delete_comment(user, comment: Comment) -> None:
    if comment.author_id != user.pk:
        raise FeedError("You can only delete your own comments.")
    _set_comment_flag(comment, deleted=True)


def hide_comment(curator, comment: Comment, hidden: bool = True) -> None:
    _require_curator(curator)
    _set_comment_flag(comment, hidden=hidden)


def set_entry_flags(curator, paper: Paper, **flags) -> DailyEntry:
    """Curators hide or pin an entry: set_entry_flags(user, paper, hidden=True)."""
    _require_curator(curator)
    entry = DailyEntry.objects.filter(paper=paper).first()
    if entry is None:
        raise FeedError(f"{paper.arxiv_id} is not on any day's list.")
    with transaction.atomic():
        for name, value in flags.items():
            setattr(entry, name, value)
        entry.save(update_fields=list(flags))
        bump_generation()
    return entry


def recount(paper_id: str) -> int:
    """Recompute an entry's counters and hotness from the Vote and Comment tables."""
    upvotes = Vote.objects.filter(paper_id=paper_id).count()
    comments = Comment.objects.visible().filter(paper_id=paper_id).count()
    entry = DailyEntry.objects.filter(paper_id=paper_id).first()
    if entry:
        entry.upvotes, entry.comment_count = upvotes, comments
        entry.hotness = hotness(upvotes, entry.submitted_at)
        entry.save(update_fields=["upvotes", "comment_count", "hotness"])
    return upvotes


def recount_all() -> int:
    """Heal every counter; returns how many entries were fixed."""
    fixed = 0
    for entry in DailyEntry.objects.only("paper_id", "upvotes", "comment_count"):
        before = (entry.upvotes, entry.comment_count)
        with transaction.atomic():
            recount(entry.paper_id)
        entry.refresh_from_db(fields=["upvotes", "comment_count"])
        fixed += before != (entry.upvotes, entry.comment_count)
    if fixed:
        bump_generation()
    return fixed


def _set_comment_flag(comment: Comment, **flags) -> None:
    with transaction.atomic():
        for name, value in flags.items():
            setattr(comment, name, value)
        comment.save(update_fields=list(flags))
        recount(comment.paper_id)
        bump_generation()
        signals.comment_visibility_changed.send(Comment, comment=comment)


def _clean_body(body: str) -> str:
    body = multi_line(body or "")
    if not body:
        raise FeedError("A comment cannot be empty.")
    if len(body) > Comment.MAX_LENGTH:
        raise FeedError(
            f"Your comment has {len(body):,} characters; comments are limited to "
            f"{Comment.MAX_LENGTH:,}. Shorten it and post again."
        )
    return body


def _require_curator(user) -> None:
    if not is_curator(user):
        raise FeedError("Only curators can do that.")
