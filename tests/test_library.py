"""The personal library (issue 13): saving, tags, notes, "not interested", /library,
import and export, collections, and what the recommender reads (signals_for)."""

import csv
import io
import json

import feedparser
import pytest
from conftest import atom
from django.db import IntegrityError, transaction
from pybtex.database import parse_string

from dailypapers.feed.models import Vote
from dailypapers.library import services
from dailypapers.library.importing import ImportRefused, import_text
from dailypapers.library.models import Collection, Dismissal, LibrarySettings, SavedPaper, Tag
from dailypapers.library.signals import Signals, signals_for

pytestmark = pytest.mark.django_db
JSON = {"Accept": "application/json"}


@pytest.fixture
def papers(make_paper):
    return [
        make_paper("2611.00001", title="Mamba: linear-time sequence modeling"),
        make_paper("2611.00002", title="S4: structured state spaces"),
        make_paper("2611.00003", title="Attention is all you need"),
    ]


def saved_ids(user, tag=None):
    rows = SavedPaper.objects.filter(user=user)
    if tag:
        rows = rows.filter(tags__slug=tag)
    return sorted(rows.values_list("paper_id", flat=True))


# Models and the service layer


def test_a_paper_is_saved_once_and_tag_slugs_are_unique_per_user(papers, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    SavedPaper.objects.create(user=alice, paper=papers[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        SavedPaper.objects.create(user=alice, paper=papers[0])
    Tag.objects.create(user=alice, name="To read", slug="to-read")
    Tag.objects.create(user=bob, name="to read", slug="to-read")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(user=alice, name="to-read", slug="to-read")


def test_save_adds_tags_by_slug_keeping_the_first_spelling(papers, make_user):
    alice = make_user("alice")
    services.save(alice, papers[0], tags=["To read", "Diffusion"])
    services.save(alice, papers[1], tags=["to-read"])
    services.save(alice, papers[0], tags=["TO READ"])  # saving again only adds
    assert sorted(Tag.objects.filter(user=alice).values_list("name", flat=True)) == [
        "Diffusion",
        "To read",
    ]
    assert saved_ids(alice, "to-read") == ["2611.00001", "2611.00002"]
    assert SavedPaper.objects.filter(user=alice).count() == 2


@pytest.mark.parametrize("name", ["", "   ", "!!!", "x" * 61])
def test_bad_tag_names_are_refused_and_change_nothing(papers, make_user, name):
    alice = make_user("alice")
    with pytest.raises(services.LibraryError):
        services.save(alice, papers[0], tags=[name])
    assert not SavedPaper.objects.exists() and not Tag.objects.exists()


def test_tags_of_any_script_get_a_slug(papers, make_user):
    alice = make_user("alice")
    services.save(alice, papers[0], tags=["Диффузия модели"])
    assert Tag.objects.get().slug == "диффузия-модели"


def test_saving_takes_back_not_interested_and_dismissing_a_saved_paper_is_refused(
    papers, make_user
):
    alice = make_user("alice")
    services.dismiss(alice, papers[0])
    services.save(alice, papers[0])
    assert not Dismissal.objects.exists()
    with pytest.raises(services.LibraryError, match="remove it first"):
        services.dismiss(alice, papers[0])


def test_bulk_tag_untag_remove_touch_only_the_users_own_papers(papers, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    for paper in papers:
        services.save(alice, paper)
    services.save(bob, papers[0])
    ids = ["2611.00001", "2611.00002"]
    assert services.bulk(alice, ids, "tag", "ssm") == 2
    assert services.bulk(alice, ids, "tag", "SSM") == 0  # already tagged
    assert saved_ids(alice, "ssm") == ids and not Tag.objects.filter(user=bob).exists()
    assert services.bulk(alice, ["2611.00002"], "untag", "ssm") == 1
    assert saved_ids(alice, "ssm") == ["2611.00001"]
    assert services.bulk(alice, ids, "remove") == 2
    assert saved_ids(alice) == ["2611.00003"] and saved_ids(bob) == ["2611.00001"]


# signals_for: the recommender's contract


def test_signals_for_an_empty_library():
    from django.contrib.auth.models import User

    user = User.objects.create_user("nobody")
    assert signals_for(user) == Signals([], [], {})


def test_signals_for_saved_upvoted_dismissed_and_by_tag(papers, make_user, make_paper):
    alice, bob = make_user("alice"), make_user("bob")
    other = make_paper("2611.00004", title="Upvoted paper")
    services.save(alice, papers[0], tags=["ssm"])
    services.save(alice, papers[1])
    Vote.objects.create(user=alice, paper=other)
    Vote.objects.create(user=alice, paper=papers[0])  # saved and upvoted: once
    services.dismiss(alice, papers[2])
    services.save(bob, papers[2])
    signals = signals_for(alice)
    assert sorted(signals.positive) == ["2611.00001", "2611.00002", "2611.00004"]
    assert signals.negative == ["2611.00003"]
    assert signals.saved_titles["2611.00001"].startswith("Mamba")
    assert set(signals.saved_titles) == set(signals.positive)

    tagged = signals_for(alice, tag="ssm")
    assert tagged.positive == ["2611.00001"] and tagged.negative == ["2611.00003"]
    assert signals_for(alice, tag="no-such-tag").positive == []

    LibrarySettings.objects.create(user=alice, upvotes_are_signals=False)
    assert sorted(signals_for(alice).positive) == ["2611.00001", "2611.00002"]


# Save, tags and notes over HTTP, without and with JavaScript


def test_save_without_javascript_posts_and_redirects_back(client, reader, papers):
    response = client.post("/papers/2611.00001/save", {"next": "/library", "saved": "1"})
    assert response.status_code == 302 and response["Location"] == "/library"
    assert saved_ids(reader) == ["2611.00001"]
    page = client.get("/papers/2611.00001").content.decode()
    assert 'aria-pressed="true"' in page and ">Saved</button>" in page
    client.post("/papers/2611.00001/save", {"saved": "0"})
    assert saved_ids(reader) == []


def test_save_with_javascript_gets_json_and_repeats_are_harmless(client, reader, papers):
    for _ in range(2):
        response = client.post("/papers/2611.00001/save", {"saved": "1"}, headers=JSON)
        assert response.json() == {"saved": True}
    assert saved_ids(reader) == ["2611.00001"]
    response = client.post("/papers/2611.00001/save", {"saved": "0"}, headers=JSON)
    assert response.json() == {"saved": False} and saved_ids(reader) == []


def test_not_interested_with_and_without_javascript(client, reader, papers):
    response = client.post("/papers/2611.00002/dismiss", {"dismissed": "1"}, headers=JSON)
    assert response.json() == {"dismissed": True}
    assert Dismissal.objects.filter(user=reader, paper_id="2611.00002").exists()
    client.post("/papers/2611.00002/dismiss", {"dismissed": "0", "next": "/"})
    assert not Dismissal.objects.exists()
    client.post("/papers/2611.00001/save")
    refused = client.post("/papers/2611.00001/dismiss", headers=JSON)
    assert refused.status_code == 409 and "remove it first" in refused.json()["error"]


def test_anonymous_visitors_are_asked_to_log_in(client, papers):
    response = client.post("/papers/2611.00001/save")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post("/papers/2611.00001/save", headers=JSON).status_code == 401
    assert client.post("/papers/2611.00001/dismiss", headers=JSON).status_code == 401
    assert "Log in to save" in client.get("/papers/2611.00001").content.decode()
    assert not SavedPaper.objects.exists() and not Dismissal.objects.exists()


def test_cards_carry_save_and_not_interested(client, reader, papers, list_paper):
    from datetime import date

    list_paper(papers[0], date(2026, 11, 20))
    list_paper(papers[1], date(2026, 11, 20), minute=1)
    client.post("/papers/2611.00002/save")
    page = client.get("/papers/date/2026-11-20").content.decode()
    assert page.count('<form class="save"') == 2 and page.count('<form class="dismiss"') == 2
    assert page.count(">Saved</button>") == 1


def test_tags_and_note_from_the_paper_page(client, reader, papers):
    response = client.post(
        "/papers/2611.00001/library", {"tags": "to-read, SSM ,", "note": "Read §3 <b>first</b>"}
    )
    assert response.status_code == 302
    saved = SavedPaper.objects.get(user=reader)
    assert sorted(t.name for t in saved.tags.all()) == ["SSM", "to-read"]
    assert saved.note == "Read §3 <b>first</b>"
    page = client.get("/papers/2611.00001").content.decode()
    assert "Read §3 &lt;b&gt;first&lt;/b&gt;" in page and "<b>first</b>" not in page
    client.post("/papers/2611.00001/library", {"tags": "", "note": ""})
    saved.refresh_from_db()
    assert not saved.tags.exists() and saved.note == ""


def test_a_too_long_note_is_refused(client, reader, papers):
    client.post("/papers/2611.00001/library", {"tags": "", "note": "x" * 10_001})
    assert not SavedPaper.objects.exists()


# /library


def test_library_filters_sorts_and_searches(client, reader, papers):
    services.save(reader, papers[0], tags=["ssm"], note="selective scan")
    services.save(reader, papers[1], tags=["ssm"])
    services.save(reader, papers[2])
    page = client.get("/library").content.decode()
    assert all(p.title in page for p in papers)
    page = client.get("/library?tag=ssm").content.decode()
    assert "Attention is all" not in page and "Mamba" in page
    page = client.get("/library?q=selective").content.decode()
    # The title, not "S4" alone: the page's random CSRF token may hold "S4" (it did once).
    assert "Mamba" in page and "S4: structured" not in page
    titles = client.get("/library?sort=title").content.decode()
    assert titles.index("Attention") < titles.index("Mamba") < titles.index("S4: structured")
    assert client.get("/library?tag=nope").status_code == 404


def test_library_bulk_form(client, reader, papers):
    for paper in papers:
        services.save(reader, paper)
    client.post(
        "/library/bulk", {"action": "tag", "tag": "reading group", "papers": ["2611.00001"]}
    )
    assert saved_ids(reader, "reading-group") == ["2611.00001"]
    client.post("/library/bulk", {"action": "remove", "papers": ["2611.00001", "2611.00002"]})
    assert saved_ids(reader) == ["2611.00003"]


def test_library_needs_a_login(client):
    assert client.get("/library").status_code == 302
    assert client.get("/library/export?format=bib").status_code == 302


# Export and import


def test_export_formats(client, reader, papers):
    services.save(reader, papers[0], tags=["ssm"], note='a "quoted", note')
    services.save(reader, papers[1])
    bib = client.get("/library/export?format=bib&tag=ssm")
    assert bib["Content-Type"].startswith("application/x-bibtex")
    entries = parse_string(bib.content.decode(), "bibtex").entries
    assert [e.fields["eprint"] for e in entries.values()] == ["2611.00001"]
    rows = json.loads(client.get("/library/export?format=json").content)
    assert {r["arxiv_id"] for r in rows} == {"2611.00001", "2611.00002"}

    table = list(
        csv.DictReader(io.StringIO(client.get("/library/export?format=csv").content.decode()))
    )
    assert {r["note"] for r in table} == {'a "quoted", note', ""}
    assert client.get("/library/export?format=exe").status_code == 404


def test_csv_export_never_hands_a_spreadsheet_a_formula(client, reader, papers):
    services.save(reader, papers[0], tags=["@cmd"], note='=HYPERLINK("https://evil.example")')
    services.save(reader, papers[1], note="-2+3")
    text = client.get("/library/export?format=csv").content.decode()
    table = {r["arxiv_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert table["2611.00001"]["note"] == '\'=HYPERLINK("https://evil.example")'
    assert table["2611.00001"]["tags"] == "'@cmd"
    assert table["2611.00002"]["note"] == "'-2+3"
    assert table["2611.00002"]["title"] == papers[1].title  # ordinary text is untouched


def test_export_round_trip_into_another_library(client, reader, papers, make_user):
    services.save(reader, papers[0])
    services.save(reader, papers[2])
    text = client.get("/library/export?format=bib").content.decode()
    bob = make_user("bob")
    report = import_text(bob, text, "library.bib", tags=["from reader"])
    assert report.applied and not report.problems
    assert saved_ids(bob, "from-reader") == ["2611.00001", "2611.00003"]


ZOTERO = """
@article{gu2023mamba,
  title = {Mamba: Linear-Time Sequence Modeling with Selective State Spaces},
  author = {Gu, Albert and Dao, Tri},
  journal = {arXiv preprint arXiv:2611.00001},
  year = {2023}
}

@misc{gu2021s4,
  title = {Efficiently Modeling Long Sequences},
  url = {http://arxiv.org/abs/2611.00002v3},
  eprinttype = {arxiv},
  eprint = {2611.00002}
}

@misc{vaswani,
  doi = {10.48550/ARXIV.2611.00003},
  publisher = {arXiv}
}

@book{knuth, title = {The Art of Computer Programming}, year = {1968}}
"""


def test_bibtex_from_zotero_and_mendeley_finds_arxiv_ids_and_reports_the_rest(papers, make_user):
    alice = make_user("alice")
    report = import_text(alice, ZOTERO, "zotero.bib")
    assert not report.applied and saved_ids(alice) == []
    knuth_line = (
        ZOTERO.splitlines().index(
            "@book{knuth, title = {The Art of Computer Programming}, year = {1968}}"
        )
        + 1
    )
    assert report.problem_lines == [
        f"line {knuth_line}: knuth: no arXiv id (eprint, arXiv URL or arXiv DOI) in this entry"
    ]
    partial = import_text(alice, ZOTERO, "zotero.bib", partial=True)
    assert partial.applied and saved_ids(alice) == ["2611.00001", "2611.00002", "2611.00003"]


@pytest.mark.parametrize(
    "text",
    [
        "@article{broken, title = {unclosed",
        "@misc{a, title={x}}\n@misc{a, title={y}}",
    ],
)
def test_bad_bibtex_is_refused_and_changes_nothing(papers, make_user, text):
    alice = make_user("alice")
    with pytest.raises(ImportRefused, match="not valid BibTeX"):
        import_text(alice, text, "x.bib")
    assert not SavedPaper.objects.exists()


def test_an_id_list_reports_bad_lines_by_number(papers, make_user):
    alice = make_user("alice")
    text = "# my list\n2611.00001\n\nhttps://arxiv.org/abs/2611.00002v2 a title\nnot-an-id\n"
    report = import_text(alice, text, "ids.txt")
    assert [(p.number, p.text) for p in report.problems] == [(5, "not-an-id")]
    assert not report.applied and not SavedPaper.objects.exists()


def test_unknown_ids_while_arxiv_is_unreachable_import_nothing(papers, make_user, fast_arxiv):
    fast_arxiv.ARXIV_API_URL = "http://127.0.0.1:9/api/query"
    alice = make_user("alice")
    report = import_text(alice, "2611.00001\n2611.99999\n", "ids.txt")
    assert [(p.number, p.problem) for p in report.problems] == [
        (2, "not here, and arXiv could not be reached")
    ]
    assert not report.applied and not SavedPaper.objects.exists()


def test_unknown_ids_are_fetched_when_arxiv_answers(papers, make_user, arxiv_api):
    arxiv_api.expect_request(
        "/api/query", query_string={"id_list": "astro-ph/0601001", "max_results": "1"}
    ).respond_with_data(atom("id_astro-ph_0601001_s0_m100_3150dca9dc76.xml"))
    alice = make_user("alice")
    report = import_text(alice, "2611.00001\narXiv:astro-ph/0601001\n", "ids.txt")
    assert report.fetched == ["astro-ph/0601001"] and not report.problems
    assert saved_ids(alice) == ["2611.00001", "astro-ph/0601001"]


def test_import_is_atomic(papers, make_user, monkeypatch):
    """A failure after the first batch was written leaves the library as it was
    (tests/test_crash.py kills the process instead)."""
    alice = make_user("alice")
    monkeypatch.setattr(services, "SAVE_BATCH", 1)

    def fail_after_the_first_batch(done, total):
        assert SavedPaper.objects.filter(user=alice).count() == done
        if done == 2:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        import_text(
            alice,
            "2611.00001\n2611.00002\n2611.00003\n",
            "ids.txt",
            tags=["new"],
            progress=fail_after_the_first_batch,
        )
    assert not SavedPaper.objects.exists() and not Tag.objects.exists()


def test_import_page_reports_lines_and_imports_on_success(client, reader, papers):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("ids.txt", b"2611.00001\n<script>x</script>\n")
    response = client.post("/library/import", {"file": upload})
    page = response.content.decode()
    assert response.status_code == 400 and "line 2" in page and "Nothing was imported" in page
    assert "<script>x" not in page and not SavedPaper.objects.exists()
    response = client.post("/library/import", {"ids": "2611.00001\n2611.00002", "tags": "new"})
    assert response.status_code == 302 and saved_ids(reader, "new") == ["2611.00001", "2611.00002"]
    bad = client.post("/library/import", {"file": SimpleUploadedFile("x.bib", b"\xff\xfe")})
    assert bad.status_code == 400 and "not UTF-8" in bad.content.decode()


# Collections and privacy


def publish(user, papers, slug="ssm", public=True):
    for paper in papers:
        services.save(user, paper, tags=[slug], note="private thoughts")
    return services.publish(user, slug, title="State <b>spaces</b>", public=public)


def test_collections_are_private_by_default(client, papers, make_user):
    alice = make_user("alice")
    services.save(alice, papers[0], tags=["ssm"])
    for url in ("/c/alice/ssm", "/c/alice/ssm/feed.rss", "/c/alice/ssm/bibtex"):
        assert client.get(url).status_code == 404
    publish(alice, papers[:1], public=False)
    assert Collection.objects.get().public is False
    for url in ("/c/alice/ssm", "/c/alice/ssm/feed.atom", "/c/alice/ssm/bibtex"):
        assert client.get(url).status_code == 404
    client.force_login(alice)
    assert "only you see this page" in client.get("/c/alice/ssm").content.decode()


def test_a_public_collection_page_feed_and_bibtex(client, papers, make_user):
    alice = make_user("alice")
    publish(alice, papers[:2])
    page = client.get("/c/alice/ssm").content.decode()
    assert "State &lt;b&gt;spaces&lt;/b&gt;" in page and "Mamba" in page
    assert "private thoughts" not in page
    rss = feedparser.parse(client.get("/c/alice/ssm/feed.rss").content)
    assert rss.feed.title.startswith("State <b>spaces</b>")  # text, escaped by the writer
    assert [e.title for e in rss.entries][:2] == [papers[1].title, papers[0].title]
    atom_feed = feedparser.parse(client.get("/c/alice/ssm/feed.atom").content)
    assert len(atom_feed.entries) == 2
    bib = parse_string(client.get("/c/alice/ssm/bibtex").content.decode(), "bibtex")
    assert len(bib.entries) == 2
    profile = client.get("/u/alice").content.decode()
    assert "/c/alice/ssm" in profile and "State &lt;b&gt;spaces" in profile


def test_another_users_library_tags_and_notes_stay_private(client, papers, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    services.save(alice, papers[0], tags=["secret-tag"], note="secret note")
    client.force_login(bob)
    for url in ("/library", "/library?q=note", "/papers/2611.00001", "/u/alice"):
        page = client.get(url).content.decode()
        assert "secret note" not in page and "secret-tag" not in page, url
    assert client.get("/library?tag=secret-tag").status_code == 404
    assert client.get("/library/tags/secret-tag").status_code == 404
    assert client.get("/library/export?format=json&tag=secret-tag").status_code == 404
    assert "secret" not in client.get("/library/export?format=json").content.decode()
    client.post("/library/bulk", {"action": "remove", "papers": ["2611.00001"]})
    client.post("/library/tags/secret-tag", {"title": "mine now", "public": "on"})
    assert saved_ids(alice) == ["2611.00001"] and not Collection.objects.exists()


def test_publishing_from_the_tag_page(client, reader, papers):
    services.save(reader, papers[0], tags=["ssm"])
    response = client.post(
        "/library/tags/ssm", {"title": "SSMs", "description": "Line one\nline two", "public": "on"}
    )
    assert response.status_code == 302
    page = client.get("/c/reader/ssm").content.decode()
    assert "SSMs" in page and "Line one<br>line two" in page
    client.post("/library/tags/ssm", {"title": "SSMs"})  # unticked: private again
    client.logout()
    assert client.get("/c/reader/ssm").status_code == 404


def test_deleting_a_tag_keeps_its_papers(client, reader, papers):
    services.save(reader, papers[0], tags=["ssm"])
    client.post("/library/tags/ssm", {"delete": "1"})
    assert saved_ids(reader) == ["2611.00001"] and not Tag.objects.exists()


def test_settings_turn_upvotes_off_as_signals(client, reader, papers):
    Vote.objects.create(user=reader, paper=papers[0])
    assert signals_for(reader).positive == ["2611.00001"]
    client.post("/library/settings", {})
    assert signals_for(reader).positive == []
    client.post("/library/settings", {"upvotes_are_signals": "on"})
    assert signals_for(reader).positive == ["2611.00001"]


# The API


@pytest.fixture
def tokens(make_user):
    from dailypapers.accounts.tokens import create_token

    return {name: create_token(make_user(name), "tests")[1] for name in ("alice", "bob")}


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_api_library_crud(client, papers, tokens):
    alice = bearer(tokens["alice"])
    assert client.get("/api/library").status_code == 401
    created = client.post(
        "/api/library",
        {"paper_id": "arXiv:2611.00001v2", "tags": ["ssm"], "note": "hi"},
        content_type="application/json",
        headers=alice,
    )
    assert created.status_code == 201
    assert created.json()["tags"] == ["ssm"] and created.json()["note"] == "hi"
    listed = client.get("/api/library", {"tag": "ssm"}, headers=alice).json()
    assert [row["id"] for row in listed] == ["2611.00001"]
    patched = client.patch(
        "/api/library/2611.00001",
        {"tags": ["a", "b"]},
        content_type="application/json",
        headers=alice,
    )
    assert patched.json()["tags"] == ["a", "b"] and patched.json()["note"] == "hi"
    tags = client.get("/api/library/tags", headers=alice).json()
    assert {t["slug"]: t["count"] for t in tags} == {"a": 1, "b": 1, "ssm": 0}
    bad = client.patch(
        "/api/library/2611.00001", {"tags": ["!!!"]}, content_type="application/json", headers=alice
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "refused"
    assert client.delete("/api/library/2611.00001", headers=alice).status_code == 204
    assert client.get("/api/library/2611.00001", headers=alice).status_code == 404


def test_api_never_shows_another_users_library(client, papers, tokens):
    alice, bob = bearer(tokens["alice"]), bearer(tokens["bob"])
    client.post(
        "/api/library",
        {"paper_id": "2611.00001", "tags": ["secret"], "note": "secret note"},
        content_type="application/json",
        headers=alice,
    )
    assert client.get("/api/library", headers=bob).json() == []
    assert client.get("/api/library/tags", headers=bob).json() == []
    assert client.get("/api/library/2611.00001", headers=bob).status_code == 404
    assert client.get("/api/library", {"tag": "secret"}, headers=bob).status_code == 404
    assert client.delete("/api/library/2611.00001", headers=bob).status_code == 404
    assert client.get("/api/collections/alice/secret").status_code == 404
    put = client.put(
        "/api/collections/alice/secret",
        {"public": True},
        content_type="application/json",
        headers=bob,
    )
    assert put.status_code == 403 and not Collection.objects.exists()
    assert SavedPaper.objects.get().note == "secret note"


def test_api_collections_read_publicly_write_as_owner(client, papers, tokens):
    alice = bearer(tokens["alice"])
    client.post(
        "/api/library",
        {"paper_id": "2611.00002", "tags": ["ssm"], "note": "private"},
        content_type="application/json",
        headers=alice,
    )
    put = client.put(
        "/api/collections/alice/ssm",
        {"title": "State spaces", "description": "Mine"},
        content_type="application/json",
        headers=alice,
    )
    assert put.status_code == 200 and put.json()["public"] is True
    public = client.get("/api/collections/alice/ssm").json()
    assert public["title"] == "State spaces" and [p["id"] for p in public["papers"]] == [
        "2611.00002"
    ]
    assert "private" not in json.dumps(public)
    assert [c["slug"] for c in client.get("/api/collections/alice").json()] == ["ssm"]
    client.put(
        "/api/collections/alice/ssm",
        {"public": False},
        content_type="application/json",
        headers=alice,
    )
    assert client.get("/api/collections/alice/ssm").status_code == 404
    assert client.get("/api/collections/alice").json() == []
    missing = client.put(
        "/api/collections/alice/nope", {}, content_type="application/json", headers=alice
    )
    assert missing.status_code == 404


def test_openapi_documents_the_library(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/library", "/api/library/tags", "/api/collections/{username}/{slug}"} <= set(paths)


# The CLI


def test_cli_add_ls_and_import(papers, make_user, tmp_path, capsys):
    from django.core.management import CommandError, call_command

    make_user("alice")
    call_command("library", "add", "--user", "alice", "2611.00001", "2611.00002", "--tag", "ssm")
    assert capsys.readouterr().out == "saved 2 papers\n"
    call_command("library", "ls", "--user", "alice", "--tag", "ssm", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert sorted(r["arxiv_id"] for r in rows) == ["2611.00001", "2611.00002"]
    bib = tmp_path / "mine.bib"
    bib.write_text(ZOTERO)
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("library", "import", "--user", "alice", str(bib))
    assert "knuth: no arXiv id" in capsys.readouterr().err
    call_command("library", "import", "--user", "alice", str(bib), "--partial")
    assert "imported 1 new, 2 already saved" in capsys.readouterr().out
    SavedPaper.objects.filter(paper_id="2611.00003").delete()
    with pytest.raises(CommandError, match="is not an arXiv id"):
        call_command("library", "add", "--user", "alice", "2611.00003", "nonsense")
    assert not SavedPaper.objects.filter(paper_id="2611.00003").exists()
    with pytest.raises(CommandError, match="no user"):
        call_command("library", "ls", "--user", "nobody")


def test_search_results_carry_the_save_control(client, reader, papers, search_index):
    from dailypapers.search.indexer import rebuild

    rebuild()
    services.save(reader, papers[0])
    page = client.get("/search", {"q": "sequence modeling"}).content.decode()
    assert '<form class="save"' in page and ">Saved</button>" in page
    client.logout()
    assert "Log in to save" in client.get("/search", {"q": "sequence modeling"}).content.decode()
