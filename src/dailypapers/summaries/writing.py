"""`dailypapers summarize`: ask the LLM server for each due paper's summary, a few at a time,
within the daily budget, and store each answer in one single-row write.

Only the calling thread touches the database: worker threads just make HTTP requests. Every
request is counted in the budget (DailyUsage, committed) *before* it is sent, so a killed run
has never sent more than it counted. A summary is written in one statement as soon as its
reply arrives, and a paper with a stored summary is never due again, so a run killed at any
point and run again asks again only for the replies that were in flight."""

import logging
from collections import Counter, deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import timedelta
from time import monotonic, sleep

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from ..feed.generation import bump_generation
from ..papers.models import Paper
from .client import PROMPT_VERSION, Malformed, Reply, Retryable, ask
from .models import DailyUsage, Summary

log = logging.getLogger("dailypapers.summaries")
RETRY_LATER = timedelta(hours=6)  # a skipped paper's first wait, doubled per failure


def due(paper_ids: Iterable[str]) -> list[Paper]:
    """The papers among these without a summary and not waiting to be retried."""
    settled = Summary.objects.filter(
        Q(status=Summary.Status.OK) | Q(retry_at__gt=timezone.now())
    ).values("paper_id")
    return list(
        Paper.objects.filter(arxiv_id__in=list(paper_ids))
        .exclude(arxiv_id__in=settled)
        .order_by("arxiv_id")
    )


def take_request() -> bool:
    """Count one request in today's (UTC) budget; False when the budget is spent. One
    conditional UPDATE, so concurrent runs never overspend it together."""
    day = timezone.now().date()
    DailyUsage.objects.bulk_create([DailyUsage(day=day)], ignore_conflicts=True)
    within = Q(requests__lt=settings.LLM_DAILY_REQUESTS)
    if settings.LLM_DAILY_TOKENS:
        within &= Q(tokens__lt=settings.LLM_DAILY_TOKENS)
    return bool(DailyUsage.objects.filter(within, day=day).update(requests=F("requests") + 1))


def _count_tokens(tokens: int) -> None:
    if tokens:
        DailyUsage.objects.filter(day=timezone.now().date()).update(tokens=F("tokens") + tokens)


class _Attempt:
    __slots__ = ("paper", "tries", "not_before")

    def __init__(self, paper: Paper):
        self.paper, self.tries, self.not_before = paper, 0, 0.0


def summarize(
    papers: list[Paper], *, progress: Callable[[int], None] = lambda done: None
) -> tuple[Counter, str]:
    """Summarize these papers (due() chooses them). Returns counts of "summarized",
    "skipped" (a reply that is no summary, or retries used up: tried again another day) and
    "left" (not asked: the daily budget ran out, or the server asked for too long a pause),
    and why the run stopped early ("" when it did not)."""
    outcomes: Counter = Counter()
    waiting = deque(_Attempt(paper) for paper in papers)
    flying: dict[Future, _Attempt] = {}
    paused_until = 0.0  # the server's Retry-After holds every request, not just one paper's
    stop = ""
    with ThreadPoolExecutor(max_workers=settings.LLM_CONCURRENCY) as pool:
        while flying or (waiting and not stop):
            now = monotonic()
            while not stop and waiting and len(flying) < settings.LLM_CONCURRENCY:
                ready = next((a for a in waiting if a.not_before <= now), None)
                if ready is None or now < paused_until:
                    break
                if not take_request():
                    stop = "the daily budget is spent"
                    break
                waiting.remove(ready)
                ready.tries += 1
                flying[pool.submit(ask, ready.paper.title, ready.paper.abstract)] = ready
            if not flying:
                if stop or not waiting:
                    break
                wake = max(paused_until, min(a.not_before for a in waiting))
                sleep(max(0.0, wake - monotonic()))
                continue
            finished, _ = wait(list(flying), timeout=1.0, return_when=FIRST_COMPLETED)
            for future in finished:
                attempt = flying.pop(future)
                try:
                    outcome = _store(attempt.paper, future.result())
                except Malformed as error:
                    outcome = _skip(attempt.paper, str(error))
                except Retryable as error:
                    wait_s = error.retry_after
                    if wait_s is not None and wait_s > settings.LLM_MAX_PAUSE:
                        stop = f"the server asked for a {wait_s:.0f} s pause"
                        waiting.appendleft(attempt)
                        continue
                    if attempt.tries > settings.LLM_RETRIES:
                        outcome = _skip(attempt.paper, f"{error} (after {attempt.tries} attempts)")
                    else:
                        backoff = settings.LLM_BACKOFF * 2 ** (attempt.tries - 1)
                        pause = wait_s if wait_s is not None else backoff
                        attempt.not_before = monotonic() + pause
                        if wait_s is not None:
                            paused_until = max(paused_until, attempt.not_before)
                        waiting.append(attempt)
                        continue
                outcomes[outcome] += 1
                progress(outcomes.total())
    outcomes["left"] = len(waiting)
    if stop:
        log.warning("summaries: stopped, %s; %d papers left for the next run", stop, len(waiting))
    return outcomes, stop


def _store(paper: Paper, reply: Reply) -> str:
    _count_tokens(reply.tokens)
    Summary.record_done(
        paper,
        text=reply.text,
        model=reply.model or settings.LLM_MODEL[:200],
        prompt_version=PROMPT_VERSION,
    )
    bump_generation()  # cached lists show it now, even if the run is killed next
    return "summarized"


def _skip(paper: Paper, reason: str) -> str:
    wait = Summary.record_skipped(
        paper,
        reason,
        RETRY_LATER,
        text="",
        model=settings.LLM_MODEL[:200],
        prompt_version=PROMPT_VERSION,
    )
    log.info("summary of %s skipped: %s (retry in %s)", paper.arxiv_id, reason, wait)
    return "skipped"
