"""What `make run` does: the site is never empty, online or offline."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from conftest import atom
from django.core.management import call_command

from dailypapers.papers.models import Paper
from dailypapers.papers.records import build_record
from dailypapers.papers.store import upsert_papers

pytestmark = pytest.mark.django_db


def bootstrap() -> str:
    out = StringIO()
    call_command("bootstrap", stdout=out)
    return out.getvalue()


def test_offline_first_run_loads_the_bundled_sample_and_the_page_lists_it(fast_arxiv, client):
    fast_arxiv.ARXIV_MAX_RETRIES = 0
    fast_arxiv.ARXIV_API_URL = "http://127.0.0.1:9/api/query"  # discard port: nothing listens
    out = bootstrap()
    assert "arXiv is not reachable" in out
    assert "Loading the bundled sample" in out
    assert "imported 990 new" in out
    assert "Put the 60 newest papers on the last few days' lists." in out
    page = client.get("/")
    assert page.status_code == 200
    newest = Paper.objects.first()
    assert newest.title.encode() in page.content
    assert page.content.count(b'<article class="card') == 12
    assert b'rel="prev"' in page.content


def test_offline_with_papers_already_serves_them(fast_arxiv):
    fast_arxiv.ARXIV_MAX_RETRIES = 0
    fast_arxiv.ARXIV_API_URL = "http://127.0.0.1:9/api/query"
    bootstrap()
    out = bootstrap()
    assert "Serving the papers already in the database" in out
    assert "Put the" not in out  # lists are seeded once
    assert Paper.objects.count() == 990


def test_online_first_run_fetches_recent_cs_papers(arxiv_api):
    arxiv_api.expect_request("/api/query").respond_with_data(
        atom("q_testing_s0_m100_cfe7536492ca.xml")
    )
    out = bootstrap()
    assert "imported 100 new" in out
    query = arxiv_api.log[0][0].args
    assert query["search_query"].startswith("(cat:cs.*) AND submittedDate:[")
    assert query["sortBy"] == "submittedDate"


def test_empty_site_says_how_to_add_papers(client):
    page = client.get("/")
    assert b"Nobody has put a paper on a list yet" in page.content


def test_titles_are_escaped(client):
    upsert_papers(
        [
            build_record(
                arxiv_id="2401.00001",
                version=1,
                title="<script>alert(1)</script> & more",
                abstract="",
                authors=["A"],
                categories=["cs.CR"],
                primary_category=None,
                published=datetime(2024, 1, 1, tzinfo=UTC),
                updated=None,
            )
        ]
    )
    page = client.get("/papers/2401.00001")
    assert b"<script>alert(1)" not in page.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page.content
