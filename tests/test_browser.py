"""The whole site in a real headless Chromium: sign up, submit, vote, read, comment, log out.

Also takes the README's screenshots (day page and paper page, light and dark): into
docs/screenshots/ with DAILYPAPERS_UPDATE_SCREENSHOTS=1, else into a temporary folder.
"""

import os
import shutil

import pytest
from conftest import SNAPSHOT_200
from playwright import sync_api as playwright

from dailypapers.papers.importer import import_files

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None and os.environ.get("DAILYPAPERS_REQUIRE_BROWSER"):
    raise RuntimeError("the browser tests need Debian's chromium: apt-get install chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAPER_WITH_MATH = "0704.0054"  # "The Hardy-Lorentz Spaces $H^{p,q}(R^n)$"

pytestmark = [
    pytest.mark.system,  # a real browser: skipped by `make test-fast`
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)"),
]


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def test_sign_up_submit_vote_read_comment_log_out(live_server, browser, screenshots):
    import_files([SNAPSHOT_200])
    page = browser.new_page()
    page.set_default_timeout(15_000)
    url = live_server.url

    page.goto(f"{url}/accounts/signup/")
    form = page.locator("main")
    form.get_by_label("Username").fill("alice")
    form.get_by_label("Email").fill("alice@example.org")
    form.get_by_label("Password", exact=True).fill("a long enough passphrase")
    form.get_by_label("Password confirmation").fill("a long enough passphrase")
    form.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{url}/")
    assert page.get_by_role("link", name="alice").is_visible()

    page.goto(f"{url}/submit")
    page.get_by_label("arXiv id or URL").fill(f"https://arxiv.org/abs/{PAPER_WITH_MATH}v1")
    page.locator("main").get_by_role("button", name="Submit").click()
    page.wait_for_url(f"{url}/papers/{PAPER_WITH_MATH}")
    assert "is on today's list" in page.locator(".messages").inner_text()

    page.goto(f"{url}/")
    page.evaluate("window.notReloaded = true")
    vote = page.locator("form.vote button").first
    assert vote.locator(".count").inner_text() == "0"
    vote.click()
    playwright.expect(vote.locator(".count")).to_have_text("1")  # no eval: the CSP forbids it
    assert vote.get_attribute("aria-pressed") == "true"
    assert page.evaluate("window.notReloaded") is True  # counted without a page load

    page.get_by_role("link", name="The Hardy-Lorentz Spaces").first.click()
    page.wait_for_url(f"{url}/papers/{PAPER_WITH_MATH}")
    assert page.locator("math").count() >= 3
    assert page.locator("h1 math").count() == 1

    page.get_by_label("Add a comment").fill("Lovely decomposition, see https://example.org/")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(f"{url}/papers/{PAPER_WITH_MATH}#comments")
    assert page.locator(".comment-body").inner_text().startswith("Lovely decomposition")
    assert page.locator(".comment-body a").get_attribute("href") == "https://example.org/"

    save_screenshots(browser, url, screenshots)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{url}/")
    assert page.get_by_role("link", name="Log in", exact=True).is_visible()


def save_screenshots(browser, url, folder):
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 1100, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        for name, path in (("day", "/"), ("paper", f"/papers/{PAPER_WITH_MATH}")):
            page.goto(url + path)
            page.screenshot(path=folder / f"{name}-{scheme}.png")
        context.close()


def test_narrow_screens_do_not_scroll_sideways(live_server, browser):
    import_files([SNAPSHOT_200])
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(f"{live_server.url}/papers/0704.0079")  # long display math
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
