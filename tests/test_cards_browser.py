"""A list card in headless Chromium: its first-page thumbnail (loaded, sized), its key
sentence with the math as MathML, keyword chips, and a chip that leads to its search.
Takes the README's card screenshot (docs/screenshots/ with DAILYPAPERS_UPDATE_SCREENSHOTS=1)."""

import shutil

import pdf_samples
import pytest
from django.utils import timezone
from playwright import sync_api as playwright

from dailypapers.search.indexer import rebuild
from dailypapers.thumbnails.drawing import draw_thumbnails, due

CHROMIUM = shutil.which("chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]

ABSTRACT = (
    "Noise limits every quantum device built so far. "
    "Surface codes protect logical qubits with local stabilizer measurements, and the "
    "logical error rate falls as $p_L \\sim (p/p_{th})^{(d+1)/2}$ with the distance d."
)

pytestmark = [
    pytest.mark.system,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)"),
]


def test_a_card_shows_thumbnail_key_sentence_and_chips(
    live_server,
    search_index,
    make_paper,
    list_paper,
    httpserver,
    fast_arxiv,
    settings,
    tmp_path,
    screenshots,
    monkeypatch,
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.ARXIV_PDF_URL = httpserver.url_for("/pdf/")
    paper = make_paper(
        "2611.00001",
        title="Surface codes for fault-tolerant quantum computation",
        abstract=ABSTRACT + " A matching decoder corrects them <img src=x onerror=window.pwned=1>.",
        authors=["Ada Lovelace", "Alan Turing"],
        categories=["quant-ph"],
    )
    other = make_paper("2611.00002", title="Graph neural networks", abstract="Message passing.")
    today = timezone.now().date()
    list_paper(paper, today)
    list_paper(other, today, minute=1)
    first_page = pdf_samples.paper_like(paper.title, "Ada Lovelace   Alan Turing", ABSTRACT)
    httpserver.expect_request("/pdf/2611.00001v1").respond_with_data(
        first_page, content_type="application/pdf"
    )
    assert draw_thumbnails(due(["2611.00001"])) == {"drawn": 1}
    rebuild()

    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 900, "height": 700})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/")
        card = page.locator("article.card", has_text="Surface codes")
        image = card.locator("img.thumbnail")
        image.scroll_into_view_if_needed()
        loaded = "img => img.complete && img.naturalWidth > 0"
        page.wait_for_function(loaded, arg=image.element_handle())
        box = image.bounding_box()
        assert (round(box["width"]), round(box["height"])) == (160, 207)  # US Letter
        assert image.get_attribute("alt") == (
            "First page of Surface codes for fault-tolerant quantum computation"
        )
        key = card.locator(".key-sentence")
        assert key.locator(".label").inner_text().lower() == "key sentence"
        assert "Surface codes protect logical qubits" in key.inner_text()
        assert key.locator("math").count() == 1  # the formula as MathML, not raw $…$
        assert "$" not in key.inner_text()
        # The paper without a thumbnail keeps the text-only card.
        assert page.locator("article.card", has_text="Graph neural").locator("img").count() == 0

        card.screenshot(path=screenshots / "card-light.png")

        chips = card.get_by_role("list", name="Keywords").get_by_role("link")
        assert 1 <= chips.count() <= 4
        first = chips.first.inner_text()
        chips.first.click()
        page.wait_for_url("**/search?q=*")
        assert page.locator("#search-q").input_value() == f'"{first}"'
        assert page.get_by_role("link", name="Surface codes for fault-tolerant").count() >= 1
        assert page.evaluate("window.pwned") is None
        browser.close()
