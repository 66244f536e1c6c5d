import json
import os
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings as hypothesis_settings

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"
ATOM = FIXTURES / "api_atom"
OAI = FIXTURES / "oai_pmh"
SNAPSHOT_200 = FIXTURES / "kaggle_jsonl" / "wanng-ide_arxiv-metadata-oai-snapshot_head200.jsonl"
DERIVED_1000 = FIXTURES / "derived_api_json" / "nithinans_arxiv_data_e87ddca.json"
# A test that drives a real browser or a `serve --prod` install is a system test (`make
# test-fast` skips them), whichever module it is in: new modules forgot the marker, and these
# tests were a quarter of the fast tier's time.
SYSTEM_FIXTURES = {"browser", "chromium", "deployment"}
# Fuzzing depth. `make test` (CI) runs every property with the examples its test asks for, as
# examples(n); `make test-fast` loads this profile (`--hypothesis-profile=fast`), which scales
# them to a quarter: the same strategies, so the same input space, sampled more thinly. Failures
# either finds are saved in .hypothesis/ and replayed first by both.
hypothesis_settings.register_profile("fast", max_examples=25)


def examples(n: int) -> int:
    """n examples under Hypothesis's default profile, scaled like max_examples by the loaded
    one (test modules are imported after `--hypothesis-profile` is applied); never below 10."""
    full = hypothesis_settings.get_profile("default").max_examples
    return max(min(n, 10), n * hypothesis_settings.default.max_examples // full)


def _drives_a_browser(item) -> bool:
    """Whether the test's module imports Playwright (so drives Chromium), whatever its fixtures."""
    module = getattr(item, "module", None)
    origins = (
        value.__name__ if isinstance(value, ModuleType) else str(getattr(value, "__module__", ""))
        for value in (vars(module).values() if module else ())
    )
    return any(origin.partition(".")[0] == "playwright" for origin in origins)


def pytest_collection_modifyitems(items):
    for item in items:
        fixtures = SYSTEM_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if fixtures or _drives_a_browser(item):
            item.add_marker(pytest.mark.system)


@pytest.fixture(autouse=True, scope="session")
def quick_password_hashing():
    """Django's fast test hasher in this process: PBKDF2's million rounds cost 0.26 s of CPU per
    make_user() or log-in, hundreds of times a run. Servers started as their own processes
    (the system tests' `serve --prod`, `deployment`) keep Django's default, PBKDF2."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def fast_arxiv(settings):
    """No spacing between requests and quick retries, so HTTP tests run in milliseconds."""
    settings.ARXIV_MIN_INTERVAL = 0
    settings.ARXIV_MAX_RETRIES = 2
    settings.ARXIV_TIMEOUT = 5
    return settings


class SleepRecorder:
    """Stands in for time.sleep so tests can assert on waits without spending them."""

    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps():
    return SleepRecorder()


@pytest.fixture(autouse=True)
def fresh_request_clock():
    """Request spacing is per process; each test starts as if no request had been made."""
    from dailypapers.papers.arxiv_client import PoliteSession

    PoliteSession._last_request = float("-inf")
    yield
    PoliteSession._last_request = float("-inf")


@pytest.fixture
def arxiv_api(httpserver, fast_arxiv):
    """The local HTTP server standing in for export.arxiv.org/api/query."""
    fast_arxiv.ARXIV_API_URL = httpserver.url_for("/api/query")
    return httpserver


@pytest.fixture
def arxiv_oai(httpserver, fast_arxiv):
    """The local HTTP server standing in for the arXiv OAI-PMH endpoint."""
    fast_arxiv.ARXIV_OAI_URL = httpserver.url_for("/oai")
    return httpserver


def atom(name: str) -> bytes:
    return (ATOM / name).read_bytes()


def oai(name: str) -> bytes:
    return (OAI / name).read_bytes()


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where browser tests save the README's screenshots: docs/screenshots/ only when
    DAILYPAPERS_UPDATE_SCREENSHOTS=1, so an ordinary run leaves tracked files alone."""
    if os.environ.get("DAILYPAPERS_UPDATE_SCREENSHOTS") == "1":
        folder = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    else:
        folder = tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def make_paper(db):
    """Store a paper: make_paper("2401.00001", title=..., abstract=...)."""
    from dailypapers.papers.models import Paper
    from dailypapers.papers.records import build_record
    from dailypapers.papers.store import upsert_papers

    def make(arxiv_id: str, **fields) -> Paper:
        values = {
            "arxiv_id": arxiv_id,
            "version": 1,
            "title": f"Paper {arxiv_id}",
            "abstract": f"Abstract of {arxiv_id}.",
            "authors": ["Ada Lovelace", "Alan Turing"],
            "categories": ["cs.LG"],
            "primary_category": None,
            "published": datetime(2026, 11, 20, tzinfo=UTC),
            "updated": None,
            **fields,
        }
        upsert_papers([build_record(**values)])
        return Paper.objects.get(pk=arxiv_id)

    return make


@pytest.fixture
def make_user(db):
    from django.contrib.auth.models import User

    def make(username: str = "reader", password: str = "correct horse battery", curator=False):
        user = User.objects.create_user(username, f"{username}@example.org", password)
        if curator:
            from dailypapers.accounts.roles import make_curator

            make_curator(user)
        return user

    return make


@pytest.fixture
def list_paper():
    """Put a stored paper on a day's list directly: list_paper(paper, day, by=user)."""
    from datetime import time

    from dailypapers.feed.hotness import hotness
    from dailypapers.feed.models import DailyEntry

    def put(paper, day, by=None, minute=0):
        submitted_at = datetime.combine(day, time(12, minute), tzinfo=UTC)
        return DailyEntry.objects.create(
            paper=paper,
            day=day,
            submitted_by=by,
            submitted_at=submitted_at,
            hotness=hotness(0, submitted_at),
        )

    return put


class StoppedClock:
    """Stands in for the time module where only time.time() is read."""

    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def rate_limit_clock(monkeypatch):
    """The rate limiter's windows follow the clock (every minute, hour, day): a test whose hits
    straddled a boundary started on a fresh count and flaked under load. Here its clock stands
    still in the middle of every window, 12:30:30 UTC; a test moves it with `.now += seconds`."""
    clock = StoppedClock(datetime(2026, 11, 20, 12, 30, 30, tzinfo=UTC).timestamp())
    monkeypatch.setattr("dailypapers.accounts.ratelimit.time", clock)
    return clock


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Test databases roll back, so generations repeat: never let a page cached by one
    test answer another."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def no_cards_kept():
    """Each test starts with no papers' text (feed.listing._texts) and no lists' drawings
    (feed.cards._lists) kept, so what a list's first view reads and draws does not depend on
    which tests ran before in this process."""
    from dailypapers.feed import cards, listing

    listing._texts.clear()
    cards._lists.clear()


@pytest.fixture(autouse=True)
def no_first_index_on_import():
    """In-process imports build no first search index (it would land in var/search and cost
    seconds a test); test_search.py checks that behaviour through subprocesses."""
    from dailypapers.papers.signals import import_finished
    from dailypapers.search.indexer import on_import_finished

    import_finished.disconnect(dispatch_uid="search-first-index")
    yield
    import_finished.connect(on_import_finished, dispatch_uid="search-first-index")


@pytest.fixture
def reader(client, make_user):
    """A signed-in user on the test client."""
    user = make_user("reader")
    client.force_login(user)
    return user


@pytest.fixture(autouse=True)
def own_files(settings, tmp_path):
    """Each test has its own empty search-index and media folders. They used to be the
    checkout's var/: a test that ran `reindex` in-process left an index there, and every later
    run (CI runs SQLite then PostgreSQL in one clone) saw similar papers on the paper page and
    one more query than a fresh clone does."""
    from dailypapers.search import index

    settings.SEARCH_INDEX_DIR = tmp_path / "search"
    settings.MEDIA_ROOT = tmp_path / "media"
    index.open_index.forget()
    yield
    index.open_index.forget()


@pytest.fixture
def search_index(settings):
    """This test's empty search-index folder (own_files); build it with reindex()."""
    return settings.SEARCH_INDEX_DIR


class SmtpCollector:
    """An aiosmtpd handler that keeps every message and can refuse or slow down on request."""

    def __init__(self):
        self.messages = []
        self.refuse: dict[str, str] = {}  # address -> SMTP reply, e.g. "550 no such user"
        self.fail_next_data: list[str] = []  # replies for the next DATA commands
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio
        import email
        from email import policy

        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_next_data:
            return self.fail_next_data.pop(0)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; Django's SMTP backend sends to it."""
    from aiosmtpd.controller import Controller

    from dailypapers.site.serving import free_port

    collector = SmtpCollector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.BASE_URL = "https://papers.example.org"
    collector.port = port
    yield collector
    controller.stop()


@pytest.fixture
def hub(live_server):
    """huggingface_hub's own client against the live server. Its shared HTTP client keeps
    connections alive, and the live server answers each on a thread that holds a database
    connection until the client hangs up: closed after the test, or that thread outlives the
    test database (PostgreSQL refuses to drop it: "being accessed by other users"; SQLite's
    shared in-memory connection is then closed from a foreign thread, a traceback at exit)."""
    from huggingface_hub import HfApi, close_session

    yield HfApi(endpoint=live_server.url, token=False)
    close_session()


@pytest.fixture
def deployment(tmp_path):
    """Factory of standalone installs (own home, fresh database on the backend under test)."""
    from deployment import Deployment

    made = []

    def make(name: str = "site") -> Deployment:
        made.append(Deployment.create(tmp_path / name))
        return made[-1]

    yield make
    for each in made:
        each.destroy()


@pytest.fixture
def fusion_table(tmp_path, monkeypatch):
    """Search with a fusion table of the test's own: call it with the table's rows (model
    name -> row); it returns the file's path. The cached table is dropped before and after."""
    from dailypapers.search import fusion

    path = tmp_path / "fusion_weights.json"

    def use(rows: dict) -> Path:
        path.write_text(json.dumps(rows))
        monkeypatch.setattr(fusion, "TABLE", path)
        fusion.table.cache_clear()
        return path

    yield use
    fusion.table.cache_clear()
