"""People's links in a real Chromium (issue 14): a reader proposes links through the paper page's
form with JavaScript on and off, a curator approves them, and hostile URLs (javascript:,
quotes and markup, Unicode) run no script on any page that shows them."""

import pytest
from test_browser import CHROMIUM, browser  # noqa: F401 (browser: the fixture)
from test_browser_xss import PWNED, Watched

from dailypapers.links.models import PaperLink

pytestmark = [
    pytest.mark.system,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)"),
]
PAPER = "2611.00001"
PASSWORD = "a long enough passphrase"
RUN = "document.title='PWN'+'ED';fetch('/xss-sen'+'tinel')"
HOSTILE = [
    ("project", f'https://example.org/"><svg/onload={RUN}>', "https://example.org/%22%3E%3Csvg"),
    ("data", "https://example.org/'onmouseover='alert(1)'", "https://example.org/'onmouseover="),
    ("demo", 'https://bücher.example/ünï?q="x"', "https://xn--bcher-kva.example/%C3%BCn%C3%AF"),
]


def log_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/")


def propose(page, url: str, kind: str, link: str) -> str:
    page.goto(f"{url}/papers/{PAPER}")
    form = page.locator("form.link-form")
    form.get_by_label("Kind").select_option(kind)
    form.get_by_label("URL").fill(link)
    form.get_by_role("button").click()
    page.wait_for_url(f"{url}/papers/{PAPER}#links")
    return page.locator(".messages").inner_text()


def test_propose_approve_and_show_hostile_links(
    live_server,
    browser,  # noqa: F811 (test_browser's fixture)
    make_paper,
    make_user,
    list_paper,
):
    from django.utils import timezone

    list_paper(make_paper(PAPER, title="A paper to link"), timezone.now().date())
    make_user("reader", password=PASSWORD)
    make_user("curator", password=PASSWORD, curator=True)
    url = live_server.url
    host = url.split("://")[1].split(":")[0]

    # The reader proposes with JavaScript off, then on: the form needs none.
    for javascript, links in ((False, HOSTILE[:2]), (True, HOSTILE[2:])):
        context = browser.new_context(java_script_enabled=javascript)
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, url, "reader")
        for kind, link, _ in links:
            assert "once it is approved" in propose(page, url, kind, link)
        refused = propose(page, url, "code", f"javascript:{RUN}")
        assert "Only http:// and https:// links can be added." in refused
        context.close()
    assert PaperLink.objects.filter(status="pending").count() == 3

    # The curator approves each from the queue.
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, url, "curator")
    for _ in HOSTILE:
        page.goto(f"{url}/links/queue")
        page.get_by_role("button", name="Approve").first.click()
        page.wait_for_url(f"{url}/links/queue")
        assert "Approved: https://" in page.locator(".messages").inner_text()
    assert "No links are waiting" in page.locator("main").inner_text()
    assert propose(page, url, "code", "https://github.com/owner/repo") == "Added the code link."
    context.close()

    # Everyone sees them, escaped; nothing of theirs runs, with or without the CSP.
    pages = [f"/papers/{PAPER}", "/", "/feeds/daily.rss", "/feeds/daily.atom"]
    for bypass_csp in (True, False):
        context = browser.new_context(bypass_csp=bypass_csp)
        watched = Watched(context)
        for path in pages:
            response = watched.visit(url + path)
            watched.assert_nothing_ran(path, response, host)
            assert PWNED not in watched.page.title()
        watched.visit(f"{url}/papers/{PAPER}")
        hrefs = watched.page.locator("dd.paper-links a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        assert hrefs[0] == "https://github.com/owner/repo"
        for (_, _, stored), href in zip(HOSTILE, hrefs[1:], strict=True):
            assert href.startswith(stored), (href, stored)
        assert all(href.startswith("https://") for href in hrefs)
        assert watched.page.locator("a.code-badge").count() == 0  # the paper page: its row
        watched.visit(f"{url}/")
        badge = watched.page.locator("a.code-badge")
        assert badge.get_attribute("href") == "https://github.com/owner/repo"
        assert badge.get_attribute("rel") == "nofollow ugc noopener"
        assert watched.violations == [], watched.violations
        context.close()
