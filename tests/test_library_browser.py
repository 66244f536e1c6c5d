"""The library in a real headless Chromium: save from a card without a reload, tag a paper,
see /for-you recommend a related paper with its why line, publish the tag, read the collection
and its feed, export BibTeX, import it as someone else."""

from datetime import date

import feedparser
import pytest
from conftest import SNAPSHOT_200
from django.contrib.auth.models import User
from playwright.sync_api import expect
from test_browser import CHROMIUM, browser  # noqa: F401 (the fixture)

from dailypapers.feed.models import DailyEntry
from dailypapers.library.models import SavedPaper
from dailypapers.papers.importer import import_files
from dailypapers.papers.models import Paper
from dailypapers.search.indexer import rebuild

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)"),
]
PASSWORD = "a long enough passphrase"
PAPER = "0704.0002"  # "Sparsity-certifying Graph Decompositions"
HOSTILE_TAG = "<img src=x onerror=alert(1)>"


def log_in(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.locator("main").get_by_label("Username").fill(username)
    page.locator("main").get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/")


def test_save_tag_publish_export_and_import_as_someone_else(
    live_server,
    browser,  # noqa: F811
    tmp_path,
    search_index,
):
    import_files([SNAPSHOT_200])
    rebuild()
    DailyEntry.objects.create(paper=Paper.objects.get(pk=PAPER), day=date(2026, 11, 20))
    for name in ("alice", "bob"):
        User.objects.create_user(name, f"{name}@example.org", PASSWORD)
    url = live_server.url
    page = browser.new_page()
    page.set_default_timeout(15_000)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, url, "alice")

    # Save from the day's card, without a page load.
    page.evaluate("window.notReloaded = true")
    save = page.locator("form.save button").first
    assert save.inner_text() == "Save"
    save.click()
    # expect() polls without eval: wait_for_function's string needs 'unsafe-eval', which our
    # Content-Security-Policy refuses (it failed whenever the first check came too early).
    expect(save).to_have_text("Saved")
    assert save.get_attribute("aria-pressed") == "true"
    assert page.evaluate("window.notReloaded") is True
    assert SavedPaper.objects.filter(user__username="alice", paper_id=PAPER).exists()

    # Tags (one of them hostile) and a note from the paper page.
    page.goto(f"{url}/papers/{PAPER}")
    page.get_by_label("Tags").fill(f"Graph theory, {HOSTILE_TAG}")
    page.get_by_label("Private note").fill("<script>alert(2)</script> read later")
    page.get_by_role("button", name="Update library").click()
    page.wait_for_url(f"{url}/papers/{PAPER}#library")
    assert page.get_by_label("Private note").input_value().startswith("<script>")

    # For you, ranked for that tag: a related paper, saying why.
    page.get_by_role("link", name="For you", exact=True).click()
    page.wait_for_url(f"{url}/for-you")
    page.get_by_role("link", name="Graph theory", exact=True).click()
    page.wait_for_url(f"{url}/for-you?window=week&tag=graph-theory")
    first = page.locator("ol.cards article").first
    why = first.locator("p.why")
    assert why.inner_text().startswith("because you saved Sparsity-certifying Graph Decompositions")
    assert why.locator("span.term").count() >= 3
    why.get_by_role("link", name="Sparsity-certifying Graph Decompositions").click()
    page.wait_for_url(f"{url}/papers/{PAPER}")

    # Publish the tag as a collection.
    page.goto(f"{url}/library?tag=graph-theory")
    page.get_by_role("link", name="Publish or edit this tag as a collection").click()
    page.get_by_label("Title").fill("Graphs <i>I like</i>")
    page.get_by_label("Public: anyone with the link can see it").check()
    page.get_by_role("button", name="Save collection").click()
    page.get_by_role("link", name="/c/alice/graph-theory").click()
    page.wait_for_url(f"{url}/c/alice/graph-theory")
    assert page.locator("h1").inner_text() == "Graphs <i>I like</i>"
    assert page.get_by_role("link", name="Sparsity-certifying Graph Decompositions").is_visible()
    feed = feedparser.parse(page.request.get(f"{url}/c/alice/graph-theory/feed.atom").body())
    assert [entry.title for entry in feed.entries] == ["Sparsity-certifying Graph Decompositions"]

    # Export the tag as BibTeX.
    page.goto(f"{url}/library?tag=graph-theory")
    with page.expect_download() as download:
        page.get_by_role("link", name="BibTeX").click()
    exported = tmp_path / "graphs.bib"
    download.value.save_as(exported)
    assert PAPER in exported.read_text()
    page.goto(f"{url}/library")
    assert HOSTILE_TAG in page.locator(".library-list").inner_text()  # shown as text
    page.get_by_role("button", name="Log out").click()

    # Import it as bob.
    log_in(page, url, "bob")
    page.goto(f"{url}/library/import")
    page.get_by_label("File").set_input_files(exported)
    page.get_by_label("Tag the imported papers (comma-separated)").fill("from alice")
    page.locator("main").get_by_role("button", name="Import").click()
    page.wait_for_url(f"{url}/library")
    assert "Imported 1 new paper" in page.locator(".messages").inner_text()
    assert page.get_by_role("link", name="Sparsity-certifying Graph Decompositions").is_visible()
    assert "read later" not in page.content()  # alice's note stays hers
    assert dialogs == []
