"""Channels: the daily list posted to chat services, checked on what local servers that speak
Slack's, Discord's, Matrix's and our signed webhook's protocols receive."""

import json
import logging
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import apprise.plugins.discord
import apprise.plugins.slack
import pytest
from chat_servers import MATRIX_TOKEN, ChatServer
from conftest import examples
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from dailypapers.digests import channels, secrets
from dailypapers.digests.compose import edition_from_key, period_for
from dailypapers.digests.formats import markdown_text, slack_text
from dailypapers.digests.models import Channel, ChannelPost
from dailypapers.digests.sending import send_digests
from dailypapers.feed import services
from dailypapers.links.models import PaperLink
from dailypapers.search.indexer import rebuild

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 25)  # a Wednesday
HOSTILE = "<script>alert(1)</script> & <!channel> @everyone **bold** [x](javascript:y)"
SLACK_SECRET = "XXslacksecretXX0123456789"
SLACK_URL = f"https://hooks.slack.com/services/T0AAAA1/B0BBBB2/{SLACK_SECRET}"
DISCORD_SECRET = "discordtoken-secret_0123456789"


@pytest.fixture
def chat(settings, monkeypatch):
    """The local chat server; apprise's Slack and Discord plugins, whose hosts are fixed
    (hooks.slack.com, discord.com), are pointed at it through their class attributes."""
    server = ChatServer().start()
    monkeypatch.setattr(apprise.plugins.slack.NotifySlack, "webhook_url", f"{server.url}/services")
    monkeypatch.setattr(
        apprise.plugins.discord.NotifyDiscord, "notify_url", f"{server.url}/api/webhooks"
    )
    settings.BASE_URL = "https://papers.example.org"
    yield server
    server.stop()


def webhook_url(server, secret=None):
    host = server.url.removeprefix("http://")
    return f"webhook+http://{host}/hook?secret={secret or server.webhook_secret}"


def matrix_url(server):
    return f"matrix://:{MATRIX_TOKEN}@127.0.0.1:{server.port}/!lab:localhost"


@pytest.fixture
def listed(make_paper, make_user, list_paper, search_index):
    """DAY's list: a hostile title with 2 votes and a code link, a plain one with 1, one with 0."""
    papers = []
    for i, (title, votes) in enumerate([(HOSTILE, 2), ("Sparse attention", 1), ("Quiet", 0)]):
        paper = make_paper(
            f"2611.0000{i}",
            title=title,
            abstract=f"{title}. " + "Long abstract text. " * 40,
            published=datetime(2026, 11, 25, 9, i, tzinfo=UTC),
        )
        list_paper(paper, DAY, minute=i)
        for v in range(votes):
            services.set_vote(make_user(f"voter{i}{v}"), paper, True)
        papers.append(paper)
    PaperLink.objects.create(
        paper=papers[0], kind="code", url="https://github.com/example/proteins"
    )
    rebuild()
    return papers


def run(period="daily"):
    return send_digests(period_for(period, DAY)).channels


def test_slack_gets_the_list_once_in_mrkdwn(chat, listed):
    channels.add_channel(SLACK_URL, "lab-slack")
    report = run()
    assert (report.sent, report.failed) == (1, 0)
    (post,) = chat.of("slack")
    assert post["path"] == f"/services/T0AAAA1/B0BBBB2/{SLACK_SECRET}"
    text = json.dumps(post["payload"], ensure_ascii=False)
    assert "<https://papers.example.org/papers/2611.00001|Sparse attention>" in text
    assert "▲ 2" in text and "▲ 1" in text and "Quiet" in text
    assert "<https://github.com/example/proteins|code>" in text
    # Slack's three special characters arrive as entities; nothing can ping or link
    assert "&lt;script&gt;" in text and "&lt;!channel&gt;" in text and "&amp;" in text
    assert "<script" not in text and "<!channel>" not in text
    assert "javascript:y" not in text.replace("javascript:y)", "")  # never a link target
    assert run().sent == 0  # the same period again: the ledger says posted
    assert len(chat.of("slack")) == 1
    assert ChannelPost.objects.get().state == ChannelPost.State.SENT


def test_discord_content_is_escaped_markdown_within_its_limit(chat, listed):
    channels.add_channel(f"discord://4242/{DISCORD_SECRET}", "lab-discord")
    assert run().sent == 1
    (post,) = chat.of("discord")
    content = post["payload"]["content"]
    assert len(content) <= 2000
    assert "\\@everyone" in content and "\\*\\*bold\\*\\*" in content
    assert "[Sparse attention](<https://papers.example.org/papers/2611.00001>)" in content


def test_matrix_gets_html_through_the_client_server_api(chat, listed):
    channels.add_channel(matrix_url(chat), "lab-matrix")
    assert run().sent == 1
    (post,) = chat.of("matrix")
    assert post["payload"]["room"] == "!lab:localhost"
    assert post["payload"]["format"] == "org.matrix.custom.html"
    html = post["payload"]["formatted_body"]
    assert '<a href="https://papers.example.org/papers/2611.00001">Sparse attention</a>' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert '<a href="https://github.com/example/proteins">code</a>' in html


def test_webhook_posts_signed_json(chat, listed):
    channels.add_channel(webhook_url(chat), "lab-hook", topics=["sparse attention"])
    assert run().sent == 1
    (post,) = chat.of("webhook")  # the server checked the signature
    payload = post["payload"]
    assert payload["id"] == "lab-hook:daily:2026-11-25" == payload["headers"]["id"]
    assert payload["url"] == "https://papers.example.org/papers/date/2026-11-25"
    titles = [p["title"] for p in payload["papers"]]
    assert titles[0] == "Sparse attention"  # a topic channel: its topic's search, best first
    assert {"arxiv_id", "url", "upvotes", "summary", "code_url"} <= set(payload["papers"][0])


def test_min_upvotes_and_weekly_channels(chat, listed):
    channels.add_channel(webhook_url(chat), "popular", min_upvotes=2)
    channels.add_channel(webhook_url(chat), "weekly", frequency="weekly")
    assert run().sent == 1
    assert [p["title"] for p in chat.of("webhook")[0]["payload"]["papers"]] == [HOSTILE]
    assert run("weekly").sent == 1
    assert len(chat.of("webhook")[1]["payload"]["papers"]) == 3


def test_a_failing_channel_backs_off_then_pauses_and_is_never_dropped(chat, listed):
    channels.add_channel(webhook_url(chat, secret="wrong-secret-0000"), "lab-hook")
    report = run()
    assert report.failed == 1
    channel = Channel.objects.get()
    assert channel.state == Channel.State.FAILING and channel.failures == 1
    assert "HTTP 401" in channel.last_error
    first_wait = channel.next_retry_at - timezone.now()
    assert timedelta(minutes=4) < first_wait <= channels.BACKOFF_BASE
    assert run().failed == 0  # still backing off: not even tried
    waits = [first_wait]
    for _ in range(channels.MAX_FAILURES - 1):
        Channel.objects.update(next_retry_at=timezone.now() - timedelta(seconds=1))
        assert run().failed == 1
        channel = Channel.objects.get()
        if channel.next_retry_at:
            waits.append(channel.next_retry_at - timezone.now())
    assert all(later > 1.9 * earlier for earlier, later in zip(waits, waits[1:], strict=False))
    assert channel.state == Channel.State.PAUSED
    assert ChannelPost.objects.get().state == ChannelPost.State.PENDING  # kept, not dropped
    out = StringIO()
    call_command("channels", "ls", stdout=out)
    assert "paused" in out.getvalue() and "1 posts waiting" in out.getvalue()
    assert len(chat.requests) == channels.MAX_FAILURES

    chat.webhook_secret = "wrong-secret-0000"  # the receiver is fixed
    call_command("channels", "test", "lab-hook", stdout=out)
    assert Channel.objects.get().state == Channel.State.OK
    assert run().sent == 1  # the waiting post goes out
    assert [p["payload"]["title"] for p in chat.of("webhook")][-1].endswith("25 November 2026")


def test_secrets_are_encrypted_masked_and_never_logged(chat, listed, caplog, settings):
    caplog.set_level(logging.DEBUG)
    out = StringIO()
    call_command("channels", "add", SLACK_URL, "--name", "lab-slack", stdout=out)
    call_command("channels", "add", f"discord://4242/{DISCORD_SECRET}", "--name", "d", stdout=out)
    channel = Channel.objects.get(name="lab-slack")
    assert SLACK_SECRET not in channel.url_encrypted
    assert secrets.decrypt(channel.url_encrypted) == SLACK_URL
    chat.fail_next = [500, 500]  # both fail: the errors must not carry the secrets either
    send_digests(period_for("daily", DAY))
    call_command("channels", "ls", stdout=out)
    call_command("channels", "ls", "--json", stdout=out)
    shown = out.getvalue() + caplog.text + "".join(c.last_error for c in Channel.objects.all())
    assert "hooks.slack.com" in out.getvalue() and "failing" in out.getvalue()
    for secret in (SLACK_SECRET, "T0AAAA1", "B0BBBB2", DISCORD_SECRET):
        assert secret not in shown
    settings.CHANNEL_KEY = "another key"
    with pytest.raises(CommandError, match="another key"):
        call_command("channels", "test", "lab-slack")


def test_mask_shows_only_a_public_host():
    assert secrets.mask(SLACK_URL) == "https://hooks.slack.com/…"
    assert secrets.mask(f"discord://4242/{DISCORD_SECRET}") == "discord://…/…"
    assert (
        secrets.mask("matrixs://bot:pw@matrix.example.org/#lab") == "matrixs://matrix.example.org/…"
    )


def test_channels_command(chat, listed):
    out = StringIO()
    call_command(
        "channels", "add", webhook_url(chat), "--name", "h", "--period", "weekly",
        "--topic", "graphs", "--category", "cs.LG", "--min-upvotes", "3", stdout=out,
    )  # fmt: skip
    call_command("channels", "ls", stdout=out)
    assert "weekly" in out.getvalue() and "graphs; cs.LG; ≥3 upvotes" in out.getvalue()
    call_command("channels", "test", "h", stdout=out)
    (sample,) = chat.of("webhook")
    assert sample["payload"]["papers"][0]["title"].startswith("A test post")
    with pytest.raises(CommandError, match="exists"):
        call_command("channels", "add", webhook_url(chat), "--name", "h")
    with pytest.raises(CommandError, match="no channel"):
        call_command("channels", "test", "nope")
    call_command("channels", "remove", "h", stdout=out)
    assert not Channel.objects.exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://example.org/not-a-chat", "not a channel URL"),
        ("mailto://someone@example.org", "not a channel URL"),
        ("webhook+https://example.org/hook", "shared secret"),
        ("slack://T1/B2/C3\nX", "one line"),
        ("", "one line"),
    ],
)
def test_bad_urls_are_refused_clearly(url, message):
    with pytest.raises(channels.ChannelError, match=message):
        channels.add_channel(url, "x")
    assert not Channel.objects.exists()


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(url=st.text(max_size=80), name=st.text(max_size=70), topic=st.text(max_size=220))
def test_adding_any_input_either_works_or_is_refused_clearly(url, name, topic):
    try:
        channel = channels.add_channel(url, name, topics=[topic])
    except channels.ChannelError:
        assert not Channel.objects.exists()
    else:
        channel.delete()


@settings(deadline=None)
@given(st.text())
def test_markdown_escaping_leaves_no_markup(text):
    html = MarkdownIt("commonmark").renderInline(markdown_text(text))
    assert "<" not in html.replace("&lt;", "")  # no tags: no emphasis, links, code or HTML


@settings(deadline=None)
@given(st.text())
def test_slack_escaping_leaves_no_control_characters(text):
    escaped = slack_text(text)
    assert "<" not in escaped and ">" not in escaped and "\n" not in escaped
    assert "&" not in escaped.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")
    unescaped = escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert unescaped == " ".join(text.split())


def test_edition_keys_round_trip():
    for edition in (period_for("daily", DAY), period_for("weekly", DAY)):
        assert edition_from_key(edition.key) == edition


def test_admin_adds_a_channel_without_showing_its_url_and_shows_failing_ones(
    chat, listed, admin_client
):
    response = admin_client.post(
        "/admin/digests/channel/add/",
        {"name": "lab-slack", "url": SLACK_URL, "frequency": "daily", "topics": "[]",
         "categories": "[]", "min_upvotes": "0", "state": "ok"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.get()
    assert (channel.service, secrets.decrypt(channel.url_encrypted)) == ("slack", SLACK_URL)
    chat.fail_next = [500]
    run()
    listing = admin_client.get("/admin/digests/channel/").content.decode()
    change = admin_client.get(f"/admin/digests/channel/{channel.pk}/change/").content.decode()
    assert "failing" in listing and "hooks.slack.com" in listing
    for page in (listing, change):
        assert SLACK_SECRET not in page and "B0BBBB2" not in page
    bad = admin_client.post(
        "/admin/digests/channel/add/",
        {"name": "x", "url": "https://example.org/", "frequency": "daily", "topics": "[]",
         "categories": "[]", "min_upvotes": "0", "state": "ok"},
    )  # fmt: skip
    assert bad.status_code == 200 and "not a channel URL" in bad.content.decode()
    assert Channel.objects.count() == 1
