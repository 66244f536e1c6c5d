"""Hugging Face's own client, huggingface_hub, against a live dailypapers: values, not just types.

The reference shapes are three real days of HF's /api/daily_papers (tests/fixtures/hf_daily/,
sources in tests/fixtures/SOURCES.md), read with huggingface_hub's own parsers.
"""

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from huggingface_hub.hf_api import PaperInfo
from huggingface_hub.utils import get_session
from huggingface_hub.utils._pagination import _paginate_pages, paginate

from dailypapers.feed import services
from dailypapers.search.indexer import rebuild

HF_DAYS = sorted((Path(__file__).parent / "fixtures" / "hf_daily").glob("*.json"))
DOCS = Path(__file__).resolve().parent.parent / "docs" / "api.md"
DAY = date(2026, 11, 20)  # a Friday of ISO week 2026-W47
NOV_18, NOV_19 = datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC)
# Fields HF sends that we leave out: HF-only user flags and counts.
HF_ONLY_USER_FIELDS = {"isHf", "isMod", "isHfAdmin", "followerCount", "isUserFollowing"}


def hf_items() -> list[dict]:
    return [item for path in HF_DAYS for item in json.loads(path.read_text())]


def keys(items, *path) -> set[str]:
    found = set()
    for item in items:
        for step in path:
            item = item.get(step) if isinstance(item, dict) else None
        if isinstance(item, dict):
            found |= set(item)
        elif isinstance(item, list):
            for element in item:
                found |= set(element)
    return found


def test_hf_reference_days_parse_with_hf_parsers():
    items = hf_items()
    assert len(HF_DAYS) == 3 and len(items) == 14 + 22 + 17
    for raw in items:
        info = PaperInfo(**json.loads(json.dumps(raw)))
        assert info.id == raw["paper"]["id"] and info.title == raw["title"]
        assert [a.name for a in info.authors] == [a["name"] for a in raw["paper"]["authors"]]
        assert info.upvotes == (raw["paper"]["upvotes"] or None)
        assert info.comments == raw["numComments"]
        # The item's publishedAt is when it went on the list; the paper's is arXiv's date.
        assert info.submitted_at.isoformat().startswith(raw["publishedAt"][:19])
        assert info.published_at.isoformat().startswith(raw["paper"]["publishedAt"][:19])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", raw["publishedAt"])


# ---------------------------------------------------------------- a live server


@pytest.fixture
def site(hub, make_paper, make_user, list_paper, search_index):
    """Three papers on DAY, one the day before (same week), one three weeks before (same month)."""
    alice, bob = make_user("alice"), make_user("bob")
    alice.first_name, alice.last_name = "Alice", "Liddell"
    alice.save()
    old = make_paper(
        "hep-th/0306001",
        title="Strings from 2003 on graphs",
        authors=["Ed Witten", "Nathan Seiberg"],
        published=datetime(2003, 6, 16, tzinfo=UTC),
    )
    first = make_paper("2611.00001", title="Sparse graphs", published=NOV_18)
    second = make_paper("2611.00002", title="Dense graphs", published=NOV_19)
    thursday = make_paper("2611.00003", title="Thursday paper")
    earlier = make_paper("2611.00004", title="Early November paper")
    list_paper(old, DAY, by=alice, minute=0)
    list_paper(first, DAY, by=alice, minute=1)
    list_paper(second, DAY, by=bob, minute=2)
    list_paper(thursday, date(2026, 11, 19), by=alice)
    list_paper(earlier, date(2026, 11, 2), by=bob)
    for voter in ("v1", "v2"):
        services.set_vote(make_user(voter), old, True)
    services.set_vote(make_user("v3"), first, True)
    carol = make_user("carol")
    top = services.add_comment(carol, old, "Still relevant.")
    services.add_comment(alice, old, "Agreed.", top.pk)
    rebuild()
    return hub


pytestmark = pytest.mark.django_db(transaction=True)


def ids(papers) -> list[str]:
    return [p.id for p in papers]


def test_list_daily_papers_by_date_gives_listing_date_submitter_authors_votes_comments(site):
    papers = list(site.list_daily_papers(date="2026-11-20"))
    assert ids(papers) == ["hep-th/0306001", "2611.00001", "2611.00002"]  # most upvoted first
    old = papers[0]
    assert old.submitted_at == datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # the listing, not arXiv
    assert old.published_at == datetime(2003, 6, 16, tzinfo=UTC)
    assert old.submitted_by.username == "alice" and old.submitted_by.fullname == "Alice Liddell"
    assert old.title == "Strings from 2003 on graphs"
    assert [a.name for a in old.authors] == ["Ed Witten", "Nathan Seiberg"]
    assert [a.hidden for a in old.authors] == [False, False]
    assert old.upvotes == 2 and old.comments == 2
    assert old.github_repo is None and old.project_page is None and old.github_stars is None
    assert old.summary == "Abstract of hep-th/0306001."
    assert papers[1].upvotes == 1 and papers[1].comments == 0
    assert papers[2].submitted_by.username == "bob" and papers[2].upvotes == 0


def test_list_daily_papers_by_week_month_and_submitter(site):
    assert set(ids(site.list_daily_papers(week="2026-W47"))) == {
        "hep-th/0306001",
        "2611.00001",
        "2611.00002",
        "2611.00003",
    }
    assert len(list(site.list_daily_papers(month="2026-11"))) == 5
    alices = list(site.list_daily_papers(submitter="alice"))
    assert ids(alices) == ["hep-th/0306001", "2611.00001", "2611.00003"]
    assert {p.submitted_by.username for p in alices} == {"alice"}
    # Equal votes: the earlier submission first, as on the site's lists.
    assert ids(site.list_daily_papers(submitter="bob", month="2026-11")) == [
        "2611.00004",
        "2611.00002",
    ]
    assert list(site.list_daily_papers(submitter="nobody")) == []


def test_list_daily_papers_ordering_for_each_sort(site):
    day = "2026-11-20"
    newest_first = list(site.list_daily_papers(date=day, sort="publishedAt"))
    assert ids(newest_first) == ["2611.00002", "2611.00001", "hep-th/0306001"]
    assert [p.submitted_at.minute for p in newest_first] == [2, 1, 0]
    # Hotness: log10 of upvotes plus age; two votes outweigh two minutes, one vote does not.
    assert ids(site.list_daily_papers(date=day, sort="trending")) == [
        "hep-th/0306001",
        "2611.00002",
        "2611.00001",
    ]
    everyone = ids(site.list_daily_papers(sort="publishedAt"))
    assert everyone == ["2611.00002", "2611.00001", "hep-th/0306001", "2611.00003", "2611.00004"]


def test_list_daily_papers_paging(site):
    day = "2026-11-20"
    pages = [ids(site.list_daily_papers(date=day, limit=2, p=n)) for n in range(3)]
    assert pages == [["hep-th/0306001", "2611.00001"], ["2611.00002"], []]
    newest = list(site.list_daily_papers())
    assert {p.submitted_at.date() for p in newest} == {DAY}


def test_paper_info(site):
    old = site.paper_info("hep-th/0306001")
    assert old.id == "hep-th/0306001" and old.title == "Strings from 2003 on graphs"
    assert old.published_at == datetime(2003, 6, 16, tzinfo=UTC)
    assert old.submitted_at == datetime(2026, 11, 20, tzinfo=UTC)  # the day it is listed on
    assert old.submitted_by.username == "alice"
    assert old.upvotes == 2 and old.comments == 2
    assert [a.name for a in old.authors] == ["Ed Witten", "Nathan Seiberg"]
    assert old.discussion_id == "hep-th/0306001"
    assert old.github_repo is None and old.project_page is None
    assert old.ai_summary is None
    # Our keywords (search/keywords.py), best first: the title's words lead.
    assert old.ai_keywords[:2] == ["strings", "graphs"] and len(old.ai_keywords) <= 8
    versioned = site.paper_info("2611.00001v1")
    assert versioned.id == "2611.00001" and versioned.upvotes == 1 and versioned.comments == 0


def test_paper_info_of_an_unknown_paper_raises_hf_404(site):
    from huggingface_hub.errors import HfHubHTTPError

    with pytest.raises(HfHubHTTPError) as raised:
        site.paper_info("2611.99999")
    assert raised.value.response.status_code == 404


def test_list_papers_searches_and_fills_titles(site):
    found = list(site.list_papers(query="graphs"))
    # Hybrid search: the keyword matches first, then semantic neighbours.
    assert {p.id for p in found[:3]} == {"hep-th/0306001", "2611.00001", "2611.00002"}
    assert all(p.title for p in found)
    by_id = {p.id: p for p in found}
    assert by_id["2611.00002"].title == "Dense graphs"
    assert by_id["hep-th/0306001"].upvotes == 2 and by_id["hep-th/0306001"].comments == 2
    assert by_id["2611.00001"].submitted_by.username == "alice"
    assert by_id["2611.00001"].submitted_at == datetime(2026, 11, 20, 12, 1, tzinfo=UTC)
    assert len(list(site.list_papers(query="graphs", limit=1))) == 1


def test_papers_listing_pages_with_huggingface_hubs_paginate(site):
    url = f"{site.endpoint}/api/papers"
    pages = [[item["id"] for item in page] for page, _ in _paginate_pages(url, {"limit": 2}, {})]
    # Newest arXiv date first; 2611.00003 and .00004 share one, so the id breaks the tie.
    newest_first = ["2611.00004", "2611.00003", "2611.00002", "2611.00001", "hep-th/0306001"]
    assert pages == [newest_first[:2], newest_first[2:4], newest_first[4:]]
    one_by_one = [PaperInfo(**item) for item in paginate(url, {"limit": 1}, {})]
    assert [p.id for p in one_by_one] == newest_first
    assert one_by_one[-1].comments == 2 and one_by_one[-1].submitted_by.username == "alice"
    assert get_session().get(url, params={"cursor": "bm9wZQ"}).status_code == 404


def test_comments_endpoint(site):
    response = get_session().get(f"{site.endpoint}/api/papers/hep-th/0306001/comments")
    first, reply = response.json()
    assert (first["author"], first["body"], first["parentId"]) == ("carol", "Still relevant.", None)
    assert (reply["author"], reply["parentId"]) == ("alice", first["id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["createdAt"])


def test_our_items_carry_every_field_hf_sends(site):
    ours = get_session().get(f"{site.endpoint}/api/daily_papers", params={"date": "2026-11-20"})
    ours = ours.json()
    theirs = hf_items()
    assert keys(theirs) <= keys(ours)
    assert keys(theirs, "paper") <= keys(ours, "paper")
    assert keys(theirs, "paper", "authors") - {"user", "status", "statusLastChangedAt"} <= keys(
        ours, "paper", "authors"
    )
    assert keys(theirs, "paper", "submittedOnDailyBy") <= keys(ours, "paper", "submittedOnDailyBy")
    assert keys(theirs, "submittedBy") - HF_ONLY_USER_FIELDS <= keys(ours, "submittedBy")
    timestamps = [ours[0]["publishedAt"], ours[0]["paper"]["publishedAt"]]
    timestamps.append(ours[0]["paper"]["submittedOnDailyAt"])
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", t) for t in timestamps)


def docs_snippet() -> str:
    text = DOCS.read_text()
    section = text.split("## Using Hugging Face's client", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_docs_snippet_runs_as_written(site, capsys):
    code = docs_snippet()
    assert 'endpoint="http://127.0.0.1:8000"' in code
    exec(compile(code.replace("http://127.0.0.1:8000", site.endpoint), str(DOCS), "exec"), {})
    printed = capsys.readouterr().out
    assert "hep-th/0306001" in printed and "Strings from 2003 on graphs" in printed
    assert "hep-th/0306001 listed by alice with 2 comments" in printed
    assert "search: 2611.0000" in printed


def test_a_verified_author_reads_as_hf_sends_a_claimed_one(site):
    from django.contrib.auth.models import User

    from dailypapers.papers.models import Paper
    from dailypapers.people import claims

    alice, curator = User.objects.get(username="alice"), User.objects.create(username="boss")
    curator.is_superuser = True
    curator.save()
    paper = Paper.objects.get(pk="2611.00001")
    claims.decide(curator, claims.claim(alice, paper, 0).pk, verify=True)
    claims.claim(User.objects.get(username="bob"), paper, 1)  # pending: not shown
    services.add_comment(alice, paper, "Author here.")

    ada, alan = site.paper_info("2611.00001").authors
    assert ada.name == "Ada Lovelace" and ada.user.username == "alice"
    assert ada.user.fullname == "Alice Liddell" and ada.status == "claimed_verified"
    assert ada.status_last_changed_at.tzinfo is not None and ada.hidden is False
    assert alan.user is None and alan.status is None and alan.status_last_changed_at is None
    raw = get_session().get(f"{site.endpoint}/api/daily_papers", params={"date": "2026-11-20"})
    by_id = {item["paper"]["id"]: item for item in raw.json()}
    assert by_id["2611.00001"]["isAuthorParticipating"] is True
    assert by_id["2611.00002"]["isAuthorParticipating"] is False
    assert set(by_id["2611.00001"]["paper"]["authors"][1]) == {"_id", "name", "hidden"}
    comments = get_session().get(f"{site.endpoint}/api/papers/2611.00001/comments").json()
    assert [(c["author"], c["isAuthor"]) for c in comments] == [("alice", True)]


def test_the_client_reads_the_llm_summary_as_ai_summary(site, settings):
    from io import StringIO

    from django.core.management import call_command
    from fake_llm import FakeLlm, completion

    with FakeLlm() as llm:
        settings.LLM_URL, settings.LLM_MODEL = llm.url, "m"
        llm.script["Sparse graphs"] = [{"body": completion("Sparse graphs are <sparse>.")}]
        out = StringIO()
        call_command("summarize", "--ids", "2611.00001", stdout=out)
    assert out.getvalue().startswith("summaries: 1 written"), out.getvalue()
    assert site.paper_info("2611.00001").ai_summary == "Sparse graphs are <sparse>."
    assert site.paper_info("2611.00002").ai_summary is None
    # List items carry it inside "paper", where HF puts it; huggingface_hub 2.4's PaperInfo
    # reads ai_summary only at the top level, so the list is checked on the raw JSON.
    items = get_session().get(f"{site.endpoint}/api/daily_papers?date=2026-11-20").json()
    summaries = {item["paper"]["id"]: item["paper"]["ai_summary"] for item in items}
    assert summaries["2611.00001"] == "Sparse graphs are <sparse>."
    assert summaries["2611.00002"] is None
