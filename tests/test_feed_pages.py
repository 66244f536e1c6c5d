"""The daily list, period and trending pages, and the paper page."""

import re
from datetime import date

import pytest
from conftest import examples
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dailypapers.feed import services
from dailypapers.feed.hotness import DECAY_SECONDS, hotness
from dailypapers.feed.models import DailyEntry

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 20)


def voters(make_user, count):
    return [make_user(f"voter{i}") for i in range(count)]


def test_day_page_orders_by_upvotes_then_submission_time(client, make_paper, make_user, list_paper):
    first = list_paper(make_paper("2611.00001", title="Early, no votes"), DAY, minute=1)
    second = list_paper(make_paper("2611.00002", title="Late, no votes"), DAY, minute=2)
    popular = list_paper(make_paper("2611.00003", title="Popular"), DAY, minute=3)
    for user in voters(make_user, 2):
        services.set_vote(user, popular.paper, True)
    page = client.get("/papers/date/2026-11-20").content.decode()
    assert page.index("Popular") < page.index("Early, no votes") < page.index("Late, no votes")
    assert first.pk and second.pk


def test_home_shows_the_newest_day_with_entries(client, make_paper, list_paper):
    list_paper(make_paper("2611.00001", title="Older day"), date(2026, 11, 18))
    list_paper(make_paper("2611.00002", title="Newest day"), DAY)
    page = client.get("/").content.decode()
    assert "Newest day" in page and "Older day" not in page


def test_previous_and_next_skip_empty_days(client, make_paper, list_paper):
    list_paper(make_paper("2611.00001"), date(2026, 11, 10))
    list_paper(make_paper("2611.00002"), DAY)
    list_paper(make_paper("2611.00003"), date(2026, 11, 25))
    page = client.get("/papers/date/2026-11-20").content.decode()
    assert 'rel="prev" href="/papers/date/2026-11-10"' in page
    assert 'rel="next" href="/papers/date/2026-11-25"' in page


def test_week_and_month_views(client, make_paper, list_paper):
    list_paper(make_paper("2611.00001", title="Monday paper"), date(2026, 11, 16))
    list_paper(make_paper("2611.00002", title="Sunday paper"), date(2026, 11, 22))
    list_paper(make_paper("2611.00003", title="Next week paper"), date(2026, 11, 23))
    week = client.get("/papers/week/2026-W47").content.decode()
    assert "Monday paper" in week and "Sunday paper" in week and "Next week paper" not in week
    assert 'rel="next" href="/papers/week/2026-W48"' in week
    month = client.get("/papers/month/2026-11").content.decode()
    assert all(t in month for t in ("Monday paper", "Sunday paper", "Next week paper"))


@pytest.mark.parametrize(
    "url", ["/papers/date/2026-13-01", "/papers/week/2026-W60", "/papers/month/nope"]
)
def test_bad_periods_are_404(client, url):
    assert client.get(url).status_code == 404


def test_hidden_entries_are_not_listed(client, make_paper, list_paper):
    entry = list_paper(make_paper("2611.00001", title="Spam"), DAY)
    list_paper(make_paper("2611.00002", title="Fine"), DAY)
    entry.hidden = True
    entry.save()
    assert "Spam" not in client.get("/papers/date/2026-11-20").content.decode()


def test_pinned_entries_come_first(client, make_paper, make_user, list_paper):
    pinned = list_paper(make_paper("2611.00001", title="Pinned one"), DAY, minute=5)
    voted = list_paper(make_paper("2611.00002", title="Voted one"), DAY)
    services.set_vote(make_user(), voted.paper, True)
    services.set_entry_flags(make_user("ak", curator=True), pinned.paper, pinned=True)
    page = client.get("/papers/date/2026-11-20").content.decode()
    assert page.index("Pinned one") < page.index("Voted one")


def test_hotness_decays_with_age_and_is_stored():
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 11, 20, tzinfo=UTC)
    assert hotness(10, now) == pytest.approx(hotness(1, now + timedelta(seconds=DECAY_SECONDS)))
    assert hotness(5, now) > hotness(4, now)


def test_trending_orders_by_hotness(client, make_paper, make_user, list_paper):
    from django.utils import timezone

    today = timezone.now().date()
    cold = list_paper(make_paper("2611.00001", title="Cold"), today)
    hot = list_paper(make_paper("2611.00002", title="Hot"), today)
    for user in voters(make_user, 3):
        services.set_vote(user, hot.paper, True)
    hot.refresh_from_db()
    assert hot.hotness > DailyEntry.objects.get(pk=cold.pk).hotness
    page = client.get("/trending?window=day").content.decode()
    assert page.index("Hot") < page.index("Cold")
    assert "hotness" in client.get("/about").content.decode()


def test_day_page_runs_a_constant_number_of_queries(client, make_paper, make_user, list_paper):
    def queries_for(n_papers: int, day: date) -> int:
        for i in range(n_papers):
            list_paper(make_paper(f"26{day.month:02d}.{day.day:03d}{i:02d}"), day)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/papers/date/{day}").status_code == 200
        return len(captured)

    anonymous = (queries_for(5, date(2026, 10, 1)), queries_for(100, date(2026, 10, 2)))
    assert anonymous[0] == anonymous[1]
    client.force_login(make_user())
    signed_in = (queries_for(5, date(2026, 10, 3)), queries_for(100, date(2026, 10, 4)))
    assert signed_in[0] == signed_in[1]


def test_day_page_with_assert_num_queries(
    client, make_paper, list_paper, django_assert_num_queries
):
    for count, day in ((5, date(2026, 9, 1)), (100, date(2026, 9, 2))):
        for i in range(count):
            list_paper(make_paper(f"2609.{day.day:02d}{i:03d}"), day)
        # one page of entries with their papers, their count and the neighbouring days (one
        # statement), and in one statement their published code links (the cards' code
        # icons) with what the card parts of higher apps read (thumbnails, LLM summaries);
        # the page-cache generation is read through the driver's connection, uncounted.
        # The first view also reads the papers' text, which each process then keeps by the
        # papers' content hashes (listing._texts)
        with django_assert_num_queries(3):
            client.get(f"/papers/date/{day}")
        with django_assert_num_queries(2):  # another address: the page cache keeps the first
            client.get(f"/papers/date/{day}?page=1")
    # the home page finds the newest day in that same first statement
    with django_assert_num_queries(2):
        assert "2609.020" in client.get("/").content.decode()
    # a later page is read with its count as well (and its papers' text, not shown before)
    with django_assert_num_queries(3):
        assert "2609.02050" in client.get("/papers/date/2026-09-02?page=2").content.decode()
    # a page that is not there finds no cards, is counted apart, and shows the last page
    with django_assert_num_queries(4):
        assert "2609.02099" in client.get("/?page=9").content.decode()
    # an empty day: no cards, so its count and neighbours are read apart (and no card parts)
    with django_assert_num_queries(2):
        client.get("/papers/date/2026-09-03")


def test_long_days_are_paginated(client, make_paper, list_paper):
    for i in range(60):
        list_paper(make_paper(f"2611.{i:05d}", title=f"Numbered {i:02d}"), DAY, minute=i)
    first = client.get("/papers/date/2026-11-20").content.decode()
    assert first.count('<article class="card') == 50
    assert "Papers 1–50 of 60" in first and 'href="?page=2"' in first
    second = client.get("/papers/date/2026-11-20?page=2").content.decode()
    assert second.count('<article class="card') == 10 and "Numbered 59" in second


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    asked=st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats(allow_nan=True).map(str),
        st.text(max_size=30),
    )
)
def test_any_page_asked_for_shows_the_page_the_paginator_picks(
    client, make_paper, list_paper, asked
):
    """?page= is read ahead with the count (listing.asked_page): whatever it holds, the list
    shows the page Django's Paginator settles on, as when it was read after the count."""
    if not DailyEntry.objects.exists():
        for i in range(120):
            list_paper(make_paper(f"2611.{i:05d}", title=f"Numbered {i:03d}"), DAY, minute=i % 60)
    shown = Paginator(range(120), 50).get_page(asked)
    for path in ("/", "/papers/date/2026-11-20"):
        response = client.get(path, {"page": asked})
        assert response.status_code == 200
        page = response.content.decode()
        assert f"Papers {shown.start_index()}–{shown.end_index()} of 120" in page
        assert page.count('<article class="card') == len(shown)


def test_cards_show_what_a_reader_needs(client, make_paper, make_user, list_paper):
    many = [f"Author {i}" for i in range(9)]
    list_paper(
        make_paper("2611.00001", authors=many, categories=["cs.CL", "cs.AI"]),
        DAY,
        by=make_user("ak"),
    )
    page = client.get("/papers/date/2026-11-20").content.decode()
    assert re.sub(r"<a [^>]*>|</a>", "", page).count("Author 0, Author 1, Author 2 and 6 others")
    assert '<a class="author" href="/authors/author-0">Author 0</a>' in page
    assert "cs.CL" in page and "0 comments" in page and ">ak</a>" in page
