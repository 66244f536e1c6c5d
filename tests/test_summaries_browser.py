"""Hostile LLM replies on cards in a real Chromium: a <script>, an <img onerror>, markdown and
a 10 kB reply, stored through the reply reader and shown by the day page, run nothing and
show as the text they are, cut to the card's length."""

import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from fake_llm import FakeLlm, completion
from playwright import sync_api as playwright
from test_browser import CHROMIUM, FLAGS
from test_browser_xss import RUN, Watched

from dailypapers.summaries.client import SUMMARY_MAX_CHARS

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)"),
]

REPLIES = {
    "Script": f"<script>{RUN}</script> A paper.",
    "Image": f'<img src=/xss-sentinel/summary onerror="{RUN}"> **bold** [x](javascript:{RUN})',
    "Huge": "<b>big</b> " + "word " * 2000,  # 10 kB
}


def test_hostile_summaries_show_as_text_and_run_nothing(
    live_server, make_paper, list_paper, settings
):
    today = timezone.now().date()
    for n, title in enumerate(REPLIES, start=1):
        list_paper(make_paper(f"2611.0000{n}", title=title), today, minute=n)
    with FakeLlm() as llm:
        settings.LLM_URL, settings.LLM_MODEL = llm.url, "m"
        for title, reply in REPLIES.items():
            llm.script[title] = [{"body": completion(reply)}]
        call_command("summarize", "--since", "1", stdout=StringIO())

    host = live_server.url.split("://")[1].split(":")[0]
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with playwright.sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for bypass_csp in (True, False):
                context = browser.new_context(bypass_csp=bypass_csp)
                watched = Watched(context)
                response = watched.visit(f"{live_server.url}/")
                watched.assert_nothing_ran("/", response, host)
                shown = watched.page.locator(".ai-summary")
                assert shown.count() == 3
                texts = {}
                for card in watched.page.locator("article.card").all():
                    summary = card.locator(".ai-summary")
                    label = summary.locator(".label").inner_text()
                    assert label.lower() == "ai summary"
                    texts[card.locator("h2").inner_text()] = (
                        summary.inner_text().removeprefix(label).strip()
                    )
                assert texts["Script"] == f"<script>{RUN}</script> A paper."
                assert "<img src=/xss-sentinel/summary" in texts["Image"]
                assert "**bold**" in texts["Image"]
                huge = texts["Huge"]
                assert huge.startswith("<b>big</b> word") and huge.endswith("…")
                assert len(huge) <= SUMMARY_MAX_CHARS + 1
                assert watched.page.locator(".ai-summary b, .ai-summary img").count() == 0
                context.close()
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
