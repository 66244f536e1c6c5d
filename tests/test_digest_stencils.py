"""Digests built from stencils (digests/sending.py) are byte-identical to rendering the
templates for each message, whatever the titles, abstracts, authors and reasons hold; and the
bytes sending.smtp_bytes hands to SMTP are the ones Django's SMTP backend would send."""

import re
from datetime import date
from email import message_from_bytes, policy
from email.errors import HeaderParseError
from urllib.parse import quote

import pytest
from conftest import examples
from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dailypapers.core.urls import digest_unsubscribe_url
from dailypapers.digests.addresses import unsubscribe_token
from dailypapers.digests.compose import Digest, Item, period_for
from dailypapers.digests.models import Subscriber
from dailypapers.digests.sending import (
    MessageBuilder,
    entry_context,
    envelope_address,
    smtp_bytes,
)
from dailypapers.papers.models import Paper

PERIOD = period_for("daily", date(2026, 11, 25))
HOSTILE = ["<script>alert(1)</script>", "a & b", "\"quoted\" 'single'", "{{ x }} {% y %}", "ü 𝛼"]
text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300))


def rendered(period, subscriber, digest) -> tuple[str, str]:
    """The digest as sending rendered it before stencils: every template per message."""

    def entry(item):
        context = entry_context(item, item.reason)
        return (
            render_to_string("digests/item.txt", context),
            mark_safe(render_to_string("digests/item.html", context)),
        )

    entries = [entry(item) for item in digest.items if not item.for_you]
    for_you = [entry(item) for item in digest.items if item.for_you]
    context = {
        "period": period,
        "site": settings.SITE_NAME,
        "base_url": settings.BASE_URL,
        "unsubscribe_url": digest_unsubscribe_url(
            quote(unsubscribe_token(subscriber.email), safe="")
        ),
    }
    return (
        render_to_string(
            "digests/digest.txt",
            {**context, "items": [t for t, _ in entries], "for_you": [t for t, _ in for_you]},
        ),
        render_to_string(
            "digests/digest.html",
            {**context, "items": [h for _, h in entries], "for_you": [h for _, h in for_you]},
        ),
    )


papers = st.lists(
    st.builds(
        lambda title, abstract, authors: Paper(title=title, abstract=abstract, authors=authors),
        text,
        text,
        st.lists(text, max_size=6),
    ),
    min_size=1,
    max_size=6,
)
emails = st.sampled_from(["ada@example.org", "o'hara+x&y@example.org", "b@ü.example"])


@st.composite
def runs(draw):
    """A run's subscribers and their digests; a paper is the same paper in every digest (as
    in a run), with other reasons, vote counts and sections."""
    run_papers = draw(papers)
    for number, paper in enumerate(run_papers):
        paper.arxiv_id = f"2611.{number:05d}"
    item = st.builds(Item, st.sampled_from(run_papers), text, st.integers(0, 3), st.booleans())
    return draw(st.lists(st.tuples(emails, st.lists(item, max_size=12)), min_size=1, max_size=6))


@hypothesis_settings(
    max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(runs())
def test_stencilled_digests_are_byte_identical_to_rendered_ones(messages):
    # One builder for the whole run, as send-digests keeps one: its cached stencils are
    # reused across subscribers, shapes and reasons.
    builder = MessageBuilder(PERIOD)
    for email, entries in messages:
        digest = Digest(entries)
        subscriber = Subscriber(email=email)
        message = builder.build(subscriber, digest)
        body, html = rendered(PERIOD, subscriber, digest)
        assert message.body == body
        assert message.alternatives[0][0] == html


def same_date_and_boundary(built, sent: bytes) -> bytes:
    """Django's flattening of `built` with the Date and boundary `sent` drew (both are drawn
    per message), each header kept in its place."""
    built.replace_header("Date", re.search(rb"\r\nDate: ([^\r]*)\r\n", sent)[1].decode())
    built.set_boundary(re.search(rb'boundary="([^"]*)"', sent)[1].decode())
    return built.as_bytes(linesep="\r\n")


addresses = st.one_of(
    emails,
    st.emails(),
    st.builds("{}@{}".format, st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=20)),
)


@hypothesis_settings(max_examples=examples(200), deadline=None)
@given(
    st.tuples(text, text, text),
    st.sampled_from(["", "\r\n", "\r", "é" * 600, "a" * 999, "\x0b" + "b" * 990]),
    addresses,
    st.sampled_from(["dailypapers", "Papiers du jour ü", "a" * 90, "x\x0cy"]),
)
def test_smtp_bytes_are_what_djangos_smtp_backend_sends(texts, tail, address, site):
    body, html, reason = texts
    html += tail  # CRs, and lines over SMTP's 998 bytes: Django switches to quoted-printable
    message = EmailMultiAlternatives(
        subject=f"{site}: 3 papers for {reason.splitlines()[0] if reason.strip() else 'x'}",
        body=body + "\r\nFrom here on\n--==\r.\n",
        to=[address],
        headers={
            "List-Unsubscribe": f"<https://example.org/u/{quote(address)}>, <mailto:u?s={reason}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": f"<{len(reason)}.digest@example.org>",
        },
    )
    message.attach_alternative(html, "text/html")
    try:
        built = message.message()
    except (
        BadHeaderError,
        HeaderParseError,
        ValueError,
    ) as refused:  # Django refuses the headers: so do we
        with pytest.raises(type(refused)):
            smtp_bytes(message)
        return
    sent = smtp_bytes(message)
    assert sent == same_date_and_boundary(built, sent)
    if not all(header.isprintable() for header in (address, site, reason)):
        return  # a form feed or the like splits the header in Django's bytes and ours alike
    received = message_from_bytes(sent, policy=policy.default)
    assert [part.get_content_type() for part in received.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_digest_sent_is_the_message_django_builds():
    """The builder's digests, flattened for SMTP: Django's bytes, parsed back by the stdlib
    with the RFC 8058 headers intact."""
    paper = Paper(
        arxiv_id="2611.00001", title="Ünïcode <b>&</b>", abstract="x " * 400, authors=["A"]
    )
    digest = Digest([Item(paper, "trending", 3), Item(paper, "why ü", 0, True)])
    message = MessageBuilder(PERIOD).build(Subscriber(email="ada@example.org"), digest)
    sent = smtp_bytes(message)
    assert sent == same_date_and_boundary(message.message(), sent)
    received = message_from_bytes(sent, policy=policy.default)
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = (part.strip() for part in received["List-Unsubscribe"].split(","))
    assert https.startswith("<http") and mailto.startswith("<mailto:")
    assert "Ünïcode &lt;b&gt;&amp;&lt;/b&gt;" in received.get_body(("html",)).get_content()


@hypothesis_settings(max_examples=examples(300), deadline=None)
@given(addresses)
def test_envelope_addresses_are_what_django_sanitizes(address):
    try:
        expected = sanitize_address(address, "utf-8")
    except Exception as refused:  # the stdlib's parser also fails in its own ways ("@[\t")
        with pytest.raises(type(refused)):
            envelope_address(address, "utf-8")
        return
    assert envelope_address(address, "utf-8") == expected
