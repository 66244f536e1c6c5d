"""One request to an OpenAI-compatible chat-completions server, and the reader of its reply.

`DAILYPAPERS_LLM_URL` is the server's base URL *without* `/v1` (`http://localhost:8000`,
`https://api.openai.com`); a trailing `/v1` is accepted too, since OpenAI's own clients
write their base URLs that way, so both spellings POST to `{base}/v1/chat/completions`.

The reply is untrusted text: it leaves here as one line of storable characters
(papers/cleaning.py), capped in length (papers/text.py's excerpt), and is escaped by whatever
draws it. Anything that is not a usable summary raises `Malformed` (skip the paper, try it
another day); anything the server may get right a moment later raises `Retryable`."""

import json
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from time import time

import requests
from django.conf import settings

from ..papers.cleaning import single_line
from ..papers.text import excerpt

# Bump when the prompt changes: every summary records the version that wrote it.
PROMPT_VERSION = 1
SYSTEM_PROMPT = (
    "You summarize research papers for a daily reading list. Answer with exactly one plain "
    "sentence of at most 35 words saying what the paper does and finds. No markdown, no "
    "preamble, no quotes."
)
SUMMARY_MAX_CHARS = 300  # about twice the sentence asked for
MAX_TOKENS = 120
MAX_REPLY_BYTES = 1_000_000  # a reply is read no further than this


class Malformed(Exception):
    """The server answered, but not with a summary (the message is the reason)."""


class Retryable(Exception):
    """Worth asking again soon: a timeout, a dropped connection, HTTP 429 or 5xx."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Reply:
    text: str
    model: str
    tokens: int


def endpoint(base: str) -> str:
    base = base.rstrip("/")
    base = base.removesuffix("/v1")
    return f"{base}/v1/chat/completions"


def request_body(title: str, abstract: str) -> dict:
    return {
        "model": settings.LLM_MODEL,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Title: {single_line(title)}\n\nAbstract: {abstract}"},
        ],
        "max_tokens": MAX_TOKENS,
        "temperature": 0,
    }


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time())
    except (TypeError, ValueError, OverflowError):
        return None


def ask(title: str, abstract: str) -> Reply:
    """One attempt (threads call this; it touches no database)."""
    headers = {"Authorization": f"Bearer {settings.LLM_KEY}"} if settings.LLM_KEY else {}
    try:
        with requests.post(
            endpoint(settings.LLM_URL),
            json=request_body(title, abstract),
            headers=headers,
            timeout=settings.LLM_TIMEOUT,
            stream=True,
        ) as response:
            body = _read_capped(response)
    except requests.Timeout:
        raise Retryable(f"no answer within {settings.LLM_TIMEOUT:g} s") from None
    except requests.RequestException as error:
        raise Retryable(f"server unreachable ({type(error).__name__})") from None
    if response.status_code == 429 or response.status_code >= 500:
        raise Retryable(
            f"HTTP {response.status_code}", retry_after(response.headers.get("Retry-After"))
        )
    if response.status_code != 200:
        raise Malformed(f"HTTP {response.status_code}")
    return read_reply(body)


def _read_capped(response: requests.Response) -> bytes:
    body = bytearray()
    for chunk in response.iter_content(64 * 1024):
        body += chunk
        if len(body) > MAX_REPLY_BYTES:
            raise Malformed(f"reply longer than {MAX_REPLY_BYTES} bytes")
    return bytes(body)


def read_reply(body: bytes) -> Reply:
    """The summary in a chat-completions response body, cleaned and capped."""
    try:
        reply = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Malformed("reply is not JSON") from None
    if not isinstance(reply, dict):
        raise Malformed("reply is not a JSON object")
    choices = reply.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise Malformed("reply has no choices")
    choice = choices[0]
    message = choice.get("message")
    if not isinstance(message, dict):
        raise Malformed("reply has no message")
    if message.get("refusal") or choice.get("finish_reason") == "content_filter":
        raise Malformed("the model refused")
    content = message.get("content")
    if not isinstance(content, str):
        raise Malformed("reply has no text content")
    text = excerpt(single_line(content), SUMMARY_MAX_CHARS)[: SUMMARY_MAX_CHARS + 1]
    if not text:
        raise Malformed("reply is empty")
    model = reply.get("model")
    usage = reply.get("usage")
    tokens = usage.get("total_tokens") if isinstance(usage, dict) else None
    return Reply(
        text=text,
        model=single_line(model)[:200] if isinstance(model, str) and model.strip() else "",
        tokens=tokens if isinstance(tokens, int) and 0 <= tokens < 2**31 else 0,
    )
