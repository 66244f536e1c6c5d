"""Watching, the inbox, the header count, emails exactly once with one-click unsubscribe per
kind, and the API (issue 16). Emails go to a real SMTP server (aiosmtpd)."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from dailypapers.accounts.tokens import create_token
from dailypapers.feed import services as feed
from dailypapers.library import services as library
from dailypapers.notifications import services
from dailypapers.notifications.emails import send_pending
from dailypapers.notifications.models import (
    EmailMode,
    Kind,
    Notification,
    NotificationEmail,
    Watch,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, make_paper):
    paper = make_paper("2401.00001", title="Attention")
    return paper, make_user("ada"), make_user("bob"), make_user("cy")


def kinds(user) -> dict[str, str]:
    return {n.comment.body: n.kind for n in services.inbox(user)}


def test_reply_mention_and_watchers_each_notified_once(people):
    paper, ada, bob, cy = people
    top = feed.add_comment(ada, paper, "first")  # ada now watches
    services.watch(cy, paper)
    feed.add_comment(bob, paper, "hi @ada and @cy", parent_id=top.pk)
    assert kinds(ada) == {"hi @ada and @cy": Kind.MENTION}  # mention wins over reply
    assert kinds(cy) == {"hi @ada and @cy": Kind.MENTION}  # cy watched after "first"
    assert kinds(bob) == {}  # own comment: nothing
    feed.add_comment(bob, paper, "plain reply", parent_id=top.pk)
    assert kinds(ada)["plain reply"] == Kind.REPLY
    assert kinds(cy)["plain reply"] == Kind.COMMENT
    assert Watch.objects.filter(user=bob, paper=paper).exists()  # commenting watches


def test_no_notification_for_own_actions(people):
    paper, ada, _, _ = people
    top = feed.add_comment(ada, paper, "me")
    feed.add_comment(ada, paper, "me again @ada", parent_id=top.pk)
    assert services.unread_count(ada) == 0


def test_edit_adds_new_mentions_only(people):
    paper, ada, bob, cy = people
    comment = feed.add_comment(bob, paper, "hello @ada")
    feed.edit_comment(bob, comment, "hello @ada and @cy")
    assert Notification.objects.filter(comment=comment, recipient=ada).count() == 1
    assert Notification.objects.get(comment=comment, recipient=cy).kind == Kind.MENTION


def test_submitting_and_saving_watch_the_paper(people, list_paper):
    paper, ada, bob, _ = people
    library.save(ada, paper)
    assert Watch.objects.filter(user=ada, paper=paper).exists()
    list_paper(paper, timezone.now().date(), by=bob)
    assert Watch.objects.filter(user=bob, paper=paper).exists()


def test_hidden_and_deleted_comments_never_leak(people, make_user, client, smtp_server):
    paper, ada, bob, _ = people
    curator = make_user("cur", curator=True)
    feed.add_comment(ada, paper, "top")
    hidden = feed.add_comment(bob, paper, "secret @ada")
    deleted = feed.add_comment(bob, paper, "oops @ada")
    feed.hide_comment(curator, hidden)
    feed.delete_comment(bob, deleted)
    assert services.unread_count(ada) == 0 and list(services.inbox(ada)) == []
    send_pending()
    assert smtp_server.messages == []
    client.force_login(ada)
    assert "secret" not in client.get("/notifications").content.decode()
    token = create_token(ada)[1]
    api = client.get("/api/notifications", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.json() == []


def test_comment_hidden_after_planning_is_not_mailed(people, make_user, smtp_server):
    paper, ada, bob, _ = people
    curator = make_user("cur", curator=True)
    comment = feed.add_comment(bob, paper, "hey @ada")
    from dailypapers.notifications.emails import plan

    plan()
    feed.hide_comment(curator, comment)
    report = send_pending()
    assert smtp_server.messages == [] and report.skipped == 1


def test_header_count_for_signed_in_users_and_never_in_cached_pages(people, client):
    paper, ada, bob, _ = people
    feed.add_comment(ada, paper, "top")
    feed.add_comment(bob, paper, "reply @ada")
    anonymous = client.get("/papers/2401.00001")
    again = client.get("/papers/2401.00001")
    assert again.headers.get("X-Page-Cache") == "hit"
    for response in (anonymous, again):
        assert "Notifications" not in response.content.decode()
    client.force_login(ada)
    page = client.get("/papers/2401.00001").content.decode()
    assert 'data-unread="1"' in page and "X-Page-Cache" not in client.get("/").headers
    client.post("/notifications/read")
    assert 'data-unread="1"' not in client.get("/papers/2401.00001").content.decode()


def test_inbox_lists_and_marks_read(people, client):
    paper, ada, bob, _ = people
    top = feed.add_comment(ada, paper, "top")
    feed.add_comment(bob, paper, "**nice** work", parent_id=top.pk)
    client.force_login(ada)
    page = client.get("/notifications").content.decode()
    assert "bob" in page and "replied to your comment" in page and "<strong>nice</strong>" in page
    assert 'class="notification unread"' in page
    only = Notification.objects.get(recipient=ada)
    client.post("/notifications/read", {"id": [str(only.pk)]})
    only.refresh_from_db()
    assert only.read_at is not None


def test_watch_control_on_the_paper_page(people, client):
    paper, ada, _, _ = people
    assert "Watch" not in client.get("/papers/2401.00001").content.decode()  # signed out
    client.force_login(ada)
    assert ">Watch</button>" in client.get("/papers/2401.00001").content.decode()
    client.post("/papers/2401.00001/watch", {"watch": "1", "next": "/papers/2401.00001"})
    assert Watch.objects.filter(user=ada, paper=paper).exists()
    assert ">Unwatch</button>" in client.get("/papers/2401.00001").content.decode()
    client.post("/papers/2401.00001/watch", {"watch": "0"})
    assert not Watch.objects.filter(user=ada, paper=paper).exists()


def test_immediate_email_once_with_one_click_unsubscribe(people, smtp_server, client):
    paper, ada, bob, _ = people
    feed.add_comment(bob, paper, "look @ada: $x^2$ <b>bold</b>")
    assert send_pending().sent == 1
    assert send_pending().sent == 0  # the ledger: never twice
    [message] = smtp_server.messages
    assert message["To"] == "ada@example.org" and "bob mentioned you" in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.get_body(("html",)).get_content()
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    url = message["List-Unsubscribe"].strip().strip("<>")
    assert url.startswith("https://papers.example.org/notifications/unsubscribe/")
    # RFC 8058: the mail client POSTs with no cookie and no CSRF token.
    from django.test import Client

    one_click = Client(enforce_csrf_checks=True).post(
        urlsplit(url).path, {"List-Unsubscribe": "One-Click"}
    )
    assert one_click.status_code == 200
    assert services.email_modes(ada)[Kind.MENTION] == EmailMode.OFF
    assert services.email_modes(ada)[Kind.REPLY] == EmailMode.IMMEDIATE  # only that kind
    feed.add_comment(bob, paper, "again @ada")
    report = send_pending()
    assert report.sent == 0 and report.not_mailed == 1 and len(smtp_server.messages) == 1
    assert services.unread_count(ada) == 2  # the inbox still has it


def test_forged_unsubscribe_link_changes_nothing(people, client):
    _, ada, _, _ = people
    response = client.post("/notifications/unsubscribe/1:mention:forged")
    assert response.status_code == 400
    assert services.email_modes(ada)[Kind.MENTION] == EmailMode.IMMEDIATE


def test_hourly_batch_waits_for_its_hour_then_sends_one_mail(people, smtp_server):
    paper, ada, bob, cy = people
    services.watch(ada, paper)
    feed.add_comment(bob, paper, "one")
    feed.add_comment(cy, paper, "two")
    assert send_pending().sent == 0  # the hour is not over
    later = timezone.now() + timedelta(hours=1)
    report = send_pending(now=later)
    # ada hears of both; bob (watching since he commented) of cy's.
    assert report.sent == 2 and report.planned == 3
    [message] = [m for m in smtp_server.messages if m["To"] == "ada@example.org"]
    assert "2 notifications" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "one" in body and "two" in body
    assert send_pending(now=later).sent == 0


def test_notifications_read_before_their_mail_are_not_mailed(people, smtp_server):
    paper, ada, bob, _ = people
    feed.add_comment(bob, paper, "hey @ada")
    services.mark_read(ada)
    assert send_pending().skipped == 1 and smtp_server.messages == []


def test_settings_page_changes_modes(people, client):
    _, ada, _, _ = people
    client.force_login(ada)
    client.post("/notifications/settings", {Kind.COMMENT: EmailMode.OFF})
    assert services.email_modes(ada)[Kind.COMMENT] == EmailMode.OFF
    response = client.post("/notifications/settings", {Kind.REPLY: "sometimes"}, follow=True)
    assert "Choose right away" in response.content.decode()
    assert services.email_modes(ada)[Kind.REPLY] == EmailMode.IMMEDIATE


def test_transient_smtp_failure_defers_then_sends(people, smtp_server):
    paper, ada, bob, _ = people
    feed.add_comment(bob, paper, "hey @ada")
    smtp_server.fail_next_data.append("451 try later")
    report = send_pending()
    assert report.deferred == 1 and smtp_server.messages == []
    assert NotificationEmail.objects.get().state == NotificationEmail.State.PENDING
    assert send_pending().sent == 1 and len(smtp_server.messages) == 1


def test_api_notifications_and_watches(people, client):
    paper, ada, bob, _ = people
    top = feed.add_comment(ada, paper, "top")
    feed.add_comment(bob, paper, "*re*", parent_id=top.pk)
    auth = {"Authorization": f"Bearer {create_token(ada)[1]}"}
    listed = client.get("/api/notifications?unread=true", headers=auth).json()
    assert [(n["kind"], n["actor"], n["read"]) for n in listed] == [("reply", "bob", False)]
    assert listed[0]["commentHtml"] == "<p><em>re</em></p>\n"
    assert listed[0]["url"].endswith(f"/papers/2401.00001#comment-{top.pk + 1}")
    marked = client.post("/api/notifications/read", {}, content_type="application/json")
    assert marked.status_code == 401
    marked = client.post(
        "/api/notifications/read", {"ids": None}, content_type="application/json", headers=auth
    ).json()
    assert marked == {"marked": 1, "unread": 0}
    assert client.get("/api/watches", headers=auth).json()[0]["paperId"] == "2401.00001"
    assert client.delete("/api/watches/2401.00001", headers=auth).status_code == 204
    assert client.delete("/api/watches/2401.00001", headers=auth).status_code == 404
    assert client.put("/api/watches/2401.00001", headers=auth).status_code == 201
    assert client.put("/api/watches/2401.00001", headers=auth).status_code == 200
    assert client.put("/api/watches/not-an-id", headers=auth).status_code == 400
    schema = client.get("/api/openapi.json").json()
    assert {"/api/notifications", "/api/notifications/read", "/api/watches"} <= set(schema["paths"])
