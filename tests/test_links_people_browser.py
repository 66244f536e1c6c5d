"""Links and people in a real headless Chromium (issue 14's flow): a paper whose abstract
links its GitHub code shows the repository's stars (read by `refresh-github` from the local
GitHub-shaped server of test_github); an author claims it, a curator verifies the claim, the
author's comment carries the badge, a reader proposes a project link that the verified author
approves, and an author name leads to the author page. The claim also goes through with
JavaScript turned off."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import expect
from test_browser import CHROMIUM, browser  # noqa: F401 (the fixture)
from test_github import api, quota, repository_json  # noqa: F401 (api: the fixture)
from test_library_browser import PASSWORD, log_in

from dailypapers.accounts.roles import make_curator
from dailypapers.feed.models import DailyEntry
from dailypapers.links.models import PaperLink
from dailypapers.people.models import Author, Claim

pytestmark = [
    pytest.mark.system,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)"),
]
PAPER = "2611.00042"
REPOSITORY = "hopper/cobol-today"
ABSTRACT = f"We prove it. Code is available at https://github.com/{REPOSITORY}."
PROJECT = "https://cobol.example.org/today"


def log_out(page):
    page.get_by_role("button", name="Log out").click()


@pytest.fixture
def paper(make_paper):
    found = make_paper(
        PAPER,
        title="Compilers for everyone",
        abstract=ABSTRACT,
        authors=["Grace Hopper", "Jean E. Sammet", "<b>Mallory</b>"],
    )
    make_paper("2611.00043", title="An older paper", authors=["G. Hopper", "Jean E. Sammet"])
    DailyEntry.objects.create(paper=found, day=date(2026, 11, 20))
    for name in ("grace", "boss", "reader"):
        User.objects.create_user(name, f"{name}@example.org", PASSWORD)
    make_curator(User.objects.get(username="boss"))
    return found


def test_claim_verify_comment_with_badge_and_follow_an_author(
    live_server,
    browser,  # noqa: F811
    paper,
    api,  # noqa: F811
):
    api.expect_request(f"/repos/{REPOSITORY}").respond_with_data(
        repository_json(REPOSITORY, 1234), headers=quota()
    )
    call_command("refresh-github")
    url = live_server.url
    page = browser.new_page()
    page.set_default_timeout(15_000)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # 1. The paper page names its code link (the extracted GitHub repository), with its stars.
    page.goto(f"{url}/papers/{PAPER}")
    code = page.locator(".paper-links a").first
    expect(code).to_contain_text("Code")
    assert code.get_attribute("href") == f"https://github.com/{REPOSITORY}"
    expect(code.locator(".stars")).to_have_text("★ 1234")
    expect(code.get_by_label("1234 GitHub stars")).to_be_visible()

    # 2. Claim it as its author.
    log_in(page, url, "grace")
    page.goto(f"{url}/papers/{PAPER}")
    page.get_by_text("I'm an author").click()
    page.get_by_label("I am").select_option(label="Grace Hopper")
    page.get_by_role("button", name="Claim authorship").click()
    expect(page.locator(".messages")).to_contain_text("a curator will verify your claim")
    expect(page.locator(".claim")).to_contain_text("awaits a curator")
    assert Claim.objects.get().status == "pending"
    log_out(page)

    # 3. A curator verifies it from the queue.
    log_in(page, url, "boss")
    page.goto(f"{url}/claims")
    row = page.locator("tr", has_text="Grace Hopper")
    expect(row).to_contain_text("grace")
    row.get_by_role("button", name="Verify").click()
    expect(page.locator(".messages")).to_contain_text("verified")
    assert Author.objects.get(slug="grace-hopper").user.username == "grace"
    log_out(page)

    # 4. Her comment carries the Author badge; the curator's does not.
    for username, text in (("grace", "Happy to answer questions."), ("boss", "Nice work.")):
        log_in(page, url, username)
        page.goto(f"{url}/papers/{PAPER}")
        page.get_by_label("Add a comment").fill(text)
        page.get_by_role("button", name="Post comment").click()
        log_out(page)
    page.goto(f"{url}/papers/{PAPER}")
    grace_comment = page.locator("article.comment", has_text="Happy to answer questions.")
    expect(grace_comment.locator(".author-badge")).to_have_text("Author")
    boss_comment = page.locator("article.comment", has_text="Nice work.")
    expect(boss_comment.locator(".author-badge")).to_have_count(0)

    # 5. A reader proposes a project link; the verified author approves it on the page.
    log_in(page, url, "reader")
    page.goto(f"{url}/papers/{PAPER}")
    form = page.locator("form.link-form")
    form.get_by_label("Kind").select_option("project")
    form.get_by_label("URL").fill(PROJECT)
    form.get_by_role("button", name="Propose link").click()
    expect(page.locator(".messages")).to_contain_text("once it is approved")
    expect(page.locator(".paper-links")).not_to_contain_text("Project")
    log_out(page)
    log_in(page, url, "grace")
    page.goto(f"{url}/papers/{PAPER}")
    pending = page.locator("#links li", has_text=PROJECT)
    expect(pending).to_contain_text("proposed by reader")
    pending.get_by_role("button", name="Approve").click()
    project = page.locator(".paper-links a", has_text="Project")
    expect(project).to_have_attribute("href", PROJECT)
    link = PaperLink.objects.get(url=PROJECT)
    assert (link.status, link.proposer.username) == ("published", "reader")
    log_out(page)
    page.goto(f"{url}/papers/{PAPER}")
    expect(page.locator(".paper-links a", has_text="Project")).to_have_attribute("href", PROJECT)

    # 6. An author name leads to the author page, with both papers and the co-author.
    page.locator(".paper-head .authors").get_by_role("link", name="Grace Hopper").click()
    page.wait_for_url(f"{url}/authors/grace-hopper")
    expect(page.locator("h1")).to_have_text("Grace Hopper")
    expect(page.locator(".author-papers li")).to_have_count(2)  # "G. Hopper" resolved here
    co_authors = page.get_by_role("complementary")
    expect(co_authors.get_by_role("link", name="Jean E. Sammet")).to_be_visible()
    expect(page.get_by_role("link", name="grace", exact=True)).to_be_visible()  # verified as
    # The hostile author name was shown as text on every page.
    page.goto(f"{url}/papers/{PAPER}")
    expect(page.locator(".paper-head .authors")).to_contain_text("<b>Mallory</b>")
    assert dialogs == []
    page.close()  # no request of this page may reach the live server after the test


def test_the_claim_form_works_without_javascript(
    live_server,
    browser,  # noqa: F811
    paper,
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    url = live_server.url
    log_in(page, url, "grace")
    page.goto(f"{url}/papers/{PAPER}")
    page.get_by_text("I'm an author").click()  # <details> opens without scripts
    page.get_by_label("I am").select_option(label="Jean E. Sammet")
    page.get_by_role("button", name="Claim authorship").click()
    page.wait_for_url(f"{url}/papers/{PAPER}")
    claim = Claim.objects.get()
    assert (claim.position, claim.name, claim.user.username) == (1, "Jean E. Sammet", "grace")
    context.close()
