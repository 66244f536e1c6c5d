"""The paper page's key sentence and keyword chips in headless Chromium: a chip leads to its
search, and a hostile abstract stays text."""

import shutil

import pytest
from playwright import sync_api as playwright

from dailypapers.search.indexer import rebuild

CHROMIUM = shutil.which("chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]

pytestmark = [
    pytest.mark.system,  # a real browser: skipped by `make test-fast`
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)"),
]


def test_a_keyword_chip_leads_to_its_search(live_server, search_index, make_paper, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    make_paper(
        "2611.00001",
        title="Surface codes for fault-tolerant quantum computation",
        abstract=(
            "Noise limits every quantum device. Surface codes protect logical qubits with local "
            "stabilizer measurements <img src=x onerror=window.pwned=1>. A matching decoder "
            "corrects the errors."
        ),
    )
    make_paper("2611.00002", title="Graph neural networks", abstract="Message passing on graphs.")
    rebuild()
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/papers/2611.00001")
        assert page.locator(".key-sentence .label").inner_text().lower() == "key sentence"
        chips = page.get_by_role("list", name="Keywords").get_by_role("link")
        assert 1 <= chips.count() <= 8
        page.get_by_role("link", name="surface codes", exact=True).click()
        page.wait_for_url("**/search?q=*")
        assert page.get_by_role("link", name="Surface codes for fault-tolerant").count() >= 1
        assert page.evaluate("window.pwned") is None
        browser.close()
