"""People's links (issue 14): proposing, approving, rejecting and removing them on the page, in
the API and from the shell; who may approve; the audit trail; and where published links show
(paper page, cards, search results, API fields, feeds, has:code), with the page cache kept
right."""

import itertools
import json
from datetime import date
from io import StringIO
from urllib.parse import urlsplit

import pytest
from conftest import examples
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dailypapers.accounts.tokens import create_token
from dailypapers.links import stars, store
from dailypapers.links.extract import MAX_URL_CHARS, InvalidLink, LinkKind, normalise_link
from dailypapers.links.models import LinkEvent, PaperLink
from dailypapers.links.permissions import (
    can_approve,
    register_link_approver,
    unregister_link_approver,
)
from dailypapers.papers.store import upsert_papers

DAY = date(2026, 11, 20)
PAPER = "2611.00001"
REPO = "https://github.com/owner/repo"
Status = PaperLink.Status


@pytest.fixture
def paper(make_paper):
    return make_paper(PAPER, title="Linked paper")


@pytest.fixture
def curator(make_user):
    return make_user("curator", curator=True)


@pytest.fixture
def author_approver(make_user):
    """A registered approver, as the people app registers "verified author of the paper"."""
    author = make_user("author")

    def is_author(user, paper):
        return user.pk == author.pk and paper.pk == PAPER

    register_link_approver(is_author)
    yield author
    unregister_link_approver(is_author)


def shown(paper) -> list[tuple[str, str]]:
    return [(link.kind, link.url) for link in PaperLink.objects.shown_for(paper)]


def actions(paper) -> list[str]:
    return list(LinkEvent.objects.filter(paper=paper).values_list("action", flat=True))


# --- the URL rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, kind, expected",
    [
        ("https://github.com/Owner/Repo/tree/main/src", "code", "https://github.com/Owner/Repo"),
        ("github.com/owner/repo.git", "code", REPO),
        ("HTTPS://WWW.GITHUB.COM/owner/repo/", "code", REPO),
        (
            "https://huggingface.co/datasets/o/d/viewer",
            "data",
            "https://huggingface.co/datasets/o/d",
        ),
        ("https://owner.github.io/thing/#top", "project", "https://owner.github.io/thing"),
        ("http://lab.example.org:8080/p/?q=1", "project", "http://lab.example.org:8080/p?q=1"),
        ('https://example.org/a"b<c>', "project", "https://example.org/a%22b%3Cc%3E"),
        ("https://example.org/%22already", "project", "https://example.org/%22already"),
        ("https://bücher.example/seite", "project", "https://xn--bcher-kva.example/seite"),
        ("https://example.org/ünï", "demo", "https://example.org/%C3%BCn%C3%AF"),
    ],
)
def test_proposed_urls_are_put_in_extraction_form(typed, kind, expected):
    assert normalise_link(typed, kind).url == expected
    assert normalise_link(typed, kind).kind == LinkKind(kind)


@pytest.mark.parametrize(
    "typed, message",
    [
        ("javascript:alert(1)", "Only http:// and https://"),
        ("JaVaScRiPt:alert(1)//https://github.com/a/b", "Only http:// and https://"),
        ("data:text/html,<script>alert(1)</script>", "Only http:// and https://"),
        ("ftp://example.org/file", "Only http:// and https://"),
        ("", "Give the link's URL"),
        ("https://example.org/" + "a" * MAX_URL_CHARS, "longer than"),
        ("https://example.org/a b", "spaces"),
        ("https://example.org/\x00", "control characters"),
        ("https://user:secret@example.org/", "user name or password"),
        ("https://localhost/x", "public host name"),
        ("https://127.0.0.1/x", "public host name"),
        ("https://github.com/owner", "must name one"),
        ("https://huggingface.co/owner", "model, dataset or Space"),
        ("https://arxiv.org/abs/2611.00001", "not paper links"),
        ("https://example.org:99999/", "not a valid URL"),
    ],
)
def test_bad_urls_are_refused_with_a_clear_message(typed, message):
    with pytest.raises(InvalidLink, match=message):
        normalise_link(typed, "code")


def test_an_unknown_kind_is_refused():
    with pytest.raises(InvalidLink, match="kind must be one of code, project, data, demo"):
        normalise_link(REPO, "video")


@given(st.text(max_size=300), st.sampled_from([k.value for k in LinkKind]))
def test_any_text_is_a_clean_link_or_a_clear_refusal(typed, kind):
    try:
        link = normalise_link(typed, kind)
    except InvalidLink as error:
        assert str(error)
        return
    parts = urlsplit(link.url)
    assert parts.scheme in ("http", "https") and "." in parts.hostname
    assert link.url.isascii() and link.url.isprintable() and len(link.url) <= MAX_URL_CHARS
    assert not any(ch in link.url for ch in ' "<>\\`')


# --- proposing, reviewing, removing --------------------------------------------------------


def test_a_readers_proposal_waits_for_a_curator(paper, make_user, curator):
    reader = make_user("reader")
    link = store.propose(reader, paper, REPO, "code")
    assert link.status == Status.PENDING and link.proposer == reader and shown(paper) == []
    assert not can_approve(reader, paper) and can_approve(curator, paper)
    with pytest.raises(store.NotAllowed):
        store.approve(reader, link)
    store.approve(curator, link, note="checked the README")
    assert shown(paper) == [("code", REPO)]
    assert actions(paper) == ["proposed", "approved"]
    assert LinkEvent.objects.get(action="approved").note == "checked the README"


def test_curators_and_registered_approvers_publish_directly(
    paper, make_paper, curator, author_approver
):
    store.propose(curator, paper, "https://lab.example.org/project", "project")
    store.propose(author_approver, paper, REPO, "code")
    assert shown(paper) == [("code", REPO), ("project", "https://lab.example.org/project")]
    assert actions(paper) == ["published", "published"]
    # the approver is this paper's author only
    other = make_paper("2611.00009")
    assert not can_approve(author_approver, other)
    assert store.propose(author_approver, other, REPO, "code").status == Status.PENDING


def test_a_registered_approver_reviews_proposals(paper, make_user, author_approver):
    first = store.propose(make_user("a"), paper, REPO, "code")
    second = store.propose(make_user("b"), paper, "https://spam.example.com", "project")
    assert store.pending_for(author_approver) == [first, second]
    store.approve(author_approver, first)
    store.reject(author_approver, second, note="spam")
    assert shown(paper) == [("code", REPO)]
    assert store.pending_for(author_approver) == []
    with pytest.raises(store.NotPending, match="not waiting for review"):
        store.approve(author_approver, second)


@pytest.mark.parametrize(
    "again, message",
    [
        ("https://github.com/owner/repo", "already links to https://github.com/owner/repo"),
        ("http://www.github.com/owner/repo/", "already links to"),
        ("https://github.com/owner/repo/tree/main", "already links to"),
    ],
)
def test_duplicates_are_refused(paper, make_user, curator, again, message):
    store.propose(curator, paper, REPO, "code")
    with pytest.raises(store.DuplicateLink, match=message):
        store.propose(make_user("reader"), paper, again, "code")
    assert PaperLink.objects.count() == 1 and actions(paper) == ["published"]


def test_a_pending_duplicate_and_an_extracted_link_are_refused(make_paper, make_user):
    paper = make_paper(PAPER, abstract=f"Code: {REPO}.")
    assert shown(paper) == [("code", REPO)]
    reader = make_user("reader")
    with pytest.raises(store.DuplicateLink, match="already links to"):
        store.propose(reader, paper, REPO + "/", "code")
    store.propose(reader, paper, "https://lab.example.org/p", "project")
    with pytest.raises(store.DuplicateLink, match="awaits approval"):
        store.propose(make_user("other"), paper, "https://lab.example.org/p/", "project")


def test_removal_keeps_an_audit_trail_and_outlives_reimport(make_paper, curator, make_user):
    paper = make_paper(PAPER, abstract=f"Code: {REPO}.")
    extracted = PaperLink.objects.get(paper=paper)
    store.remove(curator, extracted, note="wrong repository")
    proposed = store.propose(curator, paper, "https://github.com/owner/right", "code")
    store.remove(curator, proposed)
    assert shown(paper) == []
    assert actions(paper) == ["removed", "published", "removed"]
    assert LinkEvent.objects.filter(note="wrong repository").exists()
    # a new version of the paper: the removed extracted link is not extracted back
    make_paper(PAPER, version=2, abstract=f"Code: {REPO}. Demo: https://o.github.io/d.")
    assert shown(paper) == [("project", "https://o.github.io/d")]
    # proposing a removed link again brings it back for review, with its history
    again = store.propose(make_user("reader"), paper, "https://github.com/owner/right", "code")
    assert again.pk == proposed.pk and again.status == Status.PENDING
    assert actions(paper)[-1] == "proposed"
    with pytest.raises(store.NotPending, match="already been removed"):
        store.remove(curator, PaperLink.objects.get(pk=extracted.pk))


def test_a_proposer_may_withdraw_only_their_own_pending_link(paper, make_user):
    reader, other = make_user("reader"), make_user("other")
    link = store.propose(reader, paper, REPO, "code")
    with pytest.raises(store.NotAllowed):
        store.remove(other, link)
    store.remove(reader, link)
    assert PaperLink.objects.get(pk=link.pk).status == Status.REMOVED


def test_proposals_are_rate_limited_per_user(paper, make_user, curator, settings):
    settings.LINK_PROPOSALS_PER_HOUR = 2
    reader = make_user("reader")
    for n in range(2):
        store.propose(reader, paper, f"https://example.org/{n}", "project", "192.0.2.1")
    with pytest.raises(store.ProposalLimit, match="many links this hour"):
        store.propose(reader, paper, "https://example.org/2", "project", "192.0.2.1")
    # nothing was written by the refused proposal; curators are not limited
    assert PaperLink.objects.count() == 2
    for n in range(3):
        store.propose(curator, paper, f"https://example.com/{n}", "project", "192.0.2.1")


# --- the paper page ------------------------------------------------------------------------


def test_propose_and_approve_on_the_page(client, paper, make_user, curator):
    page = client.get(f"/papers/{PAPER}").content.decode()
    assert "to propose a code, project, data or demo link" in page
    client.force_login(make_user("reader"))
    page = client.get(f"/papers/{PAPER}").content.decode()
    assert 'action="/papers/2611.00001/links"' in page and "Propose link" in page
    answer = client.post(f"/papers/{PAPER}/links", {"kind": "code", "url": REPO}, follow=True)
    assert "will appear once it is approved" in answer.content.decode()
    answer = client.post(f"/papers/{PAPER}/links", {"kind": "code", "url": REPO}, follow=True)
    assert "already been proposed and awaits approval" in answer.content.decode()
    answer = client.post(
        f"/papers/{PAPER}/links", {"kind": "code", "url": "javascript:alert(1)"}, follow=True
    )
    assert "Only http:// and https:// links can be added." in answer.content.decode()
    link = PaperLink.objects.get()

    client.force_login(curator)
    queue = client.get("/links/queue").content.decode()
    assert "Linked paper" in queue and REPO in queue and f"/links/{link.pk}/approve" in queue
    page = client.get(f"/papers/{PAPER}").content.decode()
    assert "Links awaiting approval" in page
    answer = client.post(f"/links/{link.pk}/approve", {"next": "/links/queue"}, follow=True)
    assert f"Approved: {REPO}" in answer.content.decode()
    assert "No links are waiting for you to review." in answer.content.decode()
    assert client.post(f"/links/{link.pk}/nonsense").status_code == 404

    anonymous = Client()
    page = anonymous.get(f"/papers/{PAPER}").content.decode()
    assert f'<a href="{REPO}" rel="nofollow ugc noopener"' in page


def test_writes_need_a_login_and_csrf(paper, make_user):
    anonymous = Client(enforce_csrf_checks=True)
    answer = anonymous.post(f"/papers/{PAPER}/links", {"kind": "code", "url": REPO})
    assert answer.status_code == 403  # CSRF first
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("reader"))
    assert client.post(f"/papers/{PAPER}/links", {"kind": "code", "url": REPO}).status_code == 403
    assert PaperLink.objects.count() == 0
    plain = Client()
    answer = plain.post(f"/papers/{PAPER}/links", {"kind": "code", "url": REPO})
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login")


def test_a_published_link_shows_on_cached_pages(client, paper, list_paper, make_user, curator):
    list_paper(paper, DAY)
    for url in (f"/papers/{PAPER}", f"/papers/date/{DAY}"):
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"
    link = store.propose(make_user("reader"), paper, REPO, "code")
    assert REPO not in client.get(f"/papers/{PAPER}").content.decode()
    store.approve(curator, link)
    for url in (f"/papers/{PAPER}", f"/papers/date/{DAY}"):
        answer = client.get(url)
        assert "X-Page-Cache" not in answer and REPO in answer.content.decode()
    store.remove(curator, link)
    assert REPO not in client.get(f"/papers/{PAPER}").content.decode()


# --- cards, stars and search results --------------------------------------------------------


@pytest.fixture
def with_stars(monkeypatch):
    """Stars as the GitHub work will provide them (links.stars.stars_for)."""
    known: dict[str, int] = {}

    def stars_for(papers):
        ids = {getattr(p, "arxiv_id", p) for p in papers}
        return {i: n for i, n in known.items() if i in ids}

    monkeypatch.setattr(stars, "stars_for", stars_for)
    for module in ("dailypapers.links.display", "dailypapers.feed.views"):
        monkeypatch.setattr(f"{module}.stars_for", stars_for)
    return known


def test_cards_show_a_code_icon_with_stars(client, make_paper, list_paper, with_stars):
    list_paper(make_paper("2611.00001", abstract=f"Code: {REPO}."), DAY)
    list_paper(make_paper("2611.00002", abstract="Code: https://gitlab.com/g/r."), DAY)
    list_paper(make_paper("2611.00003"), DAY)
    with_stars["2611.00001"] = 1234
    page = client.get(f"/papers/date/{DAY}").content.decode()
    assert page.count('class="code-badge"') == 2
    label = 'aria-label="Code, 1,234 GitHub stars"'
    assert f'href="{REPO}" rel="nofollow ugc noopener" {label}' in page
    assert "code ★ 1,234</a>" in page
    assert 'href="https://gitlab.com/g/r" rel="nofollow ugc noopener" aria-label="Code"' in page
    paper_page = client.get("/papers/2611.00001").content.decode()
    assert 'aria-label="1234 GitHub stars">★ 1234</span>' in paper_page


def test_cards_read_links_in_one_query_per_list(client, make_paper, list_paper):
    def queries_for(count: int, day: date) -> int:
        for i in range(count):
            list_paper(make_paper(f"2610.{day.day:02d}{i:03d}", abstract=f"See {REPO}{i}."), day)
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"/papers/date/{day}").content.decode()
        assert page.count('class="code-badge"') == count
        return len(captured)

    assert queries_for(2, date(2026, 10, 1)) == queries_for(40, date(2026, 10, 2))


def test_search_results_show_the_code_icon_and_filter_has_code(
    client, search_index, make_paper, curator, django_capture_on_commit_callbacks
):
    from dailypapers.search.indexer import rebuild
    from dailypapers.search.query import compile_query
    from dailypapers.search.service import ranked_ids

    make_paper("2611.00001", title="Graph networks with code", abstract=f"Code: {REPO}.")
    make_paper("2611.00002", title="Graph networks without code", abstract="No links.")
    plain = make_paper("2611.00003", title="Graph networks, code added later", abstract="None.")
    rebuild()
    assert set(ranked_ids(compile_query("graph networks"))) == {
        "2611.00001",
        "2611.00002",
        "2611.00003",
    }
    assert ranked_ids(compile_query("graph networks has:code")) == ["2611.00001"]
    assert ranked_ids(compile_query("HAS:CODE")) == ["2611.00001"]
    assert ranked_ids(compile_query("graph has:project")) == []
    assert compile_query("has:code").terms == () and compile_query("has:nothing").terms
    # a link published later is found once it commits (links_changed re-indexes the paper)
    with django_capture_on_commit_callbacks(execute=True):
        store.propose(curator, plain, "https://github.com/o/later", "code")
    assert sorted(ranked_ids(compile_query("graph has:code"))) == ["2611.00001", "2611.00003"]
    page = client.get("/search", {"q": "graph networks", "code": "1"}).content.decode()
    assert 'name="code" type="checkbox" value="1" checked' in page
    assert page.count('<li class="result">') == 2 and page.count('class="code-badge"') == 2


# --- API ---------------------------------------------------------------------------------


@pytest.fixture
def token_for():
    def make(user):
        _, secret = create_token(user, "tests")
        return {"Authorization": f"Bearer {secret}"}

    return make


def test_api_proposes_and_lists_links(client, paper, make_user, curator, token_for):
    reader = token_for(make_user("reader"))
    url = f"/api/papers/{PAPER}/links"
    assert client.post(url, {"url": REPO}, content_type="application/json").status_code == 401
    answer = client.post(url, {"url": REPO, "kind": "code"}, "application/json", headers=reader)
    assert answer.status_code == 201
    (link,) = answer.json()
    assert link | {"id": 0} == {
        "id": 0,
        "kind": "code",
        "url": REPO,
        "status": "pending",
        "source": "proposed",
        "proposedBy": "reader",
    }
    again = client.post(url, {"url": REPO + "/"}, "application/json", headers=reader)
    assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate_link"
    bad = client.post(url, {"url": "javascript:x"}, "application/json", headers=reader)
    assert bad.status_code == 400 and "Only http" in bad.json()["error"]["message"]
    assert client.post(url, {}, "application/json", headers=reader).status_code == 400
    assert client.get(url).json() == []

    # Hugging Face's field names; both links or neither
    hf = {"githubRepo": "https://github.com/o/hf", "projectPage": "javascript:x"}
    answer = client.post(url, hf, "application/json", headers=token_for(curator))
    assert answer.status_code == 400 and PaperLink.objects.count() == 1
    hf["projectPage"] = "https://o.github.io/hf/"
    answer = client.post(url, hf, "application/json", headers=token_for(curator))
    assert [(x["kind"], x["status"]) for x in answer.json()] == [
        ("code", "published"),
        ("project", "published"),
    ]
    assert [x["url"] for x in client.get(url).json()] == [
        "https://github.com/o/hf",
        "https://o.github.io/hf",
    ]
    assert client.get("/api/papers/2611.99999/links").status_code == 404


def test_api_paper_objects_carry_hugging_face_link_fields(
    client, make_paper, list_paper, with_stars
):
    list_paper(
        make_paper(
            PAPER,
            abstract="Models: https://huggingface.co/o/m. Code: https://github.com/o/r. "
            "Project page: https://o.github.io/p.",
        ),
        DAY,
    )
    make_paper("2611.00002", abstract="Code: https://gitlab.com/g/r.")
    with_stars[PAPER] = 42
    paper = client.get(f"/api/papers/{PAPER}").json()
    assert (paper["githubRepo"], paper["githubStars"], paper["projectPage"]) == (
        "https://github.com/o/r",
        42,
        "https://o.github.io/p",
    )
    (item,) = client.get(f"/api/daily_papers?date={DAY}").json()
    assert item["paper"]["githubRepo"] == "https://github.com/o/r"
    other = client.get("/api/papers/2611.00002").json()
    assert (other["githubRepo"], other["githubStars"], other["projectPage"]) == (None,) * 3


def test_openapi_documents_the_links_routes(client, db):
    spec = client.get("/api/openapi.json").json()
    route = spec["paths"]["/api/papers/{arxiv_id}/links"]
    assert set(route) == {"get", "post"}
    assert "githubRepo" in json.dumps(spec["components"]["schemas"]["LinkIn"])
    assert "401" in route["post"]["responses"] and "409" in route["post"]["responses"]


# --- feeds ---------------------------------------------------------------------------------


def test_feeds_carry_the_links(client, make_paper, list_paper):
    for i in range(3):
        list_paper(make_paper(f"2611.0000{i}", abstract=f"Code: {REPO}{i}. Fine."), DAY)
    for path in ("/feeds/daily.rss", "/feeds/daily.atom"):
        body = client.get(path).content.decode()
        # HTML inside XML: the link is markup for the reader, escaped once more for XML
        assert f'Code: &lt;a href="{REPO}0"&gt;{REPO}0&lt;/a&gt;' in body


# --- shell ---------------------------------------------------------------------------------


def test_the_links_command(paper, make_user, curator):
    make_user("reader")
    out = StringIO()
    call_command("links", "add", PAPER, REPO, "--kind", "code", "--as", "reader", stdout=out)
    link_id, status = out.getvalue().split()[:2]
    assert status == "pending"
    out = StringIO()
    call_command("links", "ls", "--pending", stdout=out)
    line = f"{link_id}\t{PAPER}\tpending\tcode\t{REPO}\tproposed by reader"
    assert out.getvalue().startswith(line)
    with pytest.raises(CommandError, match="Only a curator or an author"):
        call_command("links", "approve", link_id, "--as", "reader", stdout=StringIO())
    call_command("links", "approve", link_id, "--as", "curator", stdout=StringIO())
    assert shown(PaperLink.objects.get().paper) == [("code", REPO)]
    with pytest.raises(CommandError, match="already links to"):
        call_command("links", "add", PAPER, REPO, "--as", "curator", stdout=StringIO())
    with pytest.raises(CommandError, match="no user"):
        call_command("links", "add", PAPER, REPO, "--as", "nobody", stdout=StringIO())
    call_command("links", "remove", link_id, "--as", "curator", "--note", "gone", stdout=StringIO())
    out = StringIO()
    call_command("links", "log", PAPER, stdout=out)
    lines = [line.split("\t") for line in out.getvalue().splitlines()]
    assert [(line[1], line[4]) for line in lines] == [
        ("proposed", "reader"),
        ("approved", "curator"),
        ("removed", "curator"),
    ]
    assert lines[-1][-1] == "gone"


# --- fuzzing the form and the API ------------------------------------------------------------

_FUZZ = hypothesis_settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
_URLISH = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda scheme, host, path: f"{scheme}{host}/{path}",
        st.sampled_from(["https://", "http://", "javascript:", "", "//", "HTTPS://"]),
        st.sampled_from(["github.com", "example.org", "bücher.example", "localhost", "a..b"]),
        st.text(max_size=60),
    ),
)


_users = itertools.count()


@_FUZZ
@given(url=_URLISH, kind=st.one_of(st.sampled_from(["code", "project"]), st.text(max_size=10)))
def test_fuzzed_form_posts_store_clean_links_or_nothing(
    client, paper, make_user, settings, url, kind
):
    settings.LINK_PROPOSALS_PER_HOUR = 10_000
    client.force_login(make_user(f"fuzz{next(_users)}"))
    answer = client.post(f"/papers/{PAPER}/links", {"url": url, "kind": kind})
    assert answer.status_code == 302
    try:
        expected = [normalise_link(url, kind).url]
    except InvalidLink:
        expected = []
    assert list(PaperLink.objects.values_list("url", flat=True)) == expected
    assert LinkEvent.objects.count() == len(expected)
    PaperLink.objects.all().delete()


@_FUZZ
@given(body=st.dictionaries(st.sampled_from(["url", "kind", "githubRepo", "projectPage"]), _URLISH))
def test_fuzzed_api_bodies_get_a_clear_answer(client, paper, make_user, token_for, settings, body):
    settings.LINK_PROPOSALS_PER_HOUR = 10_000
    headers = token_for(make_user(f"api{next(_users)}"))
    answer = client.post(f"/api/papers/{PAPER}/links", body, "application/json", headers=headers)
    assert answer.status_code in (201, 400, 409, 422), answer.content
    if answer.status_code == 201:
        assert [link["url"] for link in answer.json()] == list(
            PaperLink.objects.order_by("pk").values_list("url", flat=True)
        )
    else:
        assert answer.json()["error"]["message"]
        assert PaperLink.objects.count() == 0
    PaperLink.objects.all().delete()


def test_a_link_write_rolls_back_with_its_audit_row(paper, make_user, monkeypatch):
    """The link and its LinkEvent are one transaction: a failing audit write keeps neither."""

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_record", broken)
    with pytest.raises(RuntimeError):
        store.propose(make_user("reader"), paper, REPO, "code")
    assert PaperLink.objects.count() == 0


def test_upsert_keeps_peoples_links(paper, curator):
    """Re-importing a paper replaces only extracted links."""
    from dailypapers.papers.records import build_record

    store.propose(curator, paper, REPO, "code")
    upsert_papers(
        [
            build_record(
                arxiv_id=PAPER,
                version=2,
                title="Linked paper v2",
                abstract="Project page: https://o.github.io/p.",
                authors=["A"],
                categories=["cs.LG"],
                primary_category=None,
                published=paper.published,
                updated=None,
            )
        ]
    )
    assert shown(paper) == [("code", REPO), ("project", "https://o.github.io/p")]


# --- a kill in the middle ------------------------------------------------------------------

SETUP_SITE = """
from datetime import UTC, datetime
from django.contrib.auth.models import User
from dailypapers.accounts.roles import make_curator
from dailypapers.papers.records import build_record
from dailypapers.papers.store import upsert_papers
upsert_papers([build_record(arxiv_id="2611.00001", version=1, title="T", abstract="A.",
    authors=["A"], categories=["cs.LG"], primary_category=None,
    published=datetime(2026, 11, 20, tzinfo=UTC), updated=None)])
make_curator(User.objects.create_user("curator", "c@example.org", "x"))
"""
PUBLISH = """
import os, signal, sys
from django.contrib.auth.models import User
from dailypapers.links import store
from dailypapers.links.signals import links_changed
from dailypapers.papers.models import Paper
if sys.argv[1:] == ["kill"]:
    # after the link, its audit row and the generation bump are written, before the commit
    links_changed.connect(lambda **kw: os.kill(os.getpid(), signal.SIGKILL), weak=False)
store.propose(User.objects.get(username="curator"), Paper.objects.get(pk="2611.00001"),
    "https://github.com/owner/repo", "code")
print("published")
"""


@pytest.mark.system
def test_a_kill_mid_publication_leaves_nothing_and_a_rerun_publishes_once(deployment):
    import subprocess
    import sys

    site = deployment("links")
    site.cli("migrate", "-v0")
    site.python(SETUP_SITE)
    generation = site.sql("SELECT value FROM feed_sitegeneration")

    def publish(*args):
        code = "import django\ndjango.setup()\n" + PUBLISH
        env = site.env(DJANGO_SETTINGS_MODULE="dailypapers.settings")
        command = [sys.executable, "-c", code, *args]
        return subprocess.run(command, env=env, capture_output=True, text=True)

    killed = publish("kill")
    assert killed.returncode == -9 and "published" not in killed.stdout
    assert site.sql("SELECT count(*) FROM links_paperlink")[0][0] == 0
    assert site.sql("SELECT count(*) FROM links_linkevent")[0][0] == 0
    assert site.sql("SELECT value FROM feed_sitegeneration") == generation
    assert publish().stdout == "published\n"
    again = publish()
    assert again.returncode == 1 and "already links to" in again.stderr
    assert site.sql("SELECT status, url FROM links_paperlink") == [
        ("published", "https://github.com/owner/repo")
    ]
    assert site.sql("SELECT action FROM links_linkevent") == [("published",)]
    assert site.sql("SELECT value FROM feed_sitegeneration") != generation


@pytest.mark.django_db(transaction=True)
def test_huggingface_hubs_client_reads_the_link_fields(hub, make_paper, curator):
    paper = make_paper(PAPER, abstract="Project page: https://o.github.io/p.")
    store.propose(curator, paper, REPO, "code")
    info = hub.paper_info(PAPER)
    assert (info.github_repo, info.project_page, info.github_stars) == (
        REPO,
        "https://o.github.io/p",
        None,
    )
