"""One owner per concept (issue 12): the paper lookup, periods, the trending window, JSON errors
and visibility filters, each answering the same way wherever it is used."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from dailypapers.accounts.tokens import create_token
from dailypapers.digests.compose import period_for
from dailypapers.feed import periods, services
from dailypapers.feed.models import Comment, DailyEntry
from dailypapers.papers.arxiv_ids import InvalidArxivId
from dailypapers.papers.lookup import PaperMissing, find_paper
from dailypapers.papers.text import excerpt, short_authors

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 20)


@pytest.fixture
def listed(make_paper, list_paper):
    return list_paper(make_paper("2611.00001"), DAY)


# Issue 11, item 14: these raised OverflowError (a 500) before.
@pytest.mark.parametrize(
    "url", ["/papers/week/9999-W52", "/papers/month/9999-12", "/papers/date/9999-12-31"]
)
def test_pages_past_the_last_representable_week_do_not_exist(client, listed, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("query", ["week=9999-W52", "month=9999-12", "date=9999-12-31"])
def test_the_api_refuses_periods_past_the_last_week(client, listed, query):
    answer = client.get(f"/api/daily_papers?{query}")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "out_of_range"


def test_the_last_periods_still_answer(client, listed):
    assert client.get("/papers/week/9998-W51").status_code == 200
    assert client.get("/papers/month/9998-12").status_code == 200
    assert client.get("/papers/date/9998-12-27").status_code == 200
    assert client.get("/papers/date/9998-12-31").status_code == 404  # its week ends in 9999
    assert client.get("/api/daily_papers?week=9998-W51").json() == []
    assert client.get("/papers/date/9999-12-31/bibtex").status_code == 404
    assert client.get("/feeds/daily.rss?date=9999-12-31").status_code == 404


def test_digests_use_the_same_weeks_as_the_lists():
    week = period_for("weekly", date(2026, 11, 26))
    assert week.period == periods.week_period(date(2026, 11, 26))
    assert week.key == "weekly:2026-W48" and week.start == date(2026, 11, 23)
    assert period_for("daily", DAY).key == "daily:2026-11-20"


# Issue 11, item 16a: a body that is not JSON got {"detail": …}, not the documented shape.
def test_a_body_that_is_not_json_gets_the_documented_error(client, make_user):
    _, secret = create_token(make_user("writer"))
    answer = client.post(
        "/api/papers/submit",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "error": {"status": 400, "code": "bad_request", "message": "Cannot parse request body"}
    }


def test_domain_errors_carry_their_status_and_code():
    assert (services.AlreadyListed.status, services.AlreadyListed.code) == (409, "already_listed")
    assert (InvalidArxivId("x").status, InvalidArxivId("x").code) == (400, "bad_id")
    assert (PaperMissing("2611.00001").status, PaperMissing("2611.00001").code) == (
        404,
        "not_found",
    )


@pytest.mark.parametrize("name", ["window", "period"])
def test_the_api_takes_window_and_its_older_name_period(client, make_paper, name):
    hot = make_paper("2611.00002")
    services.submit(_curator(), hot.arxiv_id)
    found = client.get("/api/trending", {name: "day"}).json()
    assert [item["paper"]["id"] for item in found] == ["2611.00002"]
    assert client.get("/api/trending", {name: "year"}).status_code == 422


@pytest.mark.parametrize("flag", ["--window", "--period"])
def test_the_cli_takes_window_and_its_older_name_period(make_paper, flag):
    services.submit(_curator(), make_paper("2611.00003").arxiv_id)
    out = StringIO()
    call_command("trending", flag, "day", "--json", stdout=out)
    assert [item["paper"]["id"] for item in json.loads(out.getvalue())] == ["2611.00003"]


def test_the_site_and_its_feed_take_window(client, make_paper):
    services.submit(_curator(), make_paper("2611.00004").arxiv_id)
    assert "2611.00004" in client.get("/trending", {"window": "day"}).content.decode()
    assert "2611.00004" in client.get("/feeds/trending.rss", {"window": "day"}).content.decode()


def _curator():
    from django.contrib.auth.models import User

    from dailypapers.accounts.roles import make_curator

    user = User.objects.create_user("curator")
    make_curator(user)
    return user


@pytest.mark.parametrize(
    "text", ["2611.00001", "2611.00001v3", "arXiv:2611.00001", "https://arxiv.org/abs/2611.00001"]
)
def test_one_lookup_finds_a_paper_by_any_id_or_url(make_paper, text):
    paper = make_paper("2611.00001")
    assert find_paper(text) == paper


def test_the_lookup_tells_unknown_from_invalid(make_paper):
    with pytest.raises(PaperMissing):
        find_paper("2611.00009")
    with pytest.raises(InvalidArxivId):
        find_paper("not an id")


def test_curating_an_unknown_paper_says_so(make_user):
    make_user("ak", curator=True)
    with pytest.raises(Exception, match="no paper 2611.00009 here"):
        call_command("curate", "pin", "2611.00009", "--as", "ak", stdout=StringIO())


def test_listed_and_visible_leave_out_what_readers_do_not_see(listed, make_paper, list_paper):
    hidden = list_paper(make_paper("2611.00005"), DAY)
    DailyEntry.objects.filter(pk=hidden.pk).update(hidden=True)
    assert list(DailyEntry.objects.listed().values_list("paper_id", flat=True)) == ["2611.00001"]
    author = _curator()
    shown = Comment.objects.create(paper_id="2611.00001", author=author, body="shown")
    Comment.objects.create(paper_id="2611.00001", author=author, body="gone", deleted=True)
    Comment.objects.create(paper_id="2611.00001", author=author, body="hidden", hidden=True)
    assert list(Comment.objects.visible()) == [shown]


def test_one_excerpt_rule_cuts_at_a_word_and_marks_the_cut():
    text = "word " * 100
    assert excerpt("short abstract", 280) == "short abstract"
    cut = excerpt(text, 280)
    assert len(cut) <= 281 and cut.endswith("word…")
    around = excerpt("lead " * 60 + "match " + "tail " * 60, 100, near=300)
    assert around.startswith("…") and "match" in around and around.endswith("…")


def test_one_author_rule():
    names = [f"Author {i}" for i in range(9)]
    assert short_authors(names[:4], 4) == "Author 0, Author 1, Author 2, Author 3"
    assert short_authors(names, 4) == "Author 0, Author 1, Author 2 and 6 others"
    assert short_authors(names, 10) == ", ".join(names)


def test_highlighting_stems_words_as_the_index_does():
    from dailypapers.search.schema import paper_analyzer
    from dailypapers.search.service import _stems, highlight

    text = "The theory of networked systems"
    assert _stems(text) == set(paper_analyzer().analyze(text))
    marked = highlight(text, _stems("network theories"))
    assert marked == "The <mark>theory</mark> of <mark>networked</mark> systems"


def test_the_index_handle_reloads_and_forgets(search_index, make_paper):
    from dailypapers.search.index import IndexMissing, open_index
    from dailypapers.search.indexer import rebuild

    make_paper("2611.00001")
    built = rebuild()
    assert open_index.get() is built
    assert open_index.reload() is not built  # reopened from disk
    open_index.forget()
    assert open_index.folder is None
    search_index.joinpath("current").unlink()
    with pytest.raises(IndexMissing):
        open_index.get()
