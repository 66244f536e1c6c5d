"""Repository metadata and daily star counts from GitHub's REST API: the one writer of
Repository, StarCount and PaperRepository rows. `dailypapers refresh-github` runs `refresh()`.

What GitHub asks of a client ("Rate limits for the REST API", "Best practices for using the
REST API" on docs.github.com), and how it is met:
- requests one at a time and spaced (PoliteSession, DAILYPAPERS_GITHUB_MIN_INTERVAL);
- conditional requests: the stored ETag goes out as If-None-Match; a 304 costs no quota and
  still records today's count;
- X-RateLimit-Remaining 0 (the primary limit: 60 an hour without a token): stop before the
  next request, or with `wait` sleep until X-RateLimit-Reset and go on;
- a secondary limit (403 or 429 with Retry-After, or saying so): wait Retry-After seconds
  (a minute, doubling, when absent), then retry the same repository;
- 301: renamed or transferred; Location is followed and the rename recorded;
- 404, 410, 451: gone; not asked about again for GONE_RECHECK.

Recording a count also stores the repository's stars gained over 1, 7 and 30 days
(`star_gains`, the formula /about states), which /trending?by=code sorts on.

Each repository's answer is written in one transaction (its row, today's count, a rename), so
a killed run leaves every repository either done or untouched; a re-run the same UTC day
skips the done ones, and StarCount is unique per (repository, date) and written by upsert, so
a day is never counted twice.
"""

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..papers.arxiv_client import PoliteSession, retry_after_seconds
from .extract import LinkKind
from .models import PaperLink, PaperRepository, Repository, StarCount

log = logging.getLogger("dailypapers.github")

HOST = "github.com"
GONE_RECHECK = timedelta(days=30)
SECONDARY_RETRIES = 4
# A secondary limit asking for a longer wait than this ends the run instead: the next run
# (the timer's, tomorrow) picks up where it stopped.
MAX_SECONDARY_WAIT = 15 * 60.0
# The longest `wait=True` sleeps for the primary limit: it resets within the hour.
MAX_RESET_WAIT = 3700.0
# The most-starred repository has about half a million; a larger number is not a count.
MAX_STARS = 100_000_000
_CHUNK = 900  # ids per IN (...) query, under SQLite's parameter limit everywhere

# GitHub's rules: an owner is 1-39 letters, digits and single hyphens; a repository name is
# letters, digits, '.', '_' and '-' (at most 100).
_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_NAME = r"[A-Za-z0-9._-]{1,100}"
_REPOSITORY_URL = re.compile(rf"https?://(?:www\.)?github\.com/({_OWNER})/({_NAME})/?", re.I)
_FULL_NAME = re.compile(rf"{_OWNER}/{_NAME}")


class GitHubUnavailable(RuntimeError):
    """GitHub could not be reached, kept failing, or refused the token; nothing half-written."""


class MalformedRepository(ValueError):
    """GitHub's answer for a repository is not what its API documents."""


class RateLimited(Exception):
    """The quota is spent; `reset` is when GitHub said it comes back (epoch seconds)."""

    def __init__(self, message: str, reset: float | None = None):
        super().__init__(message)
        self.reset = reset


def full_name_in(url: str) -> str | None:
    """'owner/name' of a github.com repository URL, as spelled there; None for anything else."""
    match = _REPOSITORY_URL.fullmatch(url)
    if not match:
        return None
    owner, name = match.groups()
    name = name.removesuffix(".git")
    return f"{owner}/{name}" if name.strip(".") else None


@dataclass(frozen=True)
class RepositoryInfo:
    """What we keep of GitHub's repository object (GET /repos/{owner}/{repo})."""

    full_name: str
    stars: int
    html_url: str
    created_at: datetime | None


def read_repository(body: bytes) -> RepositoryInfo:
    """GitHub's JSON for one repository, checked field by field: MalformedRepository for
    anything else (not JSON, wrong types, impossible numbers), never another exception."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise MalformedRepository(f"not JSON ({type(error).__name__})") from None
    if not isinstance(data, dict):
        raise MalformedRepository("not a JSON object")
    full_name = data.get("full_name")
    if not isinstance(full_name, str) or not _FULL_NAME.fullmatch(full_name):
        raise MalformedRepository("full_name is not owner/name")
    stars = data.get("stargazers_count")
    if type(stars) is not int or not 0 <= stars <= MAX_STARS:
        raise MalformedRepository("stargazers_count is not a star count")
    html_url = data.get("html_url")
    if not isinstance(html_url, str) or not _is_web_url(html_url):
        raise MalformedRepository("html_url is not an http(s) URL")
    return RepositoryInfo(full_name, stars, html_url, _timestamp(data.get("created_at")))


def _is_web_url(value: str) -> bool:
    if len(value) > 300 or not value.isprintable() or " " in value:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _timestamp(value) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise MalformedRepository("created_at is not a timestamp")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedRepository("created_at is not a timestamp") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class GitHubClient:
    """GET requests to the REST API with GitHub's rate limits honoured: secondary limits are
    waited out and retried here; the primary one is raised as RateLimited for the caller."""

    def __init__(self, session: PoliteSession | None = None, sleep=time.sleep, clock=time.time):
        self.base_url = settings.GITHUB_API_URL
        self.session = session or PoliteSession(
            min_interval=settings.GITHUB_MIN_INTERVAL,
            max_retries=3,
            service="GitHub",
            unavailable=GitHubUnavailable,
            retry_statuses=frozenset({500, 502, 503, 504}),
        )
        self.session.http.headers.update(
            {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        )
        if settings.GITHUB_TOKEN:
            self.session.http.headers["Authorization"] = f"Bearer {settings.GITHUB_TOKEN}"
        self.sleep = sleep
        self.clock = clock
        self.spent_until: float | None = None  # the quota is 0 until then (epoch seconds)

    def repository_url(self, full_name: str) -> str:
        return f"{self.base_url}/repos/{full_name}"

    def is_ours(self, url: str) -> bool:
        """A Location we may follow with our token: the API's own scheme, host and port."""
        ours, theirs = urlsplit(self.base_url), urlsplit(url)
        return (ours.scheme, ours.netloc) == (theirs.scheme, theirs.netloc)

    def get(self, url: str, etag: str = ""):
        if self.spent_until is not None:
            raise RateLimited("GitHub's rate limit is reached", self.spent_until)
        for attempt in range(SECONDARY_RETRIES + 1):
            headers = {"If-None-Match": etag} if etag else None
            response = self.session.get(url, headers=headers, allow_redirects=False)
            reset = _number(response.headers.get("X-RateLimit-Reset"))
            spent = response.headers.get("X-RateLimit-Remaining", "").strip() == "0"
            if not _is_rate_limited(response, spent):
                if spent:  # this answer counts; the next request would be refused
                    self.spent_until = reset if reset is not None else self.clock() + 3600
                return response
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            if retry_after is None and spent:
                self.spent_until = reset if reset is not None else self.clock() + 3600
                raise RateLimited("GitHub's rate limit is reached", self.spent_until)
            wait = retry_after if retry_after is not None else 60.0 * 2**attempt
            if wait > MAX_SECONDARY_WAIT:
                raise RateLimited(
                    f"GitHub's secondary rate limit asks for {wait:.0f} s", self.clock() + wait
                )
            log.warning("GitHub's secondary rate limit: waiting %.0f s (%s)", wait, url)
            self.sleep(wait)
        raise RateLimited("GitHub's secondary rate limit did not lift", None)

    def wait_for_reset(self) -> None:
        """Sleep until the primary limit resets (with `refresh(wait=True)`)."""
        until = self.spent_until if self.spent_until is not None else self.clock() + 60
        seconds = min(max(until - self.clock() + 1, 0), MAX_RESET_WAIT)
        log.info("GitHub's rate limit is reached: waiting %.0f s for its reset", seconds)
        self.sleep(seconds)
        self.spent_until = None


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _is_rate_limited(response, spent: bool) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    return spent or "Retry-After" in response.headers or b"rate limit" in response.content.lower()


@dataclass
class RefreshSummary:
    due: int = 0
    updated: int = 0
    unchanged: int = 0
    renamed: int = 0
    gone: int = 0
    skipped: int = 0
    left: int = 0
    stopped: str = ""

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def line(self) -> str:
        done = self.updated + self.unchanged + self.renamed + self.gone + self.skipped
        text = (
            f"checked {done} of {self.due} repositories: {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.renamed} renamed, {self.gone} gone, "
            f"{self.skipped} skipped"
        )
        if self.stopped:
            text += f"; stopped: {self.stopped}, {self.left} left for the next run"
        return text


def sync_repositories(since_days: int | None = None) -> int:
    """Make PaperRepository say which GitHub repositories the papers' code links name (papers
    published in the last `since_days` days, or all), adding Repository rows for new names and
    mapping renamed names to their new ones. One transaction; re-running it changes nothing.
    Returns how many pairs there are."""
    links = PaperLink.objects.published().filter(
        kind=LinkKind.CODE.value, url__icontains="github.com/"
    )
    current = PaperRepository.objects.all()
    if since_days is not None:
        cutoff = timezone.now() - timedelta(days=since_days)
        links = links.filter(paper__published__gte=cutoff)
        current = current.filter(paper__published__gte=cutoff)
    named: dict[tuple[str, str], str] = {}  # (paper, key) -> the link's spelling
    rows = links.order_by("paper_id", "position").values_list("paper_id", "url")
    for paper_id, url in rows.iterator(chunk_size=5000):
        if full_name := full_name_in(url):
            named.setdefault((paper_id, full_name.lower()), full_name)
    with transaction.atomic():
        ids = dict(Repository.objects.filter(host=HOST).values_list("key", "id"))
        new: dict[str, str] = {}  # key -> the first paper's spelling
        for (_, key), name in named.items():
            if key not in ids:
                new.setdefault(key, name)
        Repository.objects.bulk_create(
            [Repository(host=HOST, key=key, full_name=name) for key, name in new.items()],
            ignore_conflicts=True,
            batch_size=500,
        )
        if new:
            ids = dict(Repository.objects.filter(host=HOST).values_list("key", "id"))
        new_names = dict(
            Repository.objects.filter(host=HOST, state=Repository.State.RENAMED)
            .exclude(renamed_to=None)
            .values_list("id", "renamed_to_id")
        )
        wanted = {(paper_id, new_names.get(ids[key], ids[key])) for paper_id, key in named}
        have = {(p, r): pk for pk, p, r in current.values_list("pk", "paper_id", "repository_id")}
        stale = [pk for pair, pk in have.items() if pair not in wanted]
        for start in range(0, len(stale), _CHUNK):
            PaperRepository.objects.filter(pk__in=stale[start : start + _CHUNK]).delete()
        PaperRepository.objects.bulk_create(
            [PaperRepository(paper_id=p, repository_id=r) for p, r in wanted - have.keys()],
            ignore_conflicts=True,
            batch_size=500,
        )
    return len(wanted)


def due_repositories(since_days: int | None = None) -> list[Repository]:
    """Repositories to ask about now, least recently checked first: linked ones not checked
    today, and gone ones last checked GONE_RECHECK ago (papers link to a renamed one's new
    name, see sync_repositories)."""
    now = timezone.now()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    linked = PaperRepository.objects.all()
    if since_days is not None:
        linked = linked.filter(paper__published__gte=now - timedelta(days=since_days))
    due = Q(state__in=[Repository.State.NEW, Repository.State.OK]) & (
        Q(last_checked__isnull=True) | Q(last_checked__lt=midnight)
    ) | Q(state=Repository.State.GONE, last_checked__lt=now - GONE_RECHECK)
    order = (F("last_checked").asc(nulls_first=True), "id")
    repositories = Repository.objects.filter(due, id__in=linked.values("repository_id"))
    return list(repositories.order_by(*order))


def refresh(
    since_days: int | None = None,
    *,
    wait: bool = False,
    client: GitHubClient | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RefreshSummary:
    """Ask GitHub about every due repository and record what it says (see the module text).
    `progress(done, total)` is called after each one."""
    sync_repositories(since_days)
    due = due_repositories(since_days)
    client = client or GitHubClient()
    summary = RefreshSummary(due=len(due))
    done_ids: set[int] = set()
    for number, repository in enumerate(due):
        if repository.pk in done_ids:  # already answered as another's new name this run
            continue
        while True:
            try:
                outcome = check(client, repository, done_ids)
                break
            except RateLimited as limit:
                if not wait or limit.reset is None:
                    summary.left = len(due) - number
                    reset = (
                        f" (it resets at {datetime.fromtimestamp(limit.reset, UTC):%H:%M} UTC)"
                        if limit.reset is not None
                        else ""
                    )
                    summary.stopped = f"{limit}{reset}"
                    return summary
                client.wait_for_reset()
        summary.add(outcome)
        done_ids.add(repository.pk)
        if progress:
            progress(number + 1, len(due))
    return summary


def check(client: GitHubClient, repository: Repository, done_ids: set[int] | None = None) -> str:
    """Ask GitHub about one repository and write its answer; returns the outcome: updated,
    unchanged, renamed, gone or skipped (an answer we cannot use; asked again tomorrow)."""
    etag = repository.etag if repository.state == Repository.State.OK else ""
    response = client.get(client.repository_url(repository.full_name), etag)
    status = response.status_code
    if status == 304 and repository.stars is not None:
        _record(repository, None, etag)
        return "unchanged"
    if status in (301, 302, 307, 308):
        location = response.headers.get("Location", "")
        if not client.is_ours(location):
            return _skip(repository, f"a redirect to {location[:200]!r} that is not the API's")
        response = client.get(location)
        status = response.status_code
    if status in (404, 410, 451):
        _mark_gone(repository)
        return "gone"
    if status == 401:
        raise GitHubUnavailable("GitHub refused the token (HTTP 401): check the GitHub token")
    if status != 200:
        return _skip(repository, f"HTTP {status}")
    try:
        info = read_repository(response.content)
    except MalformedRepository as error:
        return _skip(repository, str(error))
    etag = response.headers.get("ETag", "")[:200]
    if info.full_name.lower() == repository.key:
        _record(repository, info, etag)
        return "updated"
    target = _rename(repository, info, etag)
    if done_ids is not None:
        done_ids.add(target.pk)
    return "renamed"


def _skip(repository: Repository, why: str) -> str:
    log.warning("skipped %s: %s", repository.full_name, why)
    Repository.objects.filter(pk=repository.pk).update(last_checked=timezone.now())
    return "skipped"


def _mark_gone(repository: Repository) -> None:
    repository.state = Repository.State.GONE
    repository.etag = ""
    repository.last_checked = timezone.now()
    for field in Repository.GAIN_FIELDS.values():
        setattr(repository, field, 0)
    repository.save()


def _record(repository: Repository, info: RepositoryInfo | None, etag: str) -> None:
    with transaction.atomic():
        _store(repository, info, etag)


def _store(repository: Repository, info: RepositoryInfo | None, etag: str) -> None:
    """The repository's row as GitHub just described it, and today's count (an upsert)."""
    now = timezone.now()
    if info is not None:
        repository.full_name = info.full_name
        repository.stars = info.stars
        repository.html_url = info.html_url
        repository.created_at = info.created_at
    repository.state = Repository.State.OK
    repository.renamed_to = None
    repository.etag = etag
    repository.last_checked = now
    StarCount.objects.bulk_create(
        [StarCount(repository=repository, date=now.date(), stars=repository.stars)],
        update_conflicts=True,
        unique_fields=["repository", "date"],
        update_fields=["stars"],
    )
    for days, gained in star_gains(repository, now.date()).items():
        setattr(repository, Repository.GAIN_FIELDS[days], gained)
    repository.save()


def star_gains(repository: Repository, today: date) -> dict[int, int]:
    """Stars gained over each window of Repository.GAIN_FIELDS (days) ending `today`:
    - now: the count of `today`;
    - baseline: the newest count dated on or before today - days; without one (first seen
      inside the window), 0 if GitHub says the repository was created inside the window
      (every star it has was gained in it), else the oldest count inside the window;
    - gained = now - baseline."""
    longest = max(Repository.GAIN_FIELDS)
    counts = StarCount.objects.filter(repository=repository)
    recent = list(
        counts.filter(date__gt=today - timedelta(days=longest), date__lte=today)
        .order_by("date")
        .values_list("date", "stars")
    )
    if not recent or recent[-1][0] != today:
        return dict.fromkeys(Repository.GAIN_FIELDS, 0)
    before = counts.filter(date__lte=today - timedelta(days=longest)).order_by("-date")
    history = list(before.values_list("date", "stars")[:1]) + recent
    now = recent[-1][1]
    created = repository.created_at.date() if repository.created_at else None
    gains = {}
    for days in Repository.GAIN_FIELDS:
        start = today - timedelta(days=days)
        baselines = [stars for day, stars in history if day <= start]
        if baselines:
            baseline = baselines[-1]
        elif created is not None and created > start:
            baseline = 0
        else:
            baseline = next(stars for day, stars in history if day > start)
        gains[days] = now - baseline
    return gains


def _rename(old: Repository, info: RepositoryInfo, etag: str) -> Repository:
    """`old` now answers as `info.full_name`: that name's row gets the stars, old's count
    history and old's papers; old (and every name that already pointed at old) points at it."""
    with transaction.atomic():
        target, _ = Repository.objects.get_or_create(
            host=old.host, key=info.full_name.lower(), defaults={"full_name": info.full_name}
        )
        taken = StarCount.objects.filter(repository=target).values("date")
        StarCount.objects.filter(repository=old).exclude(date__in=taken).update(repository=target)
        StarCount.objects.filter(repository=old).delete()
        _store(target, info, etag)
        Repository.objects.filter(renamed_to=old).update(renamed_to=target)
        papers = PaperRepository.objects.filter(repository=target).values("paper_id")
        PaperRepository.objects.filter(repository=old, paper_id__in=papers).delete()
        PaperRepository.objects.filter(repository=old).update(repository=target)
        old.state = Repository.State.RENAMED
        old.renamed_to = target
        old.etag = ""
        old.last_checked = timezone.now()
        for field in Repository.GAIN_FIELDS.values():
            setattr(old, field, 0)
        old.save()
    log.info("%s is now %s", old.full_name, target.full_name)
    return target
