"""Feed validators: ETag and Last-Modified move exactly when a feed's content changes (votes that
reorder it, submissions, hides, edits), alone and together, and HEAD answers like GET."""

from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

import pytest
from django.utils.http import parse_http_date

from dailypapers.feed import services
from dailypapers.feed.models import FeedVersion
from dailypapers.papers.models import Paper
from dailypapers.search.indexer import rebuild

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 20)
DAILY = ["/feeds/daily.rss", "/feeds/daily.atom"]
TRENDING = ["/feeds/trending.rss?window=month", "/feeds/trending.atom?window=month"]
SEARCH = ["/search/feed?q=graphs", "/search/feed?q=graphs&format=atom"]
COLLECTION = ["/c/curator/graphs/feed.rss", "/c/curator/graphs/feed.atom"]


@pytest.fixture
def lists(make_paper, make_user, list_paper, search_index):
    from dailypapers.library import services as library

    first = make_paper(
        "2611.00001", title="Sparse graphs", published=datetime(2026, 11, 19, tzinfo=UTC)
    )
    second = make_paper("2611.00002", title="Dense graphs")
    list_paper(first, DAY, minute=0)
    list_paper(second, DAY, minute=1)
    for name in ("fan1", "fan2"):
        services.set_vote(make_user(name), first, True)
    curator = make_user("curator", curator=True)  # also the owner of a public collection
    for paper in (first, second):
        library.save(curator, paper, tags=["graphs"])
    library.publish(curator, "graphs", title="Graphs")
    rebuild()
    return first, second


def vote_that_reorders(lists, make_user, make_paper, list_paper):
    for name in ("v1", "v2", "v3"):  # 3 votes overtake 2 on the day's list and in trending
        services.set_vote(make_user(name), lists[1], True)


def submission(lists, make_user, make_paper, list_paper):
    # An old paper: its arXiv date is older than every item's, which used to keep the 304.
    old = make_paper(
        "hep-th/0306001", title="Graphs of 2003", published=datetime(2003, 6, 16, tzinfo=UTC)
    )
    list_paper(old, DAY, minute=2)
    rebuild()


def hide(lists, make_user, make_paper, list_paper):
    from django.contrib.auth.models import User

    services.set_entry_flags(User.objects.get(username="curator"), lists[0], hidden=True)


def saved_to_the_collection(lists, make_user, make_paper, list_paper):
    from django.contrib.auth.models import User

    from dailypapers.library import services as library

    library.save(User.objects.get(username="curator"), make_paper("2611.00003"), tags=["graphs"])


def edit(lists, make_user, make_paper, list_paper):
    Paper.objects.filter(pk=lists[1].pk).update(title="Dense graphs, corrected")


CASES = [
    *[(url, vote_that_reorders) for url in DAILY + TRENDING],
    *[(url, submission) for url in DAILY + TRENDING + SEARCH],
    *[(url, hide) for url in DAILY + TRENDING],
    *[(url, edit) for url in DAILY + TRENDING + SEARCH + COLLECTION],
    *[(url, saved_to_the_collection) for url in COLLECTION],
]


def validators(response) -> tuple[str, str]:
    return response["ETag"], response["Last-Modified"]


def conditional(client, url, etag=None, since=None):
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if since:
        headers["If-Modified-Since"] = since
    return client.get(url, headers=headers).status_code


@pytest.mark.parametrize(("url", "change"), CASES, ids=lambda v: getattr(v, "__name__", v))
def test_validators_move_when_the_content_changes(
    client, lists, make_user, make_paper, list_paper, url, change
):
    before = client.get(url)
    assert before.status_code == 200
    etag, modified = validators(before)
    assert etag and modified
    assert validators(client.head(url)) == (etag, modified)
    assert conditional(client, url, etag=etag) == 304
    assert conditional(client, url, since=modified) == 304
    assert conditional(client, url, etag=etag, since=modified) == 304
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    assert conditional(client, url, etag='W/"other"', since=modified) == 200

    change(lists, make_user, make_paper, list_paper)

    assert conditional(client, url, etag=etag) == 200
    assert conditional(client, url, since=modified) == 200
    assert conditional(client, url, etag=etag, since=modified) == 200
    after = client.get(url)
    assert after.content != before.content
    new_etag, new_modified = validators(after)
    assert new_etag != etag and parse_http_date(new_modified) > parse_http_date(modified)
    assert validators(client.head(url)) == (new_etag, new_modified)
    assert conditional(client, url, etag=new_etag) == 304
    assert conditional(client, url, since=new_modified) == 304
    assert conditional(client, url, etag=new_etag, since=new_modified) == 304


@pytest.mark.parametrize("url", SEARCH)
def test_validators_stay_when_nothing_in_the_feed_changed(client, lists, make_user, url):
    etag, modified = validators(client.get(url))
    services.set_vote(make_user("v1"), lists[1], True)  # search ranks by relevance, not votes
    assert validators(client.get(url)) == (etag, modified)
    assert conditional(client, url, since=modified) == 304


def test_head_of_every_feed_has_no_body_and_the_same_validators(client, lists):
    for url in DAILY + TRENDING + SEARCH:
        get, head = client.get(url), client.head(url)
        assert head.status_code == 200 and head.content == b""
        assert validators(head) == validators(get)


def test_last_build_date_is_when_the_content_changed(client, lists):
    response = client.get("/feeds/daily.rss")
    built = response.content.decode().split("<lastBuildDate>")[1].split("</lastBuildDate>")[0]
    assert parsedate_to_datetime(built).timestamp() == parse_http_date(response["Last-Modified"])


def test_a_forgotten_feed_starts_afresh_and_readers_fetch_it_again(client, lists):
    etag, modified = validators(client.get("/feeds/daily.rss"))
    FeedVersion.objects.all().delete()
    assert conditional(client, "/feeds/daily.rss", etag=etag) == 304  # same content
    assert parse_http_date(client.get("/feeds/daily.rss")["Last-Modified"]) >= parse_http_date(
        modified
    )
