"""The API client against a real local HTTP server replaying recorded arXiv responses."""

import time
from io import StringIO

import pytest
from conftest import atom
from django.core.management import CommandError, call_command
from werkzeug import Response

from dailypapers.papers.arxiv_client import (
    ArxivApi,
    ArxivApiError,
    ArxivUnavailable,
    PoliteSession,
)
from dailypapers.papers.models import Paper

pytestmark = pytest.mark.django_db
ATOM_TYPE = "application/atom+xml"


def fetch(*ids) -> str:
    out = StringIO()
    call_command("fetch", *ids, stdout=out, stderr=out)
    return out.getvalue()


def test_fetch_by_url_imports_the_paper(arxiv_api):
    arxiv_api.expect_request(
        "/api/query", query_string={"id_list": "1707.08567", "max_results": "1"}
    ).respond_with_data(atom("id_1707.08567_s0_m100_6a1afebfc6a3.xml"), content_type=ATOM_TYPE)
    assert "imported 1 new" in fetch("https://arxiv.org/abs/1707.08567")
    assert Paper.objects.get().title.startswith("Proceedings of Workshop AEW10")


def test_old_style_and_versioned_ids_are_sent_as_arxiv_expects(arxiv_api):
    arxiv_api.expect_request(
        "/api/query", query_string={"id_list": "quant-ph/0201082v1", "max_results": "1"}
    ).respond_with_data(atom("id_quant-ph_0201082v1_s0_m100_86989fe779ef.xml"))
    fetch("https://arxiv.org/pdf/quant-ph/0201082v1")
    assert Paper.objects.get().arxiv_id == "quant-ph/0201082"


def test_error_entry_becomes_a_clear_error_naming_the_id(arxiv_api):
    arxiv_api.expect_request("/api/query").respond_with_data(
        atom("id_abc_s0_m100_b79c8dcf6bc3.xml"), status=400, content_type=ATOM_TYPE
    )
    with pytest.raises(CommandError, match=r"incorrect id format for abc \(ids: 2401\.99999\)"):
        fetch("2401.99999")
    assert Paper.objects.count() == 0


def test_an_invalid_id_is_refused_before_any_request(arxiv_api):
    with pytest.raises(CommandError, match="'abc' is not an arXiv id: expected"):
        fetch("2401.01234", "abc")
    assert arxiv_api.log == []


def test_empty_result_names_the_missing_paper(arxiv_api):
    arxiv_api.expect_request("/api/query").respond_with_data(
        atom("id_0808.05394_s0_m100_7b0c7d0a7cdd.xml")
    )
    with pytest.raises(CommandError, match="1 of the requested papers were not found"):
        call_command("fetch", "2401.99999", stdout=StringIO(), stderr=(err := StringIO()))
    assert "arXiv has no paper 2401.99999" in err.getvalue()


def test_search_follows_pages_until_the_cap(arxiv_api, settings):
    settings.ARXIV_PAGE_SIZE = 10
    settings.ARXIV_MAX_PAGES = 3
    for start, name in [
        (0, "q_testing_s0_m10_bc5a6c384fe9.xml"),
        (10, "q_testing_s10_m10_34e56e15aaac.xml"),
        (20, "q_testing_s20_m10_348a237fecab.xml"),
    ]:
        arxiv_api.expect_request(
            "/api/query",
            query_string={"search_query": "testing", "start": str(start), "max_results": "10"},
        ).respond_with_data(atom(name))
    found = list(ArxivApi().search("testing"))
    assert len(found) == 30
    assert len(arxiv_api.log) == 3  # totalResults is 214881: the cap stopped it


def test_503_with_retry_after_is_honoured_then_succeeds(arxiv_api, sleeps):
    body = atom("id_1707.08567_s0_m100_6a1afebfc6a3.xml")
    arxiv_api.expect_ordered_request("/api/query").respond_with_data(
        "<html><body><h1>Retry after 10 seconds</h1></body></html>",
        status=503,
        headers={"Retry-After": "10"},
    )
    arxiv_api.expect_ordered_request("/api/query").respond_with_data(body)
    session = PoliteSession(sleep=sleeps)
    assert session.get(arxiv_api.url_for("/api/query"), {}).status_code == 200
    assert sleeps.calls == [10.0]


def test_backoff_is_exponential_and_gives_up_with_a_clear_error(arxiv_api, sleeps):
    arxiv_api.expect_request("/api/query").respond_with_data("busy", status=502)
    session = PoliteSession(sleep=sleeps, max_retries=3)
    with pytest.raises(ArxivUnavailable, match=r"HTTP 502, 4 tries"):
        session.get(arxiv_api.url_for("/api/query"), {})
    assert sleeps.calls == [2.0, 4.0, 8.0]
    assert len(arxiv_api.log) == 4


def test_timeouts_are_retried(arxiv_api, sleeps):
    def slow(request):
        time.sleep(0.6)
        return Response("late")

    arxiv_api.expect_request("/api/query").respond_with_handler(slow)
    session = PoliteSession(sleep=sleeps, max_retries=1, timeout=0.2)
    with pytest.raises(ArxivUnavailable, match="Timeout"):
        session.get(arxiv_api.url_for("/api/query"), {})
    assert sleeps.calls == [2.0]


def test_requests_are_spaced_three_seconds_apart_per_process(arxiv_api, settings):
    settings.ARXIV_MIN_INTERVAL = 3
    now = [100.0]
    waits = []

    def sleep(seconds):
        waits.append(round(seconds, 6))
        now[0] += seconds

    arxiv_api.expect_request("/api/query").respond_with_data(
        atom("id_0000.0000_s0_m100_8b51d9633a68.xml")
    )
    first, second = (PoliteSession(sleep=sleep, clock=lambda: now[0]) for _ in range(2))
    url = arxiv_api.url_for("/api/query")
    first.get(url, {})
    now[0] += 1.0  # one second passes
    second.get(url, {})  # another session in the same process still waits its turn
    first.get(url, {})
    assert waits == [2.0, 3.0]


def test_user_agent_names_the_software_and_a_contact(arxiv_api, settings):
    settings.ARXIV_CONTACT = "papers@lab.example"
    arxiv_api.expect_request("/api/query").respond_with_data(
        atom("id_0000.0000_s0_m100_8b51d9633a68.xml")
    )
    PoliteSession().get(arxiv_api.url_for("/api/query"), {})
    agent = arxiv_api.log[0][0].headers["User-Agent"]
    assert agent.startswith("dailypapers/") and "mailto:papers@lab.example" in agent


def test_one_connection_is_reused(arxiv_api):
    session = PoliteSession()
    adapter = session.http.get_adapter(arxiv_api.url_for("/"))
    assert adapter._pool_maxsize == 1


def test_unreachable_arxiv_is_a_clear_error_and_changes_nothing(fast_arxiv):
    fast_arxiv.ARXIV_MAX_RETRIES = 0
    with socket_closed_port() as port:
        fast_arxiv.ARXIV_API_URL = f"http://127.0.0.1:{port}/api/query"
        with pytest.raises(CommandError, match="arXiv is not reachable"):
            fetch("2401.01234")
    assert Paper.objects.count() == 0


def test_api_error_without_atom_body(arxiv_api):
    arxiv_api.expect_request("/api/query").respond_with_data("Not Found", status=404)
    with pytest.raises(ArxivApiError, match="HTTP 404"):
        ArxivApi().page(id_list="2401.01234")


class socket_closed_port:
    """A port on loopback that nothing listens on."""

    def __enter__(self) -> int:
        import socket

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        return self.port

    def __exit__(self, *exc):
        return False
