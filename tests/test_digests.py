"""Digests against a real SMTP server (aiosmtpd): subscribe, confirm, send, unsubscribe."""

import re
from datetime import UTC, date, datetime
from io import StringIO
from urllib.parse import unquote

import pytest
from django.core import signing
from django.core.management import CommandError, call_command

from dailypapers.digests.addresses import AddressError, clean_address
from dailypapers.digests.compose import period_for
from dailypapers.digests.models import Delivery, SentPaper, Subscriber
from dailypapers.digests.sending import send_digests
from dailypapers.feed import services
from dailypapers.search.indexer import rebuild

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 25)  # a Wednesday


def link_in(message, pattern):
    text = message.get_body(("plain",)).get_content()
    return re.search(pattern, text).group(0)


def subscribe(client, email="ada@example.org", **fields):
    data = {"email": email, "frequency": "daily", "trending": "1", **fields}
    return client.post("/digests/subscribe", data)


@pytest.fixture
def listed(make_paper, make_user, list_paper, search_index):
    """Three papers on DAY's list with 2, 1 and 0 votes, and a built search index."""
    papers = []
    for i, (title, votes) in enumerate(
        [("Diffusion models for proteins", 2), ("Sparse attention", 1), ("Quiet paper", 0)]
    ):
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
    rebuild()
    return papers


def test_double_opt_in_end_to_end(client, smtp_server, listed):
    response = subscribe(client, topics="diffusion models")
    assert b"Check your inbox" in response.content
    assert not Subscriber.objects.exists()  # nothing until the link is clicked
    (confirmation,) = smtp_server.messages
    assert confirmation["To"] == "ada@example.org"
    link = link_in(confirmation, r"https://papers\.example\.org/digests/confirm/\S+")
    path = link.removeprefix("https://papers.example.org")
    assert b"Confirm your subscription" in client.get(path).content
    client.post(path)
    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.topics) == ("ada@example.org", ["diffusion models"])

    report = send_digests(period_for("daily", DAY))
    assert report.sent == 1
    digest = smtp_server.messages[-1]
    assert digest.is_multipart()
    text = digest.get_body(("plain",)).get_content()
    html = digest.get_body(("html",)).get_content()
    assert "Diffusion models for proteins" in text and "Diffusion models for proteins" in html
    assert "https://papers.example.org/papers/2611.00000" in html
    assert "2 upvotes · trending" in text
    assert 'style="' in html  # inline CSS
    assert text.index("Diffusion models") < text.index("Sparse attention")  # by votes
    assert digest["Message-ID"] and digest["Date"]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https_part, mailto_part = (p.strip() for p in digest["List-Unsubscribe"].split(","))
    assert https_part.startswith("<https://papers.example.org/digests/unsubscribe/")
    assert mailto_part.startswith("<mailto:")

    unsubscribe_path = unquote(https_part.strip("<>").removeprefix("https://papers.example.org"))
    assert b"Stop sending digests to ada@example.org" in client.get(unsubscribe_path).content
    for _ in range(2):  # one click, and twice is fine; no CSRF token needed (RFC 8058)
        assert client.post(unsubscribe_path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED


def test_a_second_subscription_updates_the_first_and_reveals_nothing(client, smtp_server):
    first = subscribe(client)
    client.post(link_in(smtp_server.messages[0], r"/digests/confirm/\S+"))
    second = subscribe(client, frequency="weekly", topics="graphs")
    assert first.content.replace(b"\n", b"") == second.content.replace(b"\n", b"")
    client.post(link_in(smtp_server.messages[1], r"/digests/confirm/\S+"))
    subscriber = Subscriber.objects.get()
    assert (subscriber.frequency, subscriber.topics) == ("weekly", ["graphs"])


def test_confirmation_links_expire_and_cannot_be_forged(client, smtp_server, monkeypatch):
    subscribe(client)
    path = link_in(smtp_server.messages[0], r"/digests/confirm/\S+")
    assert client.get(path[:-3] + "abc").status_code == 400
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 49 * 3600)
    response = client.post(path)
    assert response.status_code == 400 and b"expired" in response.content
    assert not Subscriber.objects.exists()


def test_forged_unsubscribe_tokens_do_nothing(client, listed):
    Subscriber.objects.create(email="ada@example.org")
    response = client.post("/digests/unsubscribe/ada@example.org:forged")
    assert response.status_code == 400
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not-an-address", "not a valid email address"),
        ("ada@example.org\r\nBcc: victim@example.org", "just the address"),
        ("a" * 250 + "@example.org", "too long"),
        ('"Evil" <ada@example.org>', "just the address"),
        ("", "Enter an email address"),
    ],
)
def test_bad_addresses_are_refused_clearly(client, smtp_server, raw, message):
    with pytest.raises(AddressError, match=message):
        clean_address(raw)
    response = subscribe(client, email=raw)
    assert response.status_code == 400 and message.encode() in response.content
    assert smtp_server.messages == []


def test_subscribe_requests_are_rate_limited(client, smtp_server):
    for _ in range(3):
        assert subscribe(client).status_code == 200
    assert b"Too many subscription requests" in subscribe(client).content
    assert len(smtp_server.messages) == 3


def test_never_the_same_paper_twice_and_no_empty_digests(smtp_server, listed):
    Subscriber.objects.create(email="ada@example.org", frequency="weekly")
    week = period_for("weekly", DAY)
    assert send_digests(week).sent == 1
    assert send_digests(week).sent == 0  # the same period again: nothing
    assert len(smtp_server.messages) == 1
    daily = send_digests(period_for("daily", DAY))  # other period, same papers: all sent already
    assert daily.sent == 0
    Subscriber.objects.update(frequency="daily")
    assert send_digests(period_for("daily", DAY)).skipped == 1
    assert len(smtp_server.messages) == 1
    assert SentPaper.objects.count() == 3


def test_the_ledger_records_each_message_and_each_digest_with_nothing_new(smtp_server, listed):
    # send-digests marks a claimed batch `sending` (with the Message-ID it is about to send)
    # and `skipped` in one go: each row must still record its own message, sent once.
    emails = [f"reader{i}@example.org" for i in range(3)]
    for email in emails:
        Subscriber.objects.create(email=email, trending=True)
    Subscriber.objects.create(email="none@example.org", trending=False)
    Delivery.objects.create(
        subscriber=Subscriber.objects.get(email=emails[0]),
        period=period_for("daily", DAY).key,
        attempts=2,
    )
    report = send_digests(period_for("daily", DAY))
    assert (report.sent, report.skipped) == (3, 1)
    received = {m["To"]: m["Message-ID"] for m in smtp_server.messages}
    rows = {d.subscriber.email: d for d in Delivery.objects.select_related("subscriber")}
    assert rows["none@example.org"].state == Delivery.State.SKIPPED
    assert rows["none@example.org"].message_id == ""
    for email in emails:
        assert rows[email].state == Delivery.State.SENT
        assert rows[email].message_id == received[email]
    assert [rows[email].attempts for email in emails] == [3, 1, 1]


def test_topics_and_categories(smtp_server, listed):
    Subscriber.objects.create(
        email="ada@example.org", trending=False, topics=["sparse attention"], categories=[]
    )
    send_digests(period_for("daily", DAY))
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert "Sparse attention" in text and "matches your topic “sparse attention”" in text


def test_permanent_refusal_marks_the_address_failing(smtp_server, listed):
    Subscriber.objects.create(email="gone@example.org")
    smtp_server.refuse["gone@example.org"] = "550 5.1.1 no such user"
    report = send_digests(period_for("daily", DAY))
    assert report.failed == 1
    assert Subscriber.objects.get().status == Subscriber.Status.FAILING
    assert Delivery.objects.get().state == Delivery.State.FAILED


def test_transient_failures_are_retried(smtp_server, listed, monkeypatch, sleeps):
    import dailypapers.digests.sending as sending

    monkeypatch.setattr(sending.time, "sleep", sleeps)
    Subscriber.objects.create(email="ada@example.org")
    smtp_server.fail_next_data = ["451 4.3.0 try again later", "421 4.3.2 busy"]
    assert send_digests(period_for("daily", DAY)).sent == 1
    assert len(smtp_server.messages) == 1
    assert sleeps.calls == [1.0, 2.0]  # waited, twice as long the second time


def test_commands(smtp_server, listed):
    out = StringIO()
    call_command(
        "subscribers",
        "add",
        "ada@example.org",
        "--confirmed",
        "--weekly",
        "--topic",
        "x",
        stdout=out,
    )
    call_command("subscribers", "ls", "--json", stdout=out)
    assert '"email": "ada@example.org"' in out.getvalue()
    with pytest.raises(CommandError, match="--confirmed"):
        call_command("subscribers", "add", "bob@example.org")
    call_command("digest-bounce", "ada@example.org", stdout=out)
    assert Subscriber.objects.get().status == Subscriber.Status.FAILING
    call_command("send-digests", "--period", "daily", "--date", "2026-11-28", stdout=out)
    assert "weekend" in out.getvalue()
    call_command("subscribers", "remove", "ada@example.org", stdout=out)
    assert not Subscriber.objects.exists()


def test_new_versions_of_older_papers_count_for_topics(smtp_server, make_paper, search_index):
    make_paper(
        "2401.00001",
        title="Sparse attention revisited",
        published=datetime(2024, 1, 3, tzinfo=UTC),
        updated=datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
        version=3,
    )
    make_paper(
        "2401.00002", title="Sparse attention, old news", published=datetime(2024, 1, 3, tzinfo=UTC)
    )
    rebuild()
    Subscriber.objects.create(email="ada@example.org", trending=False, topics=["sparse attention"])
    send_digests(period_for("daily", DAY))
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert "Sparse attention revisited" in text and "old news" not in text
