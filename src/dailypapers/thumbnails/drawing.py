"""Drawing the thumbnails of papers: fetch each PDF once, politely, draw page 1, write the
files, record the outcome. Resumable: the files are written before the row that names them,
and a paper whose files are already complete is recorded without fetching again, so a run
killed at any point and run again fetches nothing twice and leaves nothing half-written."""

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ..feed.generation import bump_generation
from ..papers.arxiv_client import ArxivUnavailable, PoliteSession, ResponseTooLarge
from ..papers.models import Paper
from . import files
from .models import Thumbnail
from .render import WIDTHS, Unusable, first_page

log = logging.getLogger("dailypapers.thumbnails")


def due(paper_ids: Iterable[str]) -> list[Paper]:
    """The papers among these without a current thumbnail and not waiting to be retried."""
    papers = Paper.objects.filter(arxiv_id__in=list(paper_ids)).order_by("arxiv_id")
    recorded = {
        t.paper_id: t
        for t in Thumbnail.objects.filter(paper__in=papers).only(
            "paper_id", "status", "drawn_id", "retry_at"
        )
    }
    now = timezone.now()

    def is_due(paper: Paper) -> bool:
        thumbnail = recorded.get(paper.arxiv_id)
        if thumbnail is None:
            return True
        if thumbnail.status == Thumbnail.Status.OK:
            return thumbnail.drawn_id != paper.versioned_id
        return thumbnail.retry_at is None or thumbnail.retry_at <= now

    return [paper for paper in papers if is_due(paper)]


def draw_thumbnails(
    papers: list[Paper],
    *,
    session: PoliteSession | None = None,
    progress: Callable[[int], None] = lambda done: None,
) -> Counter:
    """Draw the thumbnails of these papers (due() chooses them); counts of "drawn", "found"
    (files already complete from a killed run) and "skipped"."""
    files.remove_leftovers()
    session = session or PoliteSession(budget=settings.THUMBNAIL_FETCH_BUDGET)
    outcomes: Counter = Counter()
    for done, paper in enumerate(papers, start=1):
        outcome = _draw_one(paper, session)
        outcomes[outcome] += 1
        progress(done)
    if outcomes["drawn"] or outcomes["found"]:
        bump_generation()  # cached lists and paper pages show the new images
    return outcomes


def _draw_one(paper: Paper, session: PoliteSession) -> str:
    drawn_id = paper.versioned_id
    sizes = [files.image_size(files.path(drawn_id, width)) for width in WIDTHS]
    if all(sizes):
        _record_ok(paper, *sizes[0])
        return "found"
    try:
        response = session.get(
            settings.ARXIV_PDF_URL + drawn_id, max_bytes=settings.THUMBNAIL_MAX_PDF_BYTES
        )
        if response.status_code != 200:
            raise Unusable(f"arXiv answered HTTP {response.status_code}")
        images = first_page(response.content)
    except ResponseTooLarge as error:
        return _record_skipped(paper, f"the PDF is oversized ({error})")
    except ArxivUnavailable as error:
        return _record_skipped(paper, str(error))
    except Unusable as error:
        return _record_skipped(paper, str(error))
    # Largest first: the card-size file, written last, is what marks a paper complete.
    for image in reversed(images):
        files.write(files.path(drawn_id, image.width), image.webp)
    _record_ok(paper, images[0].width, images[0].height)
    return "drawn"


def _record_ok(paper: Paper, width: int, height: int) -> None:
    Thumbnail.record_done(paper, drawn_id=paper.versioned_id, width=width, height=height)


def _record_skipped(paper: Paper, reason: str) -> str:
    first_wait = timedelta(hours=settings.THUMBNAIL_RETRY_HOURS)
    wait = Thumbnail.record_skipped(paper, reason, first_wait, drawn_id="", width=0, height=0)
    log.info("thumbnail of %s skipped: %s (retry in %s)", paper.arxiv_id, reason, wait)
    return "skipped"
