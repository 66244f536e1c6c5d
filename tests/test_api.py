"""The JSON API: shapes that HF clients expect, errors, paging, and no 500 for any input."""

from datetime import UTC, date, datetime

import pytest
import schemathesis
from conftest import examples
from django.core import signals
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings

from dailypapers.api.hf_shapes import items_for_entries
from dailypapers.feed import services
from dailypapers.search.indexer import rebuild
from dailypapers.wsgi import application

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 20)


@pytest.fixture
def listed(make_paper, make_user, list_paper, search_index):
    """Three papers on DAY's list and one older paper; no search index (see `searchable`)."""
    papers = [
        make_paper(
            f"2611.0000{i}",
            title=f"Paper number {i} on graphs",
            published=datetime(2026, 11, 19, tzinfo=UTC),
        )
        for i in range(3)
    ]
    old = make_paper("hep-th/9901001", title="Old style strings")
    for i, paper in enumerate(papers):
        list_paper(paper, DAY, by=make_user(f"user{i}"), minute=i)
    services.set_vote(make_user("fan"), papers[2], True)
    services.add_comment(make_user("critic"), papers[2], "Nice.")
    return papers, old


@pytest.fixture
def searchable(listed):
    """`listed`, with its search index built: only the tests that search pay for it."""
    rebuild()
    return listed


def test_daily_papers_has_hf_field_names_and_paging(client, listed):
    response = client.get("/api/daily_papers", {"date": "2026-11-20", "limit": 2})
    assert response.status_code == 200
    first, second = response.json()
    assert first["paper"]["id"] == "2611.00002" and first["paper"]["upvotes"] == 1
    assert first["numComments"] == 1 and first["submittedBy"]["user"] == "user2"
    assert first["paper"]["submittedOnDailyBy"]["name"] == "user2"
    assert first["publishedAt"] == "2026-11-20T12:02:00.000Z"
    assert first["paper"]["submittedOnDailyAt"] == "2026-11-20T00:00:00.000Z"
    assert first["paper"]["publishedAt"] == "2026-11-19T00:00:00.000Z"
    assert first["paper"]["authors"][0] == {
        "_id": "2611.00002:0",
        "name": "Ada Lovelace",
        "hidden": False,
    }
    link = response["Link"]
    assert link.endswith('>; rel="next"') and "p=1" in link
    rest = client.get("/api/daily_papers", {"date": "2026-11-20", "limit": 2, "p": 1})
    assert len(rest.json()) == 1 and "Link" not in rest
    assert client.get("/api/daily_papers", {"week": "2026-W47"}).json()
    assert client.get("/api/daily_papers", {"month": "2026-11"}).json()


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/daily_papers?limit=0", 422, "invalid"),
        ("/api/daily_papers?limit=101", 422, "invalid"),
        ("/api/daily_papers?week=2026-W99", 404, "no_such_period"),
        ("/api/daily_papers?week=soon", 422, "invalid"),
        ("/api/daily_papers?date=not-a-date", 422, "invalid"),
        ("/api/papers/2611.99999", 404, "not_found"),
        ("/api/papers/not-an-id", 404, "not_found"),
        ("/api/trending?period=year", 422, "invalid"),
        ("/api/papers/search?q=x&limit=121", 422, "invalid"),
        ("/api/daily_papers?sort=votes", 422, "invalid"),
        ("/api/daily_papers?submitter=a%00b", 422, "invalid"),
        ("/api/papers?cursor=bm9wZQ", 404, "no_such_page"),
        ("/api/papers?cursor=MjAyNi0xMS0yMFQwMDowMDowMCswMDowMHxhAGI", 404, "no_such_page"),
        ("/api/papers?limit=101", 422, "invalid"),
    ],
)
def test_errors_share_one_shape(client, listed, url, status, code):
    response = client.get(url)
    assert response.status_code == status
    body = response.json()["error"]
    assert body["status"] == status and body["code"] == code and body["message"]


def test_paper_comments_similar_search_and_trending(client, searchable):
    assert client.get("/api/papers/hep-th/9901001").json()["title"] == "Old style strings"
    assert client.get("/api/papers/2611.00002v1").json()["id"] == "2611.00002"
    (comment,) = client.get("/api/papers/2611.00002/comments").json()
    assert comment["author"] == "critic" and comment["body"] == "Nice."
    assert comment["bodyHtml"] == "<p>Nice.</p>\n"
    similar = client.get("/api/papers/2611.00002/similar").json()
    assert similar and "2611.00002" not in {p["id"] for p in similar}
    hits = client.get("/api/papers/search", {"q": "graphs", "limit": 2}).json()
    assert len(hits) == 2 and hits[0]["paper"]["id"].startswith("2611.")
    assert client.get("/api/papers/search", {"q": "hep-th/9901001"}).json()[0]["paper"]["id"] == (
        "hep-th/9901001"
    )
    assert client.get("/api/trending", {"period": "month"}).status_code == 200


def test_openapi_schema_and_docs(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/daily_papers" in schema["paths"] and "/api/papers/search" in schema["paths"]
    assert {"/api/papers", "/api/papers/{arxiv_id}", "/api/papers/{arxiv_id}/comments"} <= set(
        schema["paths"]
    )
    daily = {p["name"] for p in schema["paths"]["/api/daily_papers"]["get"]["parameters"]}
    assert daily == {"date", "week", "month", "submitter", "sort", "p", "limit"}
    shapes = schema["components"]["schemas"]
    assert {"_id", "name", "hidden", "user", "status", "statusLastChangedAt"} == set(
        shapes["HfAuthor"]["properties"]
    )
    assert shapes["HfPaper"]["properties"]["publishedAt"]["format"] == "date-time"
    assert client.get("/api/docs").status_code == 200


@pytest.fixture
def served_schema(make_paper, list_paper, search_index, settings):
    """Our own OpenAPI schema, loaded through the WSGI app once the test database exists."""
    # 25 cases for each of the operations outrun the per-address limit; it is not under test.
    settings.API_RATE_PER_IP = settings.API_RATE_PER_TOKEN = 100_000
    paper = make_paper("2611.00001", title="Fuzzing target")
    list_paper(paper, DAY)
    rebuild()
    # As Django's test client does: a raw WSGI call must not close the test's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_no_input_produces_a_500(served_schema):
    """Schemathesis generates inputs for every operation of our own OpenAPI schema."""
    operations = [result.ok() for result in served_schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples(25),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        def check(case):
            response = case.call(headers={"Host": "127.0.0.1"})
            assert response.status_code < 500, f"{case.path}: {response.text[:500]}"
            case.validate_response(response)

        check()


def test_items_cost_the_same_queries_whatever_their_count(make_paper, list_paper, make_user):
    def listed(n: int) -> int:
        entries = [
            list_paper(
                make_paper(f"2611.1{n}{i:03d}"), date(2026, 11, n), by=make_user(f"u{n}-{i}")
            )
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as queries:
            assert len(items_for_entries([e.pk for e in entries])) == n
        return len(queries)

    # Entries with their papers and submitters in one join; their thumbnails in one more; the
    # verified authorship claims in one more; their published links in one more; their LLM
    # summaries in another.
    assert listed(2) == listed(9) == 5
