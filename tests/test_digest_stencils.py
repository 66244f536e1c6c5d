"""Digests built from stencils (digests/sending.py) are byte-identical to rendering the
templates for each message, whatever the titles, abstracts, authors and reasons hold; and the
bytes sending.mime_bytes hands to SMTP are the ones Django's SMTP backend would send."""

from datetime import date
from email import message_from_bytes, policy
from urllib.parse import quote

from conftest import examples
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dailypapers.core.urls import digest_unsubscribe_url
from dailypapers.digests.addresses import unsubscribe_token
from dailypapers.digests.compose import Digest, Item, period_for
from dailypapers.digests.models import Subscriber
from dailypapers.digests.sending import MessageBuilder, entry_context, mime_bytes
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


@hypothesis_settings(max_examples=examples(150), deadline=None)
@given(
    st.tuples(text, text, text),
    st.booleans(),
    emails,
    st.sampled_from(["dailypapers", "Papiers du jour ü"]),
)
def test_mime_bytes_are_what_djangos_smtp_backend_sends(texts, long_line, address, site):
    body, html, reason = texts
    if long_line:  # a line over SMTP's 998 bytes: Django switches to quoted-printable
        html += "é" * 600
    message = EmailMultiAlternatives(
        subject=f"{site}: 3 papers for {reason.splitlines()[0] if reason.strip() else 'x'}",
        body=body + "\r\nFrom here on\n--==\r.\n",
        to=[address],
        headers={"List-Unsubscribe": f"<https://example.org/u/{quote(address)}>", "X-Id": "1"},
    )
    message.attach_alternative(html, "text/html")
    built = message.message()
    flattened = mime_bytes(built)  # draws its boundary; the generator keeps a boundary set
    assert flattened == built.as_bytes(linesep="\r\n")
    again = message.message()
    assert mime_bytes(again) == again.as_bytes(linesep="\r\n")  # the generator's boundary
    received = message_from_bytes(flattened, policy=policy.default)
    assert [part.get_content_type() for part in received.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
