"""Sending a period's digests exactly once per subscriber.

For each (subscriber, period) a Delivery row moves pending -> sending -> sent, and the sent
papers are written to the ledger in the same transaction as `sent`. A re-run after a crash
sends every row not yet `sent`, so nobody misses a digest. The one message that can arrive
twice is one SMTP had accepted when the process died before recording `sent`: one per crash
and worker, since each worker has one message in flight at a time.

Runs claim their rows (core/claims.py: SKIP LOCKED on PostgreSQL, the write lock on SQLite),
so several `send-digests` processes, on one host or many, share a period without sending a
digest twice. A dead run's claims pass to the next run: at once on the same host, after
CLAIM_LEASE from another.
"""

import contextlib
import logging
import queue
import random
import re
import smtplib
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from email import policy as email_policy
from email.utils import formatdate, make_msgid
from functools import cache, lru_cache
from itertools import islice
from urllib.parse import quote

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import (
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    forbid_multi_line_headers,
    sanitize_address,
)
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from ..core.claims import claim, new_token, stale_tokens
from ..core.urls import digest_unsubscribe_url, paper_url
from ..papers.text import DIGEST_AUTHORS, DIGEST_EXCERPT_CHARS, excerpt, short_authors
from .addresses import unsubscribe_token
from .channels import ChannelReport, post_channels
from .compose import Composer, Digest, Edition
from .models import Channel, Delivery, SentPaper, Subscriber

log = logging.getLogger("dailypapers.digests")
RETRIES = 3
# Digests claimed per round trip: fewer claims to the database; a dead run's unsent claims
# pass to the first sender that runs out of work, or to the next run.
CLAIM_BATCH = 50
# The policy Django's as_bytes(linesep="\r\n") flattens with.
_SMTP_POLICY = email_policy.compat32.clone(linesep="\r\n")


class PermanentFailure(Exception):
    """The server refused the message for good (5xx)."""


class TransientFailure(Exception):
    """The server or network failed in a way worth retrying later (4xx, disconnects)."""


@dataclass
class RunReport:
    period: str
    subscribers: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    deferred: int = 0
    already_sent: int = 0
    channels: ChannelReport | None = None

    def line(self) -> str:
        line = (
            f"{self.period}: {self.sent} sent, {self.skipped} with nothing new, "
            f"{self.failed} failed, {self.deferred} deferred, {self.already_sent} sent earlier "
            f"({self.subscribers} subscribers)"
        )
        return f"{line}\n{self.channels.line()}" if self.channels else line


class Mailer:
    """One SMTP connection for the whole batch; reconnects and retries transient failures."""

    def __init__(self, retries: int = RETRIES, sleep=None):
        self.connection = get_connection(fail_silently=False)
        self.retries = retries
        # time.sleep as it is when the mailer is made (a default argument would keep the one
        # of import time, and a test meaning not to wait slept 3 s).
        self.sleep = sleep or time.sleep

    def send(self, message: EmailMultiAlternatives) -> None:
        if isinstance(self.connection, SmtpBackend):
            # What the backend's send_messages does, with the message flattened once and
            # faster (smtp_bytes), and the envelope addresses sanitized as it does.
            encoding = message.encoding or settings.DEFAULT_CHARSET
            sender = _sender_address(message.from_email, encoding)
            recipients = [envelope_address(to, encoding) for to in message.recipients()]
            data = smtp_bytes(message)

            def transmit():
                self.connection.connection.sendmail(sender, recipients, data)
        else:
            message.connection = self.connection

            def transmit():
                self.connection.send_messages([message])

        for attempt in range(self.retries + 1):
            try:
                self.connection.open()
                transmit()
                return
            except smtplib.SMTPRecipientsRefused as error:
                codes = [code for code, _ in error.recipients.values()]
                self._handle(min(codes), str(error.recipients), attempt)
            except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
                self._handle(error.smtp_code, str(error.smtp_error), attempt)
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as error:
                self._handle(421, f"{type(error).__name__}: {error}", attempt)

    def _handle(self, code: int, reason: str, attempt: int) -> None:
        if 500 <= code < 600:
            raise PermanentFailure(f"{code} {reason}")
        self.close()
        if attempt == self.retries:
            raise TransientFailure(f"{code} {reason}")
        self.sleep(2.0**attempt)

    def close(self) -> None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self.connection.close()


def envelope_address(address: str, encoding: str) -> str:
    """Django's `sanitize_address`, which its SMTP backend applies to every envelope address.
    A plain ASCII dot-atom address comes out of it unchanged, so it is not parsed again (the
    parse was 0.12 ms of CPU a digest); anything else goes through Django
    (tests/test_digest_stencils.py checks both ways)."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    return sanitize_address(address, encoding)


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@[a-z0-9-]{{1,63}}(?:\.[a-z0-9-]{{1,63}})*")
# The run's From, the same for every digest.
_sender_address = cache(sanitize_address)


def smtp_bytes(message: EmailMultiAlternatives) -> bytes:
    """`message.message().as_bytes(linesep="\\r\\n")`, what Django's SMTP backend sends, byte
    for byte (Date and boundary aside, which are drawn per message), for a digest's shape: a
    text body and one HTML alternative, no attachments, no line over SMTP's 998 bytes (Django
    sends those quoted-printable). Every header goes through Django's header check and the
    stdlib's compat32 folding, as in Django, except a printable ASCII line of at most 78
    characters, which that folding leaves as it is; the headers that repeat (Subject, From,
    Date) are folded once. The bodies are UTF-8 with CRLF line ends, as the generator writes
    them. Measured on 4,000 digests: ~0.1 ms of CPU a message instead of 0.82 for
    message() and its flattening. Other shapes go through message().as_bytes()."""
    encoding = message.encoding or settings.DEFAULT_CHARSET
    alternatives = message.alternatives
    headers = message.extra_headers
    bodies = [message.body] + [content for content, _ in alternatives]
    if (
        encoding != "utf-8"
        or message.attachments
        or message.cc
        or message.reply_to
        or not message.to
        or not message.body
        or len(alternatives) != 1
        or alternatives[0].mimetype != "text/html"
        or any(name.lower() in _SET_BY_DJANGO for name in headers)
        or "Message-ID" not in headers
    ):
        return message.message().as_bytes(linesep="\r\n")
    payloads = []
    for body in bodies:
        data = body.encode("utf-8")
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if max(map(len, data.split(b"\n"))) > RFC5322_EMAIL_LINE_LENGTH_LIMIT:
            return message.message().as_bytes(linesep="\r\n")
        payloads.append(data.replace(b"\n", b"\r\n"))
    boundary = None
    while boundary is None or any(f"--{boundary}".encode() in data for data in payloads):
        # The generator's form of boundary, drawn again while a part contains it.
        boundary = f"{'=' * 15}{random.randrange(sys.maxsize):019d}=="
    lines = [
        _MULTIPART_LINE.replace(_BOUNDARY_SHAPE.encode(), boundary.encode()),
        _repeated_line("MIME-Version", "1.0"),
        _repeated_line("Subject", message.subject),
        _repeated_line("From", message.from_email),
        _header_line("To", ", ".join(str(to) for to in message.to)),
        _repeated_line("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)),
    ]
    lines += [_header_line(name, value) for name, value in headers.items()]
    delimiter = f"\r\n--{boundary}\r\n".encode()
    parts = [
        _part_head(subtype, data.isascii()) + data
        for subtype, data in zip(("plain", "html"), payloads, strict=True)
    ]
    return b"".join([*lines, delimiter, delimiter.join(parts), f"\r\n--{boundary}--\r\n".encode()])


def _header_line(name: str, value) -> bytes:
    """A header as Django sets it (forbid_multi_line_headers: no CR or LF; a non-ASCII value
    encoded) and the generator folds it (compat32, 78 characters)."""
    value = str(value)
    if len(name) + 2 + len(value) <= 78 and _PRINTABLE_ASCII.fullmatch(value) and name != "Subject":
        return f"{name}: {value}\r\n".encode("ascii")
    return _SMTP_POLICY.fold_binary(*forbid_multi_line_headers(name, value, "utf-8"))


_repeated_line = lru_cache(maxsize=64)(_header_line)


@cache
def _part_head(subtype: str, ascii_only: bool) -> bytes:
    """A part's headers and blank line, as Django's SafeMIMEText writes them for UTF-8 text
    without long lines (the stdlib says 7bit for ASCII-only text, 8bit otherwise)."""
    return b"".join(
        [
            _header_line("Content-Type", f'text/{subtype}; charset="utf-8"'),
            _header_line("MIME-Version", "1.0"),
            _header_line("Content-Transfer-Encoding", "7bit" if ascii_only else "8bit"),
            b"\r\n",
        ]
    )


# The multipart Content-Type line folded once with a boundary of the generator's shape (15
# "=", 19 digits, "=="): every boundary it draws has that length, so folds the same.
_BOUNDARY_SHAPE = f"{'=' * 15}{0:019d}=="
_MULTIPART_LINE = _SMTP_POLICY.fold_binary(
    "Content-Type", f'multipart/alternative; boundary="{_BOUNDARY_SHAPE}"'
)
_SET_BY_DJANGO = {"from", "to", "cc", "reply-to", "date", "mime-version", "content-type", "subject"}
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")


class Stencil:
    """A template rendered once with a marker in each per-message slot, then filled per
    message by joining strings. Filling gives the bytes rendering would, because each value
    goes through the escaping the template applies at that slot: Django's conditional_escape
    where the template autoescapes, the text as is where it does not. Slots must be output
    plainly (`{{ slot }}`, no filter), and the context's other values must be the same for
    every message filled from the stencil.

    Measured: rendering was ~19% of send-digests' CPU with a Django render per digest and
    per "for you" entry; a stencil per digest shape makes it string joins (bench/digests.py)."""

    def __init__(self, template: str, make_context, *, autoescape: bool):
        names = []

        def slot(name) -> str:
            names.append(name)
            return f"{_MARK}{len(names) - 1}{_MARK}"

        parts = _MARKED.split(render_to_string(template, make_context(slot)))
        self.fragments = parts[0::2]
        self.slots = [names[int(index)] for index in parts[1::2]]
        self.escape = conditional_escape if autoescape else str

    def fill(self, values: dict) -> str:
        out = [self.fragments[0]]
        for name, fragment in zip(self.slots, self.fragments[1:], strict=True):
            out.append(self.escape(values[name]))
            out.append(fragment)
        return "".join(out)


# Letters and digits only: no escaping changes a marker, and no text can forge one.
_MARK = uuid.uuid4().hex
_MARKED = re.compile(f"{_MARK}([0-9]+){_MARK}")


def entry_context(item, reason: str) -> dict:
    """The context of a paper's entry templates (digests/item.txt and item.html)."""
    return {
        "item": {
            "title": item.paper.title,
            "url": paper_url(item.paper.arxiv_id),
            "authors": short_authors(item.paper.authors, DIGEST_AUTHORS),
            "excerpt": excerpt(item.paper.abstract, DIGEST_EXCERPT_CHARS),
            "upvotes": item.upvotes,
            "reason": reason,
        }
    }


class MessageBuilder:
    """Renders digests from stencils: one per paper entry (the reason line is the slot, so
    "for you" entries with their own why lines share it too) and one per digest shape (how
    many "for you" and other entries; the entries and the unsubscribe link are the slots).
    The output is byte-identical to rendering the templates per message
    (tests/test_digest_stencils.py)."""

    def __init__(self, period: Edition):
        self.period = period
        self._entries: dict[tuple, tuple[Stencil, Stencil]] = {}
        self._digests: dict[tuple[int, int], tuple[Stencil, Stencil]] = {}

    def entry(self, item) -> tuple[str, str]:
        key = (item.paper.arxiv_id, item.upvotes)
        if key not in self._entries:

            def context(slot):
                return entry_context(item, reason=slot("reason"))

            self._entries[key] = (
                Stencil("digests/item.txt", context, autoescape=False),
                Stencil("digests/item.html", context, autoescape=True),
            )
        text, html = self._entries[key]
        values = {"reason": item.reason}
        return text.fill(values), mark_safe(html.fill(values))

    def _digest(self, for_you: int, items: int) -> tuple[Stencil, Stencil]:
        if (for_you, items) not in self._digests:

            def context(slot):
                return {
                    "period": self.period,
                    "site": settings.SITE_NAME,
                    "base_url": settings.BASE_URL,
                    "unsubscribe_url": slot("unsubscribe_url"),
                    "items": [slot(("items", i)) for i in range(items)],
                    "for_you": [slot(("for_you", i)) for i in range(for_you)],
                }

            self._digests[for_you, items] = (
                Stencil("digests/digest.txt", context, autoescape=False),
                Stencil("digests/digest.html", context, autoescape=True),
            )
        return self._digests[for_you, items]

    def build(self, subscriber: Subscriber, digest: Digest) -> EmailMultiAlternatives:
        token = quote(unsubscribe_token(subscriber.email), safe="")
        unsubscribe_url = digest_unsubscribe_url(token)
        mailbox = settings.DIGEST_UNSUBSCRIBE_MAILBOX
        entries = [self.entry(item) for item in digest.items if not item.for_you]
        for_you = [self.entry(item) for item in digest.items if item.for_you]
        text, html = self._digest(len(for_you), len(entries))
        texts = {"unsubscribe_url": unsubscribe_url}
        htmls = {"unsubscribe_url": unsubscribe_url}
        for section, rendered in (("items", entries), ("for_you", for_you)):
            for i, (entry_text, entry_html) in enumerate(rendered):
                texts[section, i] = entry_text
                htmls[section, i] = entry_html
        message = EmailMultiAlternatives(
            subject=f"{settings.SITE_NAME}: {len(digest.items)} papers for {self.period.label}",
            body=text.fill(texts),
            to=[subscriber.email],
            headers={
                "List-Unsubscribe": (
                    f"<{unsubscribe_url}>, <mailto:{mailbox}?subject=unsubscribe%20{token}>"
                ),
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Message-ID": make_msgid("digest", domain=settings.DIGEST_MESSAGE_DOMAIN),
            },
        )
        message.attach_alternative(html.fill(htmls), "text/html")
        return message


def send_digests(
    period: Edition,
    *,
    only: str | None = None,
    dry_run: bool = False,
    mailer=None,
    say=None,
    workers: int = 1,
) -> RunReport:
    """Send the period's digests (and post its channel lists, unless `only` one subscriber).
    Any number of runs may work at once, on any hosts: each claims its digests (core/claims.py).
    `workers` > 1 sends over that many SMTP connections at once."""
    report = RunReport(period.key)
    subscribers = Subscriber.objects.filter(
        status=Subscriber.Status.ACTIVE, frequency=period.frequency
    )
    if only:
        subscribers = subscribers.filter(email=only)
    report.subscribers = subscribers.count()
    composer = Composer(period)
    builder = MessageBuilder(period)
    if dry_run:
        rows = subscribers.iterator(chunk_size=CLAIM_BATCH)
        while batch := list(islice(rows, CLAIM_BATCH)):
            sent = _sent_ids(batch)
            composer.prepare(batch, sent)
            for subscriber in batch:
                digest = composer.compose(subscriber, sent[subscriber.pk])
                if say:
                    say(f"{subscriber.email}: {len(digest.items)} papers")
        return report
    if not only and Channel.objects.exists():
        report.channels = post_channels(period, composer=composer)
    _create_pending(subscribers, period)
    unfinished = Delivery.objects.filter(
        period=period.key, state__in=[Delivery.State.PENDING, Delivery.State.SENDING]
    )
    token = new_token()
    to_claim = unfinished.filter(subscriber__in=subscribers, claimed_by="").order_by("pk")

    def next_batch() -> list[int]:
        # Digests a dead run had claimed go to whoever runs out of work first; the one it
        # was sending may arrive twice (the module docstring).
        pks = claim(to_claim, token, limit=CLAIM_BATCH)
        if not pks and unfinished.filter(claimed_by__in=stale_tokens(unfinished)).update(
            claimed_by=""
        ):
            pks = claim(to_claim, token, limit=CLAIM_BATCH)
        return pks

    senders = Senders(workers, mailer, report)
    try:
        while pks := next_batch():
            deliveries = list(
                Delivery.objects.filter(pk__in=pks)
                .select_related("subscriber", "subscriber__user")
                .order_by("pk")
            )
            batch = [delivery.subscriber for delivery in deliveries]
            sent = _sent_ids(batch)
            composer.prepare(batch, sent)  # for you, together
            outgoing = []
            for delivery in deliveries:
                digest = composer.compose(delivery.subscriber, sent[delivery.subscriber_id])
                if digest.items:
                    outgoing.append((delivery, digest, builder.build(delivery.subscriber, digest)))
            _mark_batch(deliveries, outgoing, report)
            for job in outgoing:
                senders.submit(*job)
    finally:
        senders.close()
        # Deferred digests, and any left by an error, are free for the next run.
        unfinished.filter(claimed_by=token).update(claimed_by="")
    report.already_sent = (
        Delivery.objects.filter(
            period=period.key, state=Delivery.State.SENT, subscriber__in=subscribers
        ).count()
        - report.sent
    )
    return report


class Senders:
    """Sends built messages: in the calling thread with one connection (workers=1), or on
    `workers` threads with one SMTP connection (and database connection) each. At most
    `workers` messages are in flight, so a kill can duplicate at most that many."""

    def __init__(self, workers: int, mailer, report: RunReport):
        self.report = report
        self.lock = threading.Lock()
        if workers <= 1:
            self.mailer = mailer or Mailer()
            self.queue = None
            return
        self.queue = queue.Queue(maxsize=workers * 2)
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        for thread in self.threads:
            thread.start()

    def submit(self, delivery, digest, message) -> None:
        if self.queue is None:
            _deliver(delivery, digest, message, self.mailer, self.report, self.lock)
        else:
            self.queue.put((delivery, digest, message))

    def _work(self) -> None:
        mailer = Mailer()
        try:
            while (job := self.queue.get()) is not None:
                try:
                    _deliver(*job, mailer, self.report, self.lock)
                except Exception:
                    # The thread keeps taking jobs (the queue would fill and block the run);
                    # the row stays claimed and is released for the next run at the end.
                    log.exception("sending the digest to %s failed", job[0].subscriber.email)
        finally:
            mailer.close()
            connection.close()

    def close(self) -> None:
        if self.queue is None:
            self.mailer.close()
            return
        for _ in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()


def _create_pending(subscribers, period: Edition) -> None:
    ids = list(subscribers.values_list("pk", flat=True))
    for start in range(0, len(ids), 2000):
        Delivery.objects.bulk_create(
            [Delivery(subscriber_id=i, period=period.key) for i in ids[start : start + 2000]],
            ignore_conflicts=True,
        )


def _sent_ids(subscribers) -> dict[int, set[str]]:
    """The papers already mailed to each of a batch of subscribers (the ledger), in one query:
    a query per subscriber was ~7% of send-digests' time (cProfile, bench/digests.py)."""
    sent = {subscriber.pk: set() for subscriber in subscribers}
    rows = SentPaper.objects.filter(subscriber__in=list(sent)).values_list("subscriber", "paper")
    for subscriber_id, paper_id in rows:
        sent[subscriber_id].add(paper_id)
    return sent


@cache
def _sql(model, *fields: str) -> tuple[str, ...]:
    """The quoted table and column names of `fields`, for the statements below: the ledger
    writes run once or twice per digest, and the ORM's query building cost more than the
    statements (cProfile; bench/digests.py). Worked out once per process, not per digest."""
    columns = [model._meta.get_field(name).column for name in fields]
    return tuple(connection.ops.quote_name(name) for name in (model._meta.db_table, *columns))


def _mark_batch(deliveries: list[Delivery], outgoing: list, report: RunReport) -> None:
    """Before any of a claimed batch is sent: the digests with nothing new are `skipped`, the
    others `sending` with their Message-ID, in one transaction for the batch (a statement and
    a commit per digest were ~1/8 of send-digests' CPU; bulk_update's CASE expressions cost
    more than that, so one executemany). Marking the whole batch `sending` early changes
    nothing after a crash: a `sending` row not yet `sent` is sent again by the next run like a
    `pending` one; only a message SMTP accepted before `sent` was recorded can arrive twice,
    still at most one per worker."""
    going = {delivery.pk for delivery, _, _ in outgoing}
    skipped = [delivery.pk for delivery in deliveries if delivery.pk not in going]
    table, pk, state, attempts, message_id = _sql(Delivery, "id", "state", "attempts", "message_id")
    sending = (
        f"UPDATE {table} SET {state} = %s, {attempts} = {attempts} + 1, {message_id} = %s "
        f"WHERE {pk} = %s"
    )
    rows = [
        (Delivery.State.SENDING, message.extra_headers["Message-ID"], delivery.pk)
        for delivery, _, message in outgoing
    ]
    with transaction.atomic():
        Delivery.objects.filter(pk__in=skipped).update(state=Delivery.State.SKIPPED)
        with connection.cursor() as cursor:
            cursor.executemany(sending, rows)
    report.skipped += len(skipped)


def _record_sent(delivery: Delivery, digest: Digest) -> None:
    """`sent` and the digest's papers in the ledger, in one transaction (per digest, so a
    crash duplicates at most the message in flight). Two statements instead of the ORM's
    update and bulk_create: 0.74 ms of CPU a digest instead of 1.31 (SQLite, 2,000 digests of
    12 papers, two alternating runs); ON CONFLICT DO NOTHING is what bulk_create's
    ignore_conflicts meant, in a spelling both SQLite and PostgreSQL accept."""
    table, pk, state, error = _sql(Delivery, "id", "state", "error")
    ledger, subscriber, paper, sent_by = _sql(SentPaper, "subscriber", "paper", "delivery")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {state} = %s, {error} = '' WHERE {pk} = %s",
            [Delivery.State.SENT, delivery.pk],
        )
        cursor.executemany(
            f"INSERT INTO {ledger} ({subscriber}, {paper}, {sent_by}) VALUES (%s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            [(delivery.subscriber_id, item.paper.pk, delivery.pk) for item in digest.items],
        )


def _deliver(delivery: Delivery, digest: Digest, message, mailer: Mailer, report, lock) -> None:
    subscriber = delivery.subscriber
    try:
        mailer.send(message)
    except PermanentFailure as error:
        with transaction.atomic():
            Delivery.objects.filter(pk=delivery.pk).update(
                state=Delivery.State.FAILED, error=str(error)
            )
            Subscriber.objects.filter(pk=subscriber.pk).update(
                status=Subscriber.Status.FAILING, last_error=str(error)[:1000]
            )
        with lock:
            report.failed += 1
        log.warning("%s refused for good: %s", subscriber.email, error)
        return
    except TransientFailure as error:
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.PENDING, error=str(error)
        )
        with lock:
            report.deferred += 1
        log.warning("%s deferred: %s", subscriber.email, error)
        return
    _record_sent(delivery, digest)
    with lock:
        report.sent += 1
