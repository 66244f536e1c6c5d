"""Issue 16's flow in a real Chromium: A comments with Markdown and math; B replies and
mentions A; A sees the unread count and the inbox entry; A's email arrives at a real SMTP
server; A unsubscribes from mention emails in one click; a further mention reaches the inbox
and sends no mail. Also: the preview with JavaScript, and hostile Markdown running nothing."""

from urllib.parse import urlsplit

import pytest
import test_browser
from playwright import sync_api as playwright

from dailypapers.notifications.emails import send_pending

pytestmark = [
    pytest.mark.system,  # a real browser: skipped by `make test-fast`
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        test_browser.CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)"
    ),
]
PASSWORD = "a long enough passphrase"
browser = test_browser.browser  # the fixture: Chromium, launched as test_browser.py does


def signed_in(browser, url: str, username: str):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/")
    return page


def test_comment_reply_mention_inbox_email_unsubscribe(
    live_server, browser, make_user, make_paper, smtp_server
):
    url = live_server.url
    make_paper("2401.00001", title="Scaling laws")
    make_paper("2401.00002", title="Another paper")
    make_user("ada", password=PASSWORD)
    make_user("bob", password=PASSWORD)
    paper_url = f"{url}/papers/2401.00001"

    # 1. A comments with Markdown and math, previewing first (with JavaScript: in place).
    ada = signed_in(browser, url, "ada")
    ada.goto(paper_url)
    ada.get_by_label("Add a comment").fill("**Great** result: $E = mc^2$, cf. 2401.00002")
    ada.evaluate("window.notReloaded = true")
    ada.locator("form.comment-form").get_by_role("button", name="Preview").click()
    preview = ada.locator("form.comment-form .comment-preview")
    playwright.expect(preview.locator("strong")).to_have_text("Great")
    assert preview.locator("math").count() == 1
    assert ada.evaluate("window.notReloaded") is True
    ada.get_by_role("button", name="Post comment").click()
    ada.wait_for_url(f"{paper_url}#comments")
    body = ada.locator("article.comment .comment-body").first
    assert body.locator("strong").inner_text() == "Great"
    assert body.locator("math").count() == 1
    assert body.locator("a").get_attribute("href") == "/papers/2401.00002"
    assert body.locator("a").get_attribute("rel") == "nofollow ugc noopener"

    # 2. B replies and mentions A.
    bob = signed_in(browser, url, "bob")
    bob.goto(paper_url)
    bob.locator("details.reply-box summary").first.click()
    bob.get_by_label("Your reply").fill("@ada agreed, *nice*")
    bob.get_by_role("button", name="Post reply").click()
    bob.wait_for_url(f"{paper_url}#comments")
    mention = bob.locator("article.reply .comment-body a").first
    assert mention.inner_text() == "@ada" and mention.get_attribute("href") == "/u/ada"

    # 3. A sees the unread count in the header and the entry in the inbox.
    ada.goto(f"{url}/")
    badge = ada.locator("header .badge")
    playwright.expect(badge).to_have_text("1")
    badge.click()
    ada.wait_for_url(f"{url}/notifications")
    entry = ada.locator("li.notification.unread")
    assert "bob mentioned you on Scaling laws" in " ".join(entry.inner_text().split())
    assert entry.locator("em").inner_text() == "nice"

    # 4. A's email arrives at the SMTP server.
    assert send_pending().sent == 1
    [message] = smtp_server.messages
    assert message["To"] == "ada@example.org" and "bob mentioned you" in message["Subject"]
    assert "@ada agreed" in message.get_body(("plain",)).get_content()

    # 5. One click (RFC 8058: the mail client POSTs, without cookies) stops mention emails.
    path = urlsplit(message["List-Unsubscribe"].strip().strip("<>")).path
    mail_client = browser.new_context()
    answer = mail_client.request.post(url + path, form={"List-Unsubscribe": "One-Click"})
    assert answer.ok and "unsubscribed" in answer.text()
    mail_client.close()

    # 6. A further mention still reaches the inbox, and sends no mail.
    bob.goto(paper_url)
    bob.get_by_label("Add a comment").fill("@ada one more thing")
    bob.get_by_role("button", name="Post comment").click()
    bob.wait_for_url(f"{paper_url}#comments")
    ada.goto(f"{url}/notifications")
    assert ada.locator("li.notification").count() == 2
    playwright.expect(ada.locator("header .badge")).to_have_text("2")
    report = send_pending()
    assert report.sent == 0 and report.not_mailed == 1
    assert len(smtp_server.messages) == 1


HOSTILE_MARKDOWN = [
    "[click](javascript:document.title='PWN'+'ED')",
    "<img src=/xss-sentinel/md onerror=\"document.title='PWN'+'ED'\">",
    "[x](https://e.org/\" onmouseover=\"document.title='PWN'+'ED')",
    "$$\\text{<img src=/xss-sentinel/mdmath onerror=alert(1)>}$$",
    "<svg><script>alert(1)</script></svg>",
    "@<script>alert(1)</script>",
    "`<script>alert(1)</script>` <math><mtext><img src=/xss-sentinel/mt onerror=alert(1)>",
]


def test_hostile_markdown_runs_nothing_and_preview_too(live_server, browser, make_user, make_paper):
    from dailypapers.feed import services

    url = live_server.url
    paper = make_paper("2401.00001")
    mallory = make_user("mallory", password=PASSWORD)
    for body in HOSTILE_MARKDOWN:
        services.add_comment(mallory, paper, body)
    page = signed_in(browser, url, "mallory")
    dialogs, sentinel = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: "xss-sentinel" in r.url and sentinel.append(r.url))
    page.goto(f"{url}/papers/2401.00001")
    page.wait_for_timeout(200)
    for link in page.locator(".comment-body a").all():
        link.hover()
    page.get_by_label("Add a comment").fill("\n\n".join(HOSTILE_MARKDOWN))
    page.locator("form.comment-form").get_by_role("button", name="Preview").click()
    playwright.expect(page.locator("form.comment-form .comment-preview")).to_be_visible()
    page.wait_for_timeout(200)
    assert "PWNED" not in page.title() and dialogs == [] and sentinel == []
    hrefs = page.locator(".comment-body a").evaluate_all("els => els.map(e => e.href)")
    assert not any(h.lower().startswith("javascript:") for h in hrefs)
