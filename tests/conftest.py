from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"
ATOM = FIXTURES / "api_atom"
OAI = FIXTURES / "oai_pmh"
SNAPSHOT_200 = FIXTURES / "kaggle_jsonl" / "wanng-ide_arxiv-metadata-oai-snapshot_head200.jsonl"
DERIVED_1000 = FIXTURES / "derived_api_json" / "nithinans_arxiv_data_e87ddca.json"


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
