"""RSS/Atom feeds (parsed by feedparser, conditional GETs) and BibTeX."""

from datetime import UTC, date, datetime

import feedparser
import pytest

from dailypapers.feed import services
from dailypapers.papers.bibtex import entries, entry, escape_latex
from dailypapers.search.indexer import rebuild

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 20)


@pytest.fixture
def day_list(make_paper, make_user, list_paper, search_index):
    hot = make_paper(
        "2611.00001",
        title="Fast & accurate 100% solutions for $O(n^2)$ problems_with #tags",
        authors=["Ada Lovelace", "Kurt Gödel"],
        categories=["cs.DS"],
        doi="10.1000/xyz",
        published=datetime(2026, 11, 19, tzinfo=UTC),
    )
    cold = make_paper("2611.00002", title="A quieter paper about graphs")
    list_paper(cold, DAY)
    list_paper(hot, DAY, minute=5)
    services.set_vote(make_user(), hot, True)
    rebuild()
    return hot, cold


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/daily.rss",
        "/feeds/daily.atom",
        "/feeds/daily.rss?date=2026-11-20",
        "/feeds/trending.rss?window=month",
        "/feeds/trending.atom",
        "/search/feed?q=graphs",
        "/search/feed?q=graphs&format=atom",
    ],
)
def test_feeds_parse_cleanly(client, day_list, url):
    response = client.get(url)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.entries or "trending" in url


def test_daily_feed_order_and_stable_guids(client, day_list, settings):
    settings.BASE_URL = "https://papers.example.org"
    parsed = feedparser.parse(client.get("/feeds/daily.rss").content)
    assert [e.title.startswith("Fast") for e in parsed.entries] == [True, False]
    guids = [e.id for e in parsed.entries]
    assert guids[0] == "https://papers.example.org/papers/2611.00001"
    assert guids == [e.id for e in feedparser.parse(client.get("/feeds/daily.rss").content).entries]


def test_feeds_answer_304_when_unchanged(client, day_list):
    first = client.get("/feeds/daily.atom")
    assert first["ETag"] and first["Last-Modified"]
    again = client.get("/feeds/daily.atom", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    since = client.get("/feeds/daily.atom", headers={"If-Modified-Since": first["Last-Modified"]})
    assert since.status_code == 304


def test_pages_advertise_their_feeds(client, day_list):
    home = client.get("/").content.decode()
    assert 'rel="alternate" type="application/rss+xml"' in home and "/feeds/daily.atom" in home
    assert "/feeds/trending.rss?window=week" in client.get("/trending").content.decode()
    assert "/search/feed?q=graphs" in client.get("/search", {"q": "graphs"}).content.decode()


def test_bad_feed_date_is_404(client):
    assert client.get("/feeds/daily.rss?date=nope").status_code == 404


def test_latex_specials_are_escaped_outside_math():
    assert escape_latex("A & B 100% #1 a_b {x} $O(n^2)$ ~") == (
        r"A \& B 100\% \#1 a\_b \textbraceleft{}x\textbraceright{} $O(n^2)$ \textasciitilde{}"
    )


def test_paper_bibtex_in_arxiv_style(client, day_list):
    text = client.get("/papers/2611.00001/bibtex").content.decode()
    assert text.startswith("@misc{lovelace2026fast,")
    for line in (
        r"title = {{Fast \& accurate 100\% solutions for $O(n^2)$ problems\_with \#tags}}",
        "author = {Ada Lovelace and Kurt Gödel}",
        "year = {2026}",
        "eprint = {2611.00001}",
        "archivePrefix = {arXiv}",
        "primaryClass = {cs.DS}",
        "doi = {10.1000/xyz}",
    ):
        assert line in text
    page = client.get("/papers/2611.00001").content.decode()
    assert 'data-copy="bibtex"' in page and "@misc{lovelace2026fast," in page


def test_day_and_search_bibtex(client, day_list):
    day = client.get("/papers/date/2026-11-20/bibtex").content.decode()
    assert day.count("@misc{") == 2 and day.index("2611.00001") < day.index("2611.00002")
    search = client.get("/search/bibtex", {"q": "graphs"}).content.decode()
    assert "eprint = {2611.00002}" in search


def test_duplicate_keys_get_suffixes(make_paper):
    first = make_paper("2611.00003", title="Graphs everywhere", authors=["Ada Lovelace"])
    second = make_paper("2611.00004", title="Graphs everywhere again", authors=["Ada Lovelace"])
    text = entries([first, second])
    assert "@misc{lovelace2026graphs," in text and "@misc{lovelace2026graphsa," in text
    assert entry(first).count("@misc") == 1
