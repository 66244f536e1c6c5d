"""Votes, comments and curator actions over HTTP, as a browser without JavaScript does them."""

from datetime import date

import html5lib
import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from dailypapers.feed import services
from dailypapers.feed.models import Comment, DailyEntry, Vote

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 20)


@pytest.fixture
def entry(make_paper, list_paper):
    return list_paper(make_paper("2611.00001", title="Listed paper"), DAY)


def test_one_vote_per_user_and_paper_is_enforced_by_the_database(entry, make_user):
    user = make_user()
    Vote.objects.create(user=user, paper=entry.paper)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(user=user, paper=entry.paper)


def test_post_toggles_the_vote_and_redirects_back(client, reader, entry):
    response = client.post("/papers/2611.00001/vote", {"next": "/papers/date/2026-11-20"})
    assert response.status_code == 302 and response["Location"] == "/papers/date/2026-11-20"
    entry.refresh_from_db()
    assert entry.upvotes == 1 and Vote.objects.filter(user=reader).count() == 1
    page = client.get("/papers/date/2026-11-20").content.decode()
    assert 'aria-pressed="true"' in page
    client.post("/papers/2611.00001/vote")
    entry.refresh_from_db()
    assert entry.upvotes == 0 and not Vote.objects.exists()


def test_vote_with_javascript_gets_json(client, reader, entry):
    response = client.post("/papers/2611.00001/vote", headers={"Accept": "application/json"})
    assert response.json() == {"voted": True, "upvotes": 1}


def test_open_redirects_are_refused(client, reader, entry):
    response = client.post("/papers/2611.00001/vote", {"next": "https://evil.example/"})
    assert response["Location"] == "/papers/2611.00001"


def test_anonymous_voters_are_asked_to_log_in(client, entry):
    response = client.post("/papers/2611.00001/vote")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    json = client.post("/papers/2611.00001/vote", headers={"Accept": "application/json"})
    assert json.status_code == 401
    assert b"Log in to upvote" in client.get("/papers/2611.00001").content
    assert not Vote.objects.exists()


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/papers/2611.00001/vote", {}),
        ("/papers/2611.00001/comments", {"body": "hi"}),
        ("/submit", {"paper": "2611.00001"}),
        ("/accounts/logout/", {}),
    ],
)
def test_csrf_is_enforced_on_every_post(make_user, entry, url, data):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_user())
    assert strict.post(url, data).status_code == 403
    assert not Vote.objects.exists() and not Comment.objects.exists()


def test_counts_are_derived_from_the_votes_table_and_heal(entry, make_user):
    for i in range(3):
        services.set_vote(make_user(f"u{i}"), entry.paper, True)
    DailyEntry.objects.filter(pk=entry.pk).update(upvotes=99, comment_count=42)
    assert services.recount_all() == 1
    entry.refresh_from_db()
    assert (entry.upvotes, entry.comment_count) == (3, 0)


def test_voting_twice_for_the_same_state_is_idempotent(entry, make_user):
    user = make_user()
    services.set_vote(user, entry.paper, True)
    assert services.set_vote(user, entry.paper, True).upvotes == 1


def test_comments_reply_edit_delete(client, reader, entry, make_user):
    client.post("/papers/2611.00001/comments", {"body": "Nice result, see https://example.org/x"})
    top = Comment.objects.get()
    client.post("/papers/2611.00001/comments", {"body": "Agreed", "parent": top.pk})
    reply = Comment.objects.get(parent=top)
    client.post("/papers/2611.00001/comments", {"body": "Reply to reply", "parent": reply.pk})
    assert Comment.objects.get(body="Reply to reply").parent == top  # one level only
    entry.refresh_from_db()
    assert entry.comment_count == 3
    page = client.get("/papers/2611.00001").content.decode()
    link = '<a href="https://example.org/x" rel="nofollow ugc noopener">https://example.org/x</a>'
    assert link in page

    client.post(f"/comments/{top.pk}/edit", {"body": "Edited text"})
    top.refresh_from_db()
    assert top.body == "Edited text" and top.edited_at is not None
    client.post(f"/comments/{top.pk}/delete")
    top.refresh_from_db()
    assert top.deleted and "[deleted]" in client.get("/papers/2611.00001").content.decode()
    entry.refresh_from_db()
    assert entry.comment_count == 2


def test_only_authors_edit_or_delete(client, entry, make_user):
    author = make_user("author")
    comment = services.add_comment(author, entry.paper, "mine")
    client.force_login(make_user("other"))
    assert client.post(f"/comments/{comment.pk}/edit", {"body": "hijack"}).status_code == 404
    client.post(f"/comments/{comment.pk}/delete")
    comment.refresh_from_db()
    assert comment.body == "mine" and not comment.deleted


def test_hostile_comments_render_inert(client, reader, entry):
    hostile = '<script>alert(1)</script> "onmouseover="alert(2) javascript:alert(3) <a href="x">'
    client.post("/papers/2611.00001/comments", {"body": hostile})
    html = client.get("/papers/2611.00001").content.decode()
    assert "<script>alert(1)" not in html and 'href="javascript:' not in html
    assert '<a href="x">' not in html
    # Quotes in text need no escaping (the sanitizer leaves them): no element got a handler.
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    assert not [name for e in tree.iter() for name in e.attrib if name.startswith("on")]


def test_empty_and_oversized_comments_are_refused(client, reader, entry):
    client.post("/papers/2611.00001/comments", {"body": "   "})
    client.post("/papers/2611.00001/comments", {"body": "x" * 5001})
    assert not Comment.objects.exists()


def test_curators_hide_entries_and_comments_and_pin(client, entry, make_user):
    comment = services.add_comment(make_user("troll"), entry.paper, "spam spam")
    client.force_login(make_user("ak", curator=True))
    client.post(f"/comments/{comment.pk}/hide", {"hidden": "1"})
    client.post("/papers/2611.00001/entry", {"action": "pin"})
    entry.refresh_from_db()
    comment.refresh_from_db()
    assert comment.hidden and entry.pinned and entry.comment_count == 0
    client.post("/papers/2611.00001/entry", {"action": "hide"})
    anonymous = Client()
    assert b"Listed paper" not in anonymous.get("/papers/date/2026-11-20").content
    assert b"spam spam" not in anonymous.get("/papers/2611.00001").content


def test_non_curators_cannot_moderate(client, reader, entry):
    client.post("/papers/2611.00001/entry", {"action": "hide"})
    entry.refresh_from_db()
    assert not entry.hidden


def test_anonymous_pages_are_cached_and_writes_invalidate_them(entry, make_user):
    anonymous = Client()
    assert "X-Page-Cache" not in anonymous.get("/papers/2611.00001")
    cached = anonymous.get("/papers/2611.00001")
    assert cached["X-Page-Cache"] == "hit"
    services.set_vote(make_user(), entry.paper, True)
    fresh = anonymous.get("/papers/2611.00001")
    assert "X-Page-Cache" not in fresh
    assert b'<span class="count">1</span>' in fresh.content


def test_with_the_page_cache_off_pages_read_no_generation(entry, make_user, settings):
    """PAGE_CACHE_SECONDS 0 turns the cache off: no generation read (a round trip on
    PostgreSQL), and a vote shows on the next page; 300 turns it back on."""
    from dailypapers.core import page_cache

    settings.PAGE_CACHE_SECONDS = 0
    reads = []
    read = page_cache._generation
    page_cache.use_generation(lambda: reads.append(1) or read())
    try:
        anonymous = Client()
        assert b'<span class="count">0</span>' in anonymous.get("/papers/2611.00001").content
        services.set_vote(make_user(), entry.paper, True)
        again = anonymous.get("/papers/2611.00001")
        assert b'<span class="count">1</span>' in again.content
        assert "X-Page-Cache" not in again and not reads
    finally:
        page_cache.use_generation(read)
    settings.PAGE_CACHE_SECONDS = 300
    anonymous.get("/papers/2611.00001")
    assert anonymous.get("/papers/2611.00001")["X-Page-Cache"] == "hit"


@pytest.mark.django_db(transaction=True)
def test_generation_read_through_the_driver_follows_every_bump():
    """generation() skips Django's cursor (on PostgreSQL it goes through libpq): it still
    reads the committed row, in and out of transactions, after a rollback and a reconnect."""
    from django.db import connection

    from dailypapers.feed.generation import bump_generation, generation
    from dailypapers.feed.models import SiteGeneration

    start = generation()
    bump_generation()
    assert generation() == start + 1 == SiteGeneration.objects.get(pk=1).value
    connection.close()
    bump_generation()
    assert generation() == start + 2
    with transaction.atomic():
        bump_generation()
        assert generation() == start + 3
    assert generation() == start + 3
    with pytest.raises(RuntimeError), transaction.atomic():
        bump_generation()
        raise RuntimeError("rolled back")
    assert generation() == start + 3
