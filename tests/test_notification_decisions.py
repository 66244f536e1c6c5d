"""Decisions on what people gave the site reach them (issue 16): a claimant hears when a
curator verifies or rejects their authorship claim, a proposer when their link is approved or
rejected; making a claim watches the paper. Inbox and email (a real SMTP server, aiosmtpd),
per-kind unsubscribe, nothing for your own decisions, nothing to anyone else."""

import pytest

from dailypapers.accounts.roles import make_curator
from dailypapers.links import store as links
from dailypapers.notifications import services
from dailypapers.notifications.emails import send_pending
from dailypapers.notifications.models import EmailMode, Kind, Notification, Watch
from dailypapers.people import claims

pytestmark = pytest.mark.django_db

HOSTILE_TITLE = "<script>alert(1)</script> Attention & more"


@pytest.fixture
def people(make_user, make_paper):
    paper = make_paper("2401.00001", title=HOSTILE_TITLE, authors=["Ada Lovelace", "Bob Byron"])
    return paper, make_user("ada"), make_user("bob"), make_user("cur", curator=True)


def inbox(user) -> list[tuple[str, str]]:
    return [(n.kind, n.text) for n in services.inbox(user)]


def test_making_a_claim_watches_the_paper(people):
    paper, ada, _, _ = people
    claims.claim(ada, paper, 0)
    assert Watch.objects.filter(user=ada, paper=paper).exists()
    assert services.unread_count(ada) == 0  # a pending claim tells nobody anything


def test_claimant_hears_of_verification_and_rejection_in_inbox_and_email(
    people, smtp_server, client
):
    paper, ada, bob, cur = people
    claims.decide(cur, claims.claim(ada, paper, 0).pk, verify=True)
    claims.decide(cur, claims.claim(bob, paper, 0).pk, verify=False)
    assert inbox(ada) == [
        (Kind.CLAIM_APPROVED, f"You are verified as Ada Lovelace, an author of {HOSTILE_TITLE}")
    ]
    assert inbox(bob) == [
        (Kind.CLAIM_REJECTED, f"Your claim to be Ada Lovelace on {HOSTILE_TITLE} was rejected")
    ]
    assert services.unread_count(cur) == 0
    assert send_pending().sent == 2
    assert send_pending().sent == 0  # the ledger: never twice
    mail = {m["To"]: m for m in smtp_server.messages}
    assert "verified as Ada Lovelace" in mail["ada@example.org"]["Subject"]
    assert "was rejected" in mail["bob@example.org"]["Subject"]
    html = mail["ada@example.org"].get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "https://papers.example.org/papers/2401.00001" in html
    client.force_login(ada)
    page = client.get("/notifications").content.decode()
    assert 'data-kind="claim_approved"' in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_proposer_hears_of_approval_and_rejection_and_watchers_hear_nothing(people, smtp_server):
    paper, ada, bob, cur = people
    services.watch(bob, paper)
    kept = links.propose(ada, paper, "https://github.com/ada/attention", "code")
    dropped = links.propose(ada, paper, "https://example.org/not-it", "project")
    links.approve(cur, kept)
    links.reject(cur, dropped)
    assert sorted(inbox(ada)) == [
        (
            Kind.LINK_APPROVED,
            f"Your code link https://github.com/ada/attention on {HOSTILE_TITLE} was approved",
        ),
        (
            Kind.LINK_REJECTED,
            f"Your project link https://example.org/not-it on {HOSTILE_TITLE} was rejected",
        ),
    ]
    # A rejected link is told to its proposer only: not to watchers, not to the reviewer.
    assert services.unread_count(bob) == 0 and services.unread_count(cur) == 0
    assert Notification.objects.exclude(recipient=ada).count() == 0
    assert send_pending().sent == 2
    assert {m["To"] for m in smtp_server.messages} == {"ada@example.org"}
    assert "https://example.org/not-it" not in str(
        [m.as_string() for m in smtp_server.messages if "approved" in m["Subject"]]
    )


def test_per_kind_unsubscribe_is_respected(people, smtp_server):
    paper, ada, _, cur = people
    services.set_email_mode(ada, Kind.LINK_REJECTED, EmailMode.OFF)
    links.reject(cur, links.propose(ada, paper, "https://example.org/a", "project"))
    links.approve(cur, links.propose(ada, paper, "https://github.com/ada/b", "code"))
    report = send_pending()
    assert report.sent == 1 and report.not_mailed == 1
    [message] = smtp_server.messages
    assert "was approved" in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert services.unread_count(ada) == 2  # the inbox still has both


def test_no_notification_for_your_own_decision(people, smtp_server):
    paper, ada, _, cur = people
    claims.decide(cur, claims.claim(cur, paper, 1).pk, verify=True)  # a curator, own claim
    pending = links.propose(ada, paper, "https://github.com/ada/self", "code")
    make_curator(ada)  # ada may now review her own earlier proposal
    links.approve(ada, pending)
    assert Notification.objects.count() == 0
    assert send_pending().sent == 0 and smtp_server.messages == []
