"""What `make run` does: the site is never empty, online or offline."""

import hashlib
import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from conftest import atom
from django.contrib.auth.models import User
from django.core.management import call_command

from dailypapers.feed import services
from dailypapers.feed.models import DailyEntry
from dailypapers.papers.models import Paper
from dailypapers.papers.records import build_record
from dailypapers.papers.store import upsert_papers

pytestmark = pytest.mark.django_db
# The seeded lists of the bundled sample, ids and votes: the same on every install.
SAMPLE_LISTS_SHA256 = "8afa6583726f3ad7"


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
    assert "imported 1000 new, 0 updated, 0 unchanged, 0 rejected" in out
    assert "Put 90 recent papers on the last few days' lists." in out
    assert "votes are sample data" in out
    page = client.get("/")
    assert page.status_code == 200
    assert page.content.count(b'<article class="card') == 18
    assert b'rel="prev"' in page.content


def test_the_sample_reads_like_arxiv_and_its_days_like_real_days(fast_arxiv):
    """Every field of arXiv, not one search; each day a spread of fields and a long tail of
    votes from accounts that cannot log in; the same lists on every install."""
    fast_arxiv.ARXIV_MAX_RETRIES = 0
    fast_arxiv.ARXIV_API_URL = "http://127.0.0.1:9/api/query"
    bootstrap()
    assert Paper.objects.values("primary_category").distinct().count() >= 100
    days = DailyEntry.objects.values_list("day", flat=True).distinct()
    assert len(days) == 5
    for day in days:
        entries = DailyEntry.objects.filter(day=day).select_related("paper")
        upvotes = sorted((e.upvotes for e in entries), reverse=True)
        assert 12 <= len(upvotes) <= 30
        assert len({e.paper.primary_category for e in entries}) >= 8
        assert upvotes[0] >= 20 and upvotes[len(upvotes) // 2] <= 10 and upvotes[-1] <= 3
    readers = User.objects.filter(username__startswith="sample-reader-")
    assert readers.exists() and not readers.filter(is_active=True).exists()
    assert not any(reader.has_usable_password() for reader in readers)
    assert services.recount_all() == 0  # the counts are real Vote rows
    lists = DailyEntry.objects.order_by("-day", "-upvotes", "paper_id")
    listed = json.dumps(list(lists.values_list("paper_id", "upvotes"))).encode()
    assert hashlib.sha256(listed).hexdigest()[:16] == SAMPLE_LISTS_SHA256


def test_offline_with_papers_already_serves_them(fast_arxiv):
    fast_arxiv.ARXIV_MAX_RETRIES = 0
    fast_arxiv.ARXIV_API_URL = "http://127.0.0.1:9/api/query"
    bootstrap()
    out = bootstrap()
    assert "Serving the papers already in the database" in out
    assert "Put the" not in out  # lists are seeded once
    assert Paper.objects.count() == 1000


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
