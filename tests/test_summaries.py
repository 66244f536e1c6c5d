"""LLM summaries (issue 17): `dailypapers summarize` against a local chat-completions server
(tests/fake_llm.py), the reply reader (fuzzed), and where stored summaries show."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from conftest import examples
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from fake_llm import MODEL, FakeLlm, completion
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dailypapers.papers.cleaning import single_line
from dailypapers.summaries.client import (
    PROMPT_VERSION,
    SUMMARY_MAX_CHARS,
    Malformed,
    endpoint,
    read_reply,
    retry_after,
)
from dailypapers.summaries.models import DailyUsage, Summary

# --- the reply reader -----------------------------------------------------------------------


def body(reply) -> bytes:
    return json.dumps(reply).encode()


def test_a_good_reply_gives_text_model_and_tokens():
    reply = read_reply(body(completion("  It finds a thing.\n", tokens=77)))
    assert (reply.text, reply.model, reply.tokens) == ("It finds a thing.", MODEL, 77)


def test_hostile_text_is_one_storable_line_capped_in_length():
    hostile = "<script>alert(1)</script>\x00\x1b[31m **bold** [x](javascript:alert(1))\n" * 200
    text = read_reply(body(completion(hostile))).text
    assert len(text) <= SUMMARY_MAX_CHARS + 1 and text.endswith("…")
    assert "\x00" not in text and "\x1b" not in text and "\n" not in text
    assert text.startswith("<script>")  # kept as text: the templates escape it


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"<html>Bad gateway</html>", "reply is not JSON"),
        (b"\xff\xfe", "reply is not JSON"),
        (b"[1, 2]", "reply is not a JSON object"),
        (body({"error": {"message": "overloaded"}}), "reply has no choices"),
        (body({"choices": []}), "reply has no choices"),
        (body({"choices": [{"text": "legacy"}]}), "reply has no message"),
        (body(completion(None)), "reply has no text content"),
        (body(completion(" \n\x00 ")), "reply is empty"),
        (body(completion(None, refusal="I can't help with that.")), "the model refused"),
        (body(completion("", finish_reason="content_filter")), "the model refused"),
    ],
)
def test_malformed_replies_say_why(raw, reason):
    with pytest.raises(Malformed, match=reason):
        read_reply(raw)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def shaped(content, model, usage):
    return {"model": model, "choices": [{"message": {"content": content}}], "usage": usage}


@hypothesis_settings(max_examples=examples(300), deadline=None)
@given(
    st.one_of(
        st.binary(max_size=200),
        JSON.map(lambda v: json.dumps(v).encode()),
        st.builds(shaped, JSON | st.text(), JSON, JSON).map(lambda v: json.dumps(v).encode()),
    )
)
def test_any_reply_gives_a_clean_summary_or_a_reason(raw):
    try:
        reply = read_reply(raw)
    except Malformed as error:
        assert str(error)
        return
    assert reply.text and reply.text == single_line(reply.text)
    assert len(reply.text) <= SUMMARY_MAX_CHARS + 1
    assert reply.model == single_line(reply.model) and len(reply.model) <= 200
    assert isinstance(reply.tokens, int) and reply.tokens >= 0


def test_the_url_setting_may_end_with_or_without_v1():
    for base in ("http://h:8000", "http://h:8000/", "http://h:8000/v1", "http://h:8000/v1/"):
        assert endpoint(base) == "http://h:8000/v1/chat/completions"


def test_retry_after_reads_seconds_and_dates():
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after("soon") is None and retry_after(None) is None


# --- the command, against a local server ----------------------------------------------------


@pytest.fixture
def llm(settings):
    with FakeLlm() as server:
        settings.LLM_URL = server.url + "/v1"
        settings.LLM_MODEL = "asked-model"
        settings.LLM_KEY = "sk-test"
        settings.LLM_TIMEOUT = 0.5
        settings.LLM_BACKOFF = 0.05
        settings.LLM_RETRIES = 2
        settings.LLM_CONCURRENCY = 3
        settings.LLM_DAILY_REQUESTS = 1000
        settings.LLM_DAILY_TOKENS = 0
        yield server


@pytest.fixture
def listed(make_paper, list_paper):
    def make(arxiv_id: str, **fields):
        paper = make_paper(arxiv_id, **fields)
        list_paper(paper, timezone.now().date())
        return paper

    return make


def run(*args: str) -> str:
    out = StringIO()
    call_command("summarize", *args, stdout=out)
    return out.getvalue()


def summaries() -> dict[str, Summary]:
    return {s.paper_id: s for s in Summary.objects.all()}


def test_each_listed_paper_is_summarized_once_with_model_and_prompt_version(llm, listed):
    for n in range(1, 8):
        listed(f"2611.0000{n}", title=f"Paper {n}")
    llm.pause = 0.1

    assert run("--since", "1") == "summaries: 7 written, 0 skipped, 0 left for the next run\n"

    rows = summaries()
    assert rows["2611.00001"].text == "Paper 1 shows a thing."
    assert {(r.status, r.model, r.prompt_version) for r in rows.values()} == {
        ("ok", MODEL, PROMPT_VERSION)
    }
    assert 2 <= llm.most_in_flight <= 3  # the concurrency limit, used
    assert {h["Authorization"] for h in llm.headers_seen} == {"Bearer sk-test"}
    assert {b["model"] for b in llm.bodies} == {"asked-model"}
    assert DailyUsage.objects.get().requests == 7 and DailyUsage.objects.get().tokens == 7 * 42

    assert run() == "summaries: 0 written, 0 skipped, 0 left for the next run\n"
    assert len(llm.bodies) == 7


def test_429_waits_for_retry_after_and_holds_every_request(llm, listed, settings):
    settings.LLM_CONCURRENCY = 1
    listed("2611.00001", title="First")
    listed("2611.00002", title="Second")
    llm.script["First"] = [{"status": 429, "headers": {"Retry-After": "1"}}]

    assert "2 written" in run()
    first, second = llm.asked["First"], llm.asked["Second"]
    assert len(first) == 2 and len(second) == 1
    assert first[1] - first[0] >= 0.95
    assert second[0] - first[0] >= 0.95  # the pause held the other paper too
    assert DailyUsage.objects.get().requests == 3  # retries count in the budget


def test_a_long_retry_after_ends_the_run_and_leaves_the_papers(llm, listed, settings):
    settings.LLM_CONCURRENCY = 1
    settings.LLM_MAX_PAUSE = 5
    listed("2611.00001", title="First")
    listed("2611.00002", title="Second")
    llm.script["First"] = [{"status": 429, "headers": {"Retry-After": "3600"}}]

    out = run()
    assert out.startswith("summaries: 0 written, 0 skipped, 2 left for the next run")
    assert "3600 s pause" in out and not Summary.objects.exists()
    assert "2 written" in run()  # the next run (the script is used up) goes on


def test_a_timeout_is_retried_then_skipped_with_the_reason(llm, listed):
    listed("2611.00001", title="Slow once")
    listed("2611.00002", title="Always slow")
    llm.script["Slow once"] = [{"sleep": 1.0}]
    llm.script["Always slow"] = [{"sleep": 1.0}] * 3

    assert run() == "summaries: 1 written, 1 skipped, 0 left for the next run\n"
    rows = summaries()
    assert rows["2611.00001"].status == "ok" and len(llm.asked["Slow once"]) == 2
    slow = rows["2611.00002"]
    assert slow.status == "skipped" and len(llm.asked["Always slow"]) == 3
    assert slow.reason == "no answer within 0.5 s (after 3 attempts)"


def test_server_errors_are_retried_with_backoff(llm, listed):
    listed("2611.00001", title="Flaky")
    llm.script["Flaky"] = [{"status": 503}, {"status": 502}]
    assert "1 written" in run()
    times = llm.asked["Flaky"]
    assert len(times) == 3 and times[2] - times[1] >= times[1] - times[0]


@pytest.mark.parametrize(
    "behaviour, reason",
    [
        ({"body": b"<html>oops</html>"}, "reply is not JSON"),
        ({"body": {"object": "chat.completion"}}, "reply has no choices"),
        ({"body": completion("")}, "reply is empty"),
        ({"body": completion(None, refusal="I cannot summarize this.")}, "the model refused"),
        ({"status": 401, "body": {"error": {"message": "bad key"}}}, "HTTP 401"),
    ],
)
def test_a_malformed_reply_is_skipped_with_its_reason_and_retried_later(
    llm, listed, behaviour, reason
):
    listed("2611.00001", title="Odd")
    llm.script["Odd"] = [behaviour, behaviour]
    assert run() == "summaries: 0 written, 1 skipped, 0 left for the next run\n"
    skipped = Summary.objects.get()
    assert (skipped.status, skipped.reason, skipped.failures) == ("skipped", reason, 1)
    assert len(llm.asked["Odd"]) == 1  # not retried within the run
    wait = skipped.retry_at - timezone.now()
    assert timedelta(hours=5, minutes=59) < wait <= timedelta(hours=6)

    assert "0 written, 0 skipped" in run()  # not due yet
    Summary.objects.update(retry_at=timezone.now())
    assert "1 skipped" in run()
    assert Summary.objects.get().failures == 2
    assert Summary.objects.get().retry_at - timezone.now() > timedelta(hours=11)
    Summary.objects.update(retry_at=timezone.now())
    assert "1 written" in run()  # the script is used up: a good reply
    assert Summary.objects.get().status == "ok" and Summary.objects.get().reason == ""


def test_the_daily_budget_is_kept_across_runs(llm, listed, settings):
    settings.LLM_DAILY_REQUESTS = 2
    for n in range(1, 4):
        listed(f"2611.0000{n}")
    assert run().startswith("summaries: 2 written, 0 skipped, 1 left for the next run")
    out = run()
    assert out.startswith("summaries: 0 written, 0 skipped, 1 left") and "budget" in out
    assert len(llm.bodies) == 2
    DailyUsage.objects.update(day=timezone.now().date() - timedelta(days=1))  # a new UTC day
    assert "1 written" in run()


def test_a_token_budget_stops_the_run_too(llm, listed, settings):
    settings.LLM_DAILY_TOKENS = 50  # one reply costs 42
    settings.LLM_CONCURRENCY = 1
    for n in range(1, 4):
        listed(f"2611.0000{n}")
    assert run().startswith("summaries: 2 written, 0 skipped, 1 left")
    assert DailyUsage.objects.get().tokens == 84


def test_without_a_server_configured_the_command_says_what_to_set(settings):
    settings.LLM_URL = ""
    with pytest.raises(CommandError, match="DAILYPAPERS_LLM_URL"):
        run()


def test_ids_choose_the_papers_and_bad_ones_are_refused(llm, make_paper):
    make_paper("2611.00009", title="Unlisted")
    err = StringIO()
    call_command(
        "summarize", "--ids", "2611.00009", "2611.99999", stdout=(out := StringIO()), stderr=err
    )
    assert "1 written" in out.getvalue()
    assert "not in the database (import or fetch them first): ['2611.99999']" in err.getvalue()
    with pytest.raises(CommandError):
        run("--ids", "not-an-id")


# --- where summaries show -------------------------------------------------------------------

HOSTILE = '<script>alert(1)</script> **bold** <img src=x onerror="alert(2)"> & done'


@pytest.fixture
def summarized(llm, listed):
    paper = listed("2611.00001", title="Hostile", abstract="We study graphs. They are nice.")
    llm.script["Hostile"] = [{"body": completion(HOSTILE)}]
    return paper


def test_the_card_shows_the_summary_escaped_with_its_label(client, summarized):
    before = client.get("/").content.decode()  # cached before the summary exists
    assert "AI summary" not in before
    run()
    page = client.get("/").content.decode()  # the run moved the page cache's generation
    assert '<span class="label" title="Written by fake-llm-1">AI summary</span>' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **bold** &lt;img src=x" in page
    assert "<script>alert(1)" not in page and "Key sentence" not in page.split("ai-summary")[1]


def test_the_paper_page_keeps_the_key_sentence(client, summarized):
    run()
    page = client.get("/papers/2611.00001").content.decode()
    assert "AI summary" not in page and "alert(1)" not in page


def test_the_api_fills_ai_summary_and_its_model(client, summarized):
    run()
    paper = client.get("/api/papers/2611.00001").json()
    assert paper["ai_summary"] == HOSTILE and paper["ai_summary_model"] == MODEL
    daily = client.get("/api/daily_papers").json()
    assert daily[0]["paper"]["ai_summary"] == HOSTILE


def test_pages_never_ask_the_server(client, summarized, settings):
    settings.LLM_URL = "http://127.0.0.1:9"  # nothing listens: a request would fail
    for url in ("/", "/papers/2611.00001", "/api/papers/2611.00001"):
        assert client.get(url).status_code == 200
