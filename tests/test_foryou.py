""" "For you" for signed-in users (issue 13): `recommend --user`, /for-you, the API and the
digest section, all reading the library through signals_for."""

import json
import re
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from test_recommend import TOPICS

from dailypapers.accounts.tokens import create_token
from dailypapers.digests.compose import period_for
from dailypapers.digests.models import SentPaper, Subscriber
from dailypapers.digests.sending import send_digests
from dailypapers.feed.models import Vote
from dailypapers.library import services
from dailypapers.library.models import LibrarySettings
from dailypapers.library.signals import signals_for, signals_for_many
from dailypapers.papers.models import Paper
from dailypapers.recommend.engine import Ranker
from dailypapers.recommend.foryou import DigestPicks, why_text
from dailypapers.search.indexer import rebuild

pytestmark = pytest.mark.django_db
HOSTILE = "<script>alert(1)</script> Graph neural networks for molecule property prediction"


@pytest.fixture
def corpus(search_index, make_paper):
    """The recommender tests' eight papers: the first of each topic on 1 Nov, the second on
    21 Nov and the third on 22 Nov (the newest day)."""
    made = {}
    number = 0
    for topic, papers in TOPICS.items():
        for rank, (title, abstract) in enumerate(papers):
            number += 1
            arxiv_id = f"2611.{number:05d}"
            make_paper(
                arxiv_id,
                title=title,
                abstract=abstract,
                published=datetime(2026, 11, 1 if rank == 0 else 20 + rank, tzinfo=UTC),
            )
            made.setdefault(topic, []).append(arxiv_id)
    rebuild()
    return made


def save(user, arxiv_id, *tags):
    return services.save(user, Paper.objects.get(pk=arxiv_id), tags=list(tags))


def dismiss(user, arxiv_id):
    return services.dismiss(user, Paper.objects.get(pk=arxiv_id))


def recommend_json(*args) -> dict:
    out = StringIO()
    call_command("recommend", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


# --- CLI ---------------------------------------------------------------------------------


def test_cli_ranks_for_a_users_library(corpus, make_user):
    alice = make_user("alice")
    graphs = corpus["graphs"]
    save(alice, graphs[0])
    found = recommend_json("--user", "alice", "--window", "all")
    assert set(found) == {"ids", "why"}
    assert set(found["ids"][:2]) == set(graphs[1:])
    assert graphs[0] not in found["ids"]
    first = found["ids"][0]
    assert found["why"][first]["because"] == [graphs[0]]
    assert 1 <= len(found["why"][first]["terms"]) <= 4


def test_cli_tag_ranks_for_that_tag_alone_and_keeps_other_saves_out(corpus, make_user):
    alice = make_user("alice")
    save(alice, corpus["graphs"][0], "chemistry")
    save(alice, corpus["quantum"][0], "qubits")
    save(alice, corpus["quantum"][1])  # untagged, saved: never recommended
    found = recommend_json("--user", "alice", "--tag", "qubits", "--window", "all", "--limit", "2")
    assert found["ids"] == [corpus["quantum"][2], *found["ids"][1:]]
    assert corpus["quantum"][1] not in found["ids"]
    assert recommend_json("--user", "alice", "--tag", "nothing-here") == {"ids": [], "why": {}}


def test_cli_text_output_and_errors(corpus, make_user):
    alice = make_user("alice")
    save(alice, corpus["graphs"][0])
    out = StringIO()
    call_command("recommend", "--user", "alice", "--window", "all", "--limit", "1", stdout=out)
    assert "because you saved “Graph neural networks for molecule" in out.getvalue()
    with pytest.raises(CommandError, match="no such user: nobody"):
        call_command("recommend", "--user", "nobody")
    with pytest.raises(CommandError, match="--tag needs --user"):
        call_command("recommend", "--ids", corpus["graphs"][0], "--tag", "x")
    with pytest.raises(CommandError):
        call_command("recommend", "--user", "alice", "--ids", corpus["graphs"][0])


# --- /for-you ----------------------------------------------------------------------------


def ids_on(response) -> list[str]:
    return re.findall(r'<h2 id="title-\d+"><a href="/papers/([^"]+)"', response.content.decode())


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get("/for-you")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_page_ranks_new_papers_and_says_why(client, reader, corpus):
    graphs, quantum = corpus["graphs"], corpus["quantum"]
    save(reader, graphs[0])
    dismiss(reader, quantum[1])
    response = client.get("/for-you")  # week by default: papers of 16–22 Nov
    assert response.status_code == 200
    html = response.content.decode()
    shown = ids_on(response)
    assert shown[:2] == [graphs[1], graphs[2]] or shown[:2] == [graphs[2], graphs[1]]
    assert graphs[0] not in shown and quantum[1] not in shown
    assert not {corpus["translation"][0], quantum[0]} & set(shown)  # 1 Nov: outside the week
    title = Paper.objects.get(pk=graphs[0]).title
    assert f'because you saved <a href="/papers/{graphs[0]}">{title}</a>' in html
    assert html.count('<span class="term">') >= len(shown)
    assert 'aria-current="page">Past week' in html
    assert "For you</a>" in html  # the header link
    # Save and Not interested come through the library's hook, as on the day list.
    assert html.count('class="save"') >= len(shown)


def test_window_day_is_the_newest_day(client, reader, corpus):
    save(reader, corpus["graphs"][0])
    shown = ids_on(client.get("/for-you?window=day"))
    assert shown and all(Paper.objects.get(pk=i).published.day == 22 for i in shown)
    assert corpus["graphs"][2] in shown
    assert ids_on(client.get("/for-you?window=nonsense")) == ids_on(client.get("/for-you"))


def test_tag_ranks_for_the_tag_alone(client, reader, corpus):
    save(reader, corpus["graphs"][0], "chemistry")
    save(reader, corpus["quantum"][0], "qubits")
    shown = ids_on(client.get("/for-you?tag=qubits"))
    assert set(shown[:2]) == set(corpus["quantum"][1:])
    response = client.get("/for-you?tag=missing")
    assert b"no saved papers tagged" in response.content
    assert ids_on(response) == []


def test_empty_library_explains_and_shows_trending(client, reader, corpus, list_paper):
    from django.utils import timezone

    list_paper(Paper.objects.get(pk=corpus["translation"][1]), timezone.now().date())
    response = client.get("/for-you")
    assert b"press <strong>Save</strong>" in response.content
    assert b"Trending this week" in response.content
    assert ids_on(response) == [corpus["translation"][1]]


def test_works_from_one_upvote_unless_turned_off(client, reader, corpus):
    Vote.objects.create(user=reader, paper_id=corpus["quantum"][0])
    assert set(ids_on(client.get("/for-you"))[:2]) == set(corpus["quantum"][1:])
    LibrarySettings.objects.create(user=reader, upvotes_are_signals=False)
    assert b"press <strong>Save</strong>" in client.get("/for-you").content


def test_settings_page_offers_to_turn_upvotes_off(client, reader):
    assert b"upvotes_are_signals" in client.get("/library/settings").content


def test_never_another_users_signals(client, reader, make_user, corpus):
    graphs = corpus["graphs"]
    bob = make_user("bob")
    save(bob, corpus["quantum"][0])
    Paper.objects.filter(pk=corpus["quantum"][0]).update(title="Bob's secret reading")
    dismiss(bob, graphs[1])
    save(reader, graphs[0])
    response = client.get("/for-you")
    shown = ids_on(response)
    assert graphs[1] in shown  # bob's "not interested" is his alone
    assert b"Bob&#x27;s secret reading" not in response.content
    assert b"because you saved" in response.content
    assert all(
        "Bob" not in why for why in re.findall(r'<p class="why">.*?</p>', response.content.decode())
    )


def test_titles_in_the_why_line_are_escaped(client, reader, corpus):
    Paper.objects.filter(pk=corpus["graphs"][0]).update(title=HOSTILE)
    save(reader, corpus["graphs"][0])
    html = client.get("/for-you").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Graph neural" in html


def test_without_an_index_the_page_says_so(client, reader, make_paper, search_index):
    save(reader, make_paper("2611.00001").pk)
    assert b"search index, which is not built yet" in client.get("/for-you").content


# --- API ---------------------------------------------------------------------------------


def api_get(client, token, query=""):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(f"/api/recommendations{query}", headers=headers)


def test_api_needs_a_token(client, corpus):
    response = api_get(client, None)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert api_get(client, "not-a-token").status_code == 401


def test_api_ranks_for_the_tokens_owner(client, make_user, corpus):
    alice, bob = make_user("alice"), make_user("bob")
    save(alice, corpus["graphs"][0], "chemistry")
    save(alice, corpus["quantum"][0], "qubits")
    save(bob, corpus["translation"][0])
    _, token = create_token(alice)
    body = api_get(client, token, "?window=all&limit=3").json()
    assert set(body) == {"ids", "why"} and len(body["ids"]) == 3
    assert not {corpus["graphs"][0], corpus["quantum"][0]} & set(body["ids"])
    for why in body["why"].values():
        assert set(why["because"]) <= {corpus["graphs"][0], corpus["quantum"][0]}
    tagged = api_get(client, token, "?window=all&tag=qubits&limit=2").json()
    assert set(tagged["ids"]) == set(corpus["quantum"][1:])
    assert api_get(client, token, "?tag=none-such").json() == {"ids": [], "why": {}}


def test_api_a_tag_holding_a_nul_names_none_on_every_database(client, make_user, corpus):
    """PostgreSQL refuses a NUL even in a lookup: the tag is looked up where every caller's
    is (`library.signals.signals_for`), not in each view."""
    _, token = create_token(make_user("alice"))
    assert api_get(client, token, "?tag=a%00b").json() == {"ids": [], "why": {}}


@pytest.mark.parametrize("query", ["?window=year", "?limit=0", "?limit=201", "?limit=x"])
def test_api_refuses_bad_parameters_in_the_one_error_shape(client, make_user, corpus, query):
    _, token = create_token(make_user("alice"))
    response = api_get(client, token, query)
    assert response.status_code == 422
    assert set(response.json()["error"]) == {"status", "code", "message"}


def test_api_is_documented(client, db):
    spec = client.get("/api/openapi.json").json()
    operation = spec["paths"]["/api/recommendations"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"window", "tag", "limit"}
    assert operation.get("security")


# --- digests -----------------------------------------------------------------------------

DAY = date(2026, 11, 22)


def test_digest_settings_opt_in_only_for_ones_own_digest(client, reader, make_user):
    mine = Subscriber.objects.create(email="reader@example.org", user=reader)
    # Same address as the account, but not confirmed while logged in: not theirs.
    unlinked = Subscriber.objects.create(email="Reader@example.com")
    page = client.get("/digests/").content.decode()
    assert "papers for you" in page and f'name="subscriber" value="{mine.pk}"' in page
    client.post("/digests/for-you", {"subscriber": mine.pk, "enabled": "1", "for_you": "5"})
    assert Subscriber.objects.get(pk=mine.pk).for_you == 5
    client.post("/digests/for-you", {"subscriber": mine.pk, "for_you": "10"})  # unticked: off
    assert Subscriber.objects.get(pk=mine.pk).for_you == 0
    refused = client.post("/digests/for-you", {"subscriber": unlinked.pk, "enabled": "1"})
    assert refused.status_code == 404
    assert Subscriber.objects.get(pk=unlinked.pk).for_you == 0
    client.force_login(make_user("stranger"))
    refused = client.post("/digests/for-you", {"subscriber": mine.pk, "enabled": "1"})
    assert refused.status_code == 404


def test_digest_section_and_the_never_twice_ledger(smtp_server, make_user, corpus):
    alice = make_user("alice")
    graphs, quantum = corpus["graphs"], corpus["quantum"]
    save(alice, graphs[0])
    Subscriber.objects.create(
        email="alice@example.org", user=alice, for_you=2, trending=False, frequency="weekly"
    )
    Subscriber.objects.create(email="ben@example.org", trending=False, frequency="weekly")
    report = send_digests(period_for("weekly", DAY))  # 16–22 Nov
    assert (report.sent, report.skipped) == (1, 1)  # ben opted into nothing
    (message,) = smtp_server.messages
    assert message["To"] == "alice@example.org"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Papers for you" in text and "Papers for you" in html
    assert "because you saved “Graph neural networks for molecule property prediction”" in text
    assert set(SentPaper.objects.values_list("paper_id", flat=True)) == set(graphs[1:])
    # The daily edition of 22 Nov: graphs[2] was mailed already, so the next best comes.
    Subscriber.objects.update(frequency="daily")
    assert send_digests(period_for("daily", DAY)).sent == 1
    again = smtp_server.messages[1].get_body(("plain",)).get_content()
    assert Paper.objects.get(pk=quantum[2]).title in again
    assert Paper.objects.get(pk=graphs[2]).title not in again
    assert SentPaper.objects.filter(paper_id=graphs[2]).count() == 1


def digest_readers(make_user, corpus) -> list:
    """Three accounts: one saved paper and a dismissal; an upvote and a save; nothing."""
    ann, bob, cat = make_user("ann"), make_user("bob"), make_user("cat")
    save(ann, corpus["graphs"][0])
    dismiss(ann, corpus["translation"][1])
    save(bob, corpus["quantum"][0])
    Vote.objects.create(user=bob, paper_id=corpus["translation"][0])
    LibrarySettings.objects.create(user=cat, upvotes_are_signals=False)
    Vote.objects.create(user=cat, paper_id=corpus["graphs"][0])
    return [ann, bob, cat]


def test_signals_of_many_users_are_each_users_signals(make_user, corpus):
    readers = digest_readers(make_user, corpus)
    many = signals_for_many([u.pk for u in readers])
    for user in readers:
        alone = signals_for(user)
        assert (many[user.pk].positive, many[user.pk].negative) == (
            alone.positive,
            alone.negative,
        )
    assert many[readers[2].pk].positive == []  # upvotes turned off


def test_a_prepared_digest_batch_picks_what_one_by_one_picks(make_user, corpus):
    readers = digest_readers(make_user, corpus)
    week = (date(2026, 11, 16), DAY)
    alone = [DigestPicks(*week).for_user(user, 2) for user in readers]
    picks = DigestPicks(*week)
    with CaptureQueriesContext(connection) as one:
        picks.prepare([(readers[0].pk, 2)])
    with CaptureQueriesContext(connection) as three:
        picks.prepare([(user.pk, 2) for user in readers])
    assert len(three) == len(one)  # a batch costs the same few queries, however large
    prepared = [picks.for_user(user, 2) for user in readers]
    assert [found for found, _ in prepared] == [found for found, _ in alone]
    assert [found for found, _ in alone][:2] != [[], []] and alone[2][0] == []
    for (found, signals), (_, signals_alone) in zip(prepared, alone, strict=True):
        assert [why_text(r, signals) for r in found] == [why_text(r, signals_alone) for r in found]


def test_a_prepared_pick_already_mailed_is_ranked_again(make_user, corpus, monkeypatch):
    """A batch ranks only the papers shown, without the ones its ledger says were mailed;
    when the ledger given later names another, the subscriber is ranked alone, without it."""
    ann = digest_readers(make_user, corpus)[0]
    week = (date(2026, 11, 16), DAY)
    first, _ = DigestPicks(*week).for_user(ann, 2)
    mailed = {first[0].arxiv_id}
    expected, _ = DigestPicks(*week).for_user(ann, 2, already_sent=mailed)
    assert first[0].arxiv_id not in {r.arxiv_id for r in expected} and len(expected) == 2
    picks = DigestPicks(*week)
    picks.prepare([(ann.pk, 2)])
    found, _ = picks.for_user(ann, 2, already_sent=mailed)
    assert found == expected

    def alone(*args, **kwargs):
        raise AssertionError("ranked alone although the batch knew the ledger")

    picks.prepare([(ann.pk, 2)], {ann.pk: mailed})
    monkeypatch.setattr(Ranker, "rank", alone)
    found, _ = picks.for_user(ann, 2, already_sent=mailed)
    assert found == expected
