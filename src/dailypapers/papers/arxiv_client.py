"""Talking to arXiv. Politeness lives in PoliteSession and nowhere else."""

import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
import urllib3
from django.conf import settings
from requests.adapters import HTTPAdapter

from .. import __version__
from .arxiv_ids import ArxivId
from .records import PaperRecord, Rejected
from .sources.atom import AtomPage, parse_atom
from .sources.oai import OaiPage, parse_oai
from .sources.xml import MalformedInput

log = logging.getLogger("dailypapers.arxiv")
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_BACKOFF = 300.0


class ArxivUnavailable(RuntimeError):
    """arXiv could not be reached or kept failing; nothing was changed."""


class ResponseTooLarge(RuntimeError):
    """The answer is longer than the caller's max_bytes; it was not read to the end."""


class ArxivApiError(RuntimeError):
    """arXiv answered with an error entry (e.g. an id it considers malformed)."""


class PoliteSession:
    """One HTTP connection, a User-Agent with a contact, spacing between requests,
    and retries with exponential backoff that honour Retry-After.

    The spacing is per process: every session shares the time of the last request.
    arXiv's settings are the defaults; links/github.py makes one for GitHub (its own spacing,
    `service` name and error, and no automatic retry of 429, whose meaning GitHub's headers
    decide).

    `budget` caps the seconds one get() may take in all: waiting for its turn, every
    attempt, every backoff, and reading the body (a server that trickles a byte at a time
    never trips a per-read timeout). Web requests use ARXIV_WEB_TIMEOUT, so a hanging arXiv
    cannot hold a worker; commands keep the patient default (no budget).
    """

    _lock = threading.Lock()
    _last_request = float("-inf")

    def __init__(
        self,
        *,
        min_interval: float | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
        budget: float | None = None,
        sleep=time.sleep,
        clock=time.monotonic,
        service: str = "arXiv",
        unavailable: type[Exception] = ArxivUnavailable,
        retry_statuses: frozenset[int] | set[int] = RETRY_STATUSES,
    ):
        self.min_interval = settings.ARXIV_MIN_INTERVAL if min_interval is None else min_interval
        self.max_retries = settings.ARXIV_MAX_RETRIES if max_retries is None else max_retries
        self.timeout = settings.ARXIV_TIMEOUT if timeout is None else timeout
        self.budget = budget
        self.service = service
        self.log = logging.getLogger(f"dailypapers.{service.lower()}")
        self.unavailable = unavailable
        self.retry_statuses = retry_statuses
        self.sleep = sleep
        self.clock = clock
        self.http = requests.Session()
        self.http.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=1))
        self.http.mount("https://", HTTPAdapter(pool_connections=1, pool_maxsize=1))
        self.http.headers["User-Agent"] = (
            f"dailypapers/{__version__} (self-hosted daily papers; mailto:{settings.ARXIV_CONTACT})"
        )

    @classmethod
    def for_web_request(cls) -> "PoliteSession":
        return cls(budget=settings.ARXIV_WEB_TIMEOUT)

    def get(
        self,
        url: str,
        params: dict | None = None,
        headers: dict | None = None,
        allow_redirects: bool = True,
        *,
        max_bytes: int | None = None,
    ) -> requests.Response:
        """`max_bytes`: raise ResponseTooLarge instead of reading a longer body (a PDF)."""
        end = float("inf") if self.budget is None else self.clock() + self.budget
        failure, retry_after = "", None
        for attempt in range(self.max_retries + 1):
            if attempt:
                backoff = min(retry_after if retry_after is not None else 2.0**attempt, MAX_BACKOFF)
                if self.clock() + backoff >= end:
                    break
                self.sleep(backoff)
            try:
                self._wait_turn(end)
                response = self.http.get(
                    url,
                    params=params,
                    headers=headers,
                    allow_redirects=allow_redirects,
                    timeout=min(self.timeout, self._left(end)),
                    stream=True,
                )
                _read_body(response, end, self.clock, max_bytes)
            except (requests.ConnectionError, requests.Timeout, _OutOfTime) as error:
                log.debug("request to %s failed", url, exc_info=error)
                failure, retry_after = f"{type(error).__name__} for {urlsplit(url).netloc}", None
                if isinstance(error, _OutOfTime):
                    break
            else:
                if response.status_code not in self.retry_statuses:
                    return response
                failure = f"HTTP {response.status_code}"
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            self.log.warning(
                "%s request failed (%s), attempt %d", self.service, failure, attempt + 1
            )
        tries = f"{attempt + 1} tries" if self.budget is None else f"{self.budget:g} s budget"
        raise self.unavailable(f"{self.service} is not reachable at {url} ({failure}, {tries})")

    def _left(self, end: float) -> float:
        left = end - self.clock()
        if left <= 0:
            raise _OutOfTime("the time budget ran out")
        return left

    def _wait_turn(self, end: float = float("inf")) -> None:
        timeout = -1 if end == float("inf") else self._left(end)
        if not PoliteSession._lock.acquire(timeout=timeout):
            raise _OutOfTime("another request held arXiv's turn too long")
        try:
            wait = PoliteSession._last_request + self.min_interval - self.clock()
            if wait > 0:
                if self.clock() + wait >= end:
                    raise _OutOfTime("arXiv's turn would come too late")
                self.sleep(wait)
            PoliteSession._last_request = self.clock()
        finally:
            PoliteSession._lock.release()


class _OutOfTime(Exception):
    """A budgeted get() cannot finish in time."""


def _read_body(
    response: requests.Response, end: float, clock, max_bytes: int | None = None
) -> None:
    """Read the whole body now (it is cached on the response), giving up at `end`, or at
    `max_bytes` (announced by Content-Length or counted as it arrives).

    read1 returns whatever one socket read brings, so the clock is checked between
    trickled bytes; each socket read may wait only for the time left."""
    limit = float("inf") if max_bytes is None else max_bytes
    announced = response.headers.get("Content-Length", "")
    if announced.isascii() and announced.isdigit() and int(announced) > limit:
        response.close()
        raise ResponseTooLarge(f"{announced} bytes, more than the {max_bytes}-byte cap")
    chunks, received = [], 0
    while True:
        left = end - clock()
        if left <= 0:
            response.close()
            raise _OutOfTime("the body did not arrive in time")
        connection = response.raw.connection
        if left != float("inf") and connection is not None and connection.sock is not None:
            connection.sock.settimeout(min(left, connection.sock.gettimeout() or left))
        try:
            chunk = response.raw.read1(64 * 1024, decode_content=True)
        except (urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.ProtocolError) as error:
            response.close()
            raise requests.ConnectionError(str(error)) from error
        if not chunk:
            break
        received += len(chunk)
        if received > limit:
            response.close()
            raise ResponseTooLarge(f"more than the {max_bytes}-byte cap")
        chunks.append(chunk)
    response._content = b"".join(chunks)  # what response.content returns from now on


def retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000": UTC by RFC 5322
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class ArxivApi:
    """The arXiv API (Atom): papers by id, by search query, and the newest in categories."""

    def __init__(self, session: PoliteSession | None = None, base_url: str | None = None):
        self.session = session or PoliteSession()
        self.base_url = base_url or settings.ARXIV_API_URL
        self.page_size = settings.ARXIV_PAGE_SIZE
        self.max_pages = settings.ARXIV_MAX_PAGES

    def page(self, **params) -> AtomPage:
        response = self.session.get(self.base_url, params)
        try:
            page = parse_atom(response.content, f"arXiv API response ({response.url})")
        except MalformedInput:
            if response.status_code >= 400:
                raise ArxivApiError(
                    f"arXiv answered HTTP {response.status_code} for {response.url}"
                ) from None
            raise
        if page.errors:
            raise ArxivApiError("arXiv rejected the request: " + "; ".join(page.errors))
        return page

    def by_ids(self, ids: list[ArxivId]) -> list[PaperRecord | Rejected]:
        items: list[PaperRecord | Rejected] = []
        for start in range(0, len(ids), self.page_size):
            chunk = ids[start : start + self.page_size]
            id_list = ",".join(str(i) for i in chunk)
            try:
                page = self.page(id_list=id_list, max_results=len(chunk))
            except ArxivApiError as error:
                raise ArxivApiError(f"{error} (ids: {id_list})") from error
            items.extend(page.items)
        return items

    def search(self, query: str, **params) -> Iterator[PaperRecord | Rejected]:
        """Pages through a search, stopping at the end of results or the page cap."""
        for number in range(self.max_pages):
            page = self.page(
                search_query=query,
                start=number * self.page_size,
                max_results=self.page_size,
                **params,
            )
            yield from page.items
            if not page.items or page.start_index + len(page.items) >= page.total_results:
                return
        log.info("stopped after the %d-page cap for %r", self.max_pages, query)

    def newest(self, categories: list[str], since: date) -> Iterator[PaperRecord | Rejected]:
        """Papers first submitted in these categories on or after `since`, newest first."""
        cats = " OR ".join(f"cat:{c}" for c in categories)
        now = datetime.now(UTC)
        query = f"({cats}) AND submittedDate:[{since:%Y%m%d}0000 TO {now:%Y%m%d%H%M}]"
        yield from self.search(query, sortBy="submittedDate", sortOrder="descending")


class OaiClient:
    """OAI-PMH ListRecords, one page at a time."""

    def __init__(self, session: PoliteSession | None = None, base_url: str | None = None):
        self.session = session or PoliteSession()
        self.base_url = base_url or settings.ARXIV_OAI_URL

    def list_records(self, **params) -> OaiPage:
        response = self.session.get(self.base_url, {"verb": "ListRecords", **params})
        return parse_oai(response.content, f"OAI-PMH response ({response.url})")
