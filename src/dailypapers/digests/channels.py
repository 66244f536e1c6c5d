"""Team chat channels: the daily or weekly list posted to Slack, Discord, Matrix, Mattermost,
Microsoft Teams, Telegram, ntfy (through apprise) or a signed JSON webhook (our own sender).

This module owns what a channel is (its URL and the service it names), what a channel's list
holds, and how each service is written to. Posting a period's lists exactly once is
`post_channels` (claimed rows, digests/models.py ChannelPost).

Every outside text (titles, abstracts, link URLs) reaches a post through its service's one
escaping path in `formats.py`; the generic webhook gets structured JSON, which needs none.
"""

import hashlib
import hmac
import json
import logging
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import apprise
import requests
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ..core.claims import claim, new_token, stale_tokens
from ..core.urls import absolute, paper_url
from ..links.models import PaperLink
from ..papers.cleaning import single_line
from ..papers.text import CHANNEL_EXCERPT_CHARS, excerpt
from . import formats, secrets
from .compose import Composer, Edition, edition_from_key
from .models import Channel, ChannelPost, Frequency

log = logging.getLogger("dailypapers.digests.channels")

# How many papers a channel post lists at most (chat messages stay short).
CHANNEL_LIMIT = 10
# Backoff after the n-th failure in a row: BACKOFF_BASE * 2**(n-1); paused after MAX_FAILURES.
BACKOFF_BASE = timedelta(minutes=5)
MAX_FAILURES = 6
TIMEOUT = 30

# apprise plugin class -> our service name, which picks the post's format.
SERVICES = {
    "NotifySlack": "slack",
    "NotifyDiscord": "discord",
    "NotifyMatrix": "matrix",
    "NotifyMattermost": "mattermost",
    "NotifyMSTeams": "teams",
    "NotifyTelegram": "telegram",
    "NotifyNtfy": "ntfy",
}
WEBHOOK_SCHEMES = ("webhook+https", "webhook+http")
WEBHOOK = "webhook"


class ChannelError(ValueError):
    """A channel that cannot be added as given (a clear message, nothing changed)."""


class PostFailed(Exception):
    """The service did not accept the post; the message holds no secret."""


@dataclass(frozen=True)
class Target:
    """A channel's decrypted URL and its service; lives only while posting."""

    service: str
    url: str


def parse_url(url: str) -> Target:
    """The service a channel URL names, or ChannelError. Webhook URLs are
    webhook+https://host/path?secret=SHARED_SECRET; every other URL is an apprise URL of one
    of SERVICES (https://hooks.slack.com/…, discord://…, matrixs://…, mmosts://…,
    msteams://…, tgram://…, ntfys://…)."""
    url = url.strip()
    if not url or len(url) > 2000 or any(c.isspace() or ord(c) < 32 for c in url):
        raise ChannelError("a channel URL is one line of at most 2000 characters, no spaces")
    scheme = urlsplit(url).scheme.lower()
    if scheme in WEBHOOK_SCHEMES:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        if not parts.hostname or not query.get("secret"):
            raise ChannelError(
                "a webhook URL needs a host and a shared secret: "
                "webhook+https://example.org/hook?secret=…"
            )
        return Target(WEBHOOK, url)
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    service = SERVICES.get(type(plugin).__name__) if plugin else None
    if service is None:
        known = ", ".join(sorted({*SERVICES.values(), WEBHOOK}))
        raise ChannelError(f"not a channel URL apprise understands for one of: {known}")
    return Target(service, url)


def webhook_endpoint(url: str) -> tuple[str, str]:
    """The HTTP(S) URL a webhook channel posts to, and its shared secret."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    secret = dict(query)["secret"]
    kept = urlencode([(k, v) for k, v in query if k != "secret"])
    scheme = parts.scheme.removeprefix("webhook+")
    return urlunsplit((scheme, parts.netloc, parts.path, kept, "")), secret


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The webhook signature: hex HMAC-SHA256 over "TIMESTAMP." + body, keyed by the secret."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ListedPaper:
    arxiv_id: str
    title: str
    url: str
    upvotes: int
    summary: str  # one line
    code_url: str | None


@dataclass(frozen=True)
class ChannelList:
    title: str
    url: str  # the period's list on the site
    papers: list[ListedPaper]


@dataclass
class Audience:
    """A channel as the Composer sees a subscriber: the day's list, or only its topics and
    categories when it has some; never "for you" sections (a channel has no account)."""

    topics: list
    categories: list
    trending: bool
    for_you: int = 0
    user_id: None = None


def channel_list(channel: Channel, edition: Edition, composer: Composer) -> ChannelList:
    audience = Audience(
        channel.topics, channel.categories, trending=not (channel.topics or channel.categories)
    )
    items = [
        item
        for item in composer.compose(audience, set()).items
        if item.upvotes >= channel.min_upvotes
    ][:CHANNEL_LIMIT]
    code = {}
    for link in PaperLink.objects.filter(
        paper_id__in=[item.paper.arxiv_id for item in items], kind="code"
    ).order_by("-position"):
        if link.url.startswith(("https://", "http://")):
            code[link.paper_id] = link.url
    return ChannelList(
        title=f"{settings.SITE_NAME}: {edition.label}",
        url=absolute(edition.period.url),
        papers=[
            ListedPaper(
                arxiv_id=item.paper.arxiv_id,
                title=" ".join(item.paper.title.split()),
                url=paper_url(item.paper.arxiv_id),
                upvotes=item.upvotes,
                summary=excerpt(" ".join(item.paper.abstract.split()), CHANNEL_EXCERPT_CHARS),
                code_url=code.get(item.paper.arxiv_id),
            )
            for item in items
        ],
    )


def deliver(target: Target, listing: ChannelList, key: str) -> None:
    """Post `listing` to the channel, or raise PostFailed. `key` names the post (channel and
    period): webhooks receive it to drop a repeat."""
    if target.service == WEBHOOK:
        _post_webhook(target.url, listing, key)
        return
    body, body_format = formats.render(target.service, listing)
    notifier = apprise.Apprise()
    notifier.add(target.url)
    for plugin in notifier:
        # A list longer than the service takes (Discord: 2000 characters) goes as several
        # messages rather than being refused.
        plugin.overflow_mode = apprise.OverflowMode.SPLIT
        if target.service == formats.SLACK:
            # Block Kit sends our mrkdwn as given; apprise's legacy attachment path would
            # re-escape it and turn "&lt;!channel&gt;" back into a ping. A section holds
            # 3000 characters.
            plugin.use_blocks = True
            plugin.body_maxlen = 3000
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        ok = notifier.notify(body=body, title=listing.title, body_format=body_format)
    if not ok:
        said = " ".join(captured.getvalue().split())[-500:] or "no reason given"
        raise PostFailed(f"{target.service} refused the post: {secrets.scrub(said, target.url)}")


def _post_webhook(url: str, listing: ChannelList, key: str) -> None:
    endpoint, secret = webhook_endpoint(url)
    body = json.dumps(
        {"id": key, **asdict(listing)}, ensure_ascii=False, separators=(",", ":")
    ).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"{settings.SITE_NAME} (dailypapers webhook)",
        "X-Dailypapers-Id": key,
        "X-Dailypapers-Timestamp": timestamp,
        "X-Dailypapers-Signature": f"sha256={sign(secret, timestamp, body)}",
    }
    try:
        response = requests.post(
            endpoint, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False
        )
    except requests.RequestException as error:
        reason = secrets.scrub(type(error).__name__, url)
        raise PostFailed(f"webhook unreachable: {reason}") from None
    if not 200 <= response.status_code < 300:
        raise PostFailed(f"webhook answered HTTP {response.status_code}")


# ---- the channels a run posts to, exactly once per (channel, period) ----


@dataclass
class ChannelReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    interrupted: int = 0

    def line(self) -> str:
        return (
            f"channels: {self.sent} posted, {self.skipped} with nothing to post, "
            f"{self.failed} failed, {self.interrupted} interrupted"
        )


def post_channels(edition: Edition, *, composer: Composer | None = None) -> ChannelReport:
    """Post the edition's list to every channel of its frequency, and retry the posts of
    earlier editions that failed, once their channel's backoff is over. Any number of runs may
    do this at once: each post is claimed by one of them."""
    report = ChannelReport()
    ChannelPost.objects.bulk_create(
        [
            ChannelPost(channel=channel, period=edition.key)
            for channel in Channel.objects.filter(frequency=edition.frequency).exclude(
                state=Channel.State.PAUSED
            )
        ],
        ignore_conflicts=True,
    )
    _interrupt_dead_posts(report)
    composers = {edition.key: composer or Composer(edition)}
    token = new_token()
    due = ChannelPost.objects.filter(
        state=ChannelPost.State.PENDING,
        channel__in=Channel.objects.exclude(state=Channel.State.PAUSED).filter(
            Q(next_retry_at__isnull=True) | Q(next_retry_at__lte=timezone.now())
        ),
    ).order_by("pk")
    while pks := claim(due, token, limit=1, state=ChannelPost.State.POSTING):
        post = ChannelPost.objects.select_related("channel").get(pk=pks[0])
        if post.period not in composers:
            composers[post.period] = Composer(edition_from_key(post.period))
        _post_one(post, composers[post.period], report)
    return report


def _interrupt_dead_posts(report: ChannelReport) -> None:
    posting = ChannelPost.objects.filter(state=ChannelPost.State.POSTING)
    for token in stale_tokens(posting):
        for post in posting.filter(claimed_by=token).select_related("channel"):
            ChannelPost.objects.filter(pk=post.pk, claimed_by=token).update(
                state=ChannelPost.State.INTERRUPTED,
                error="the sender stopped mid-post; it may or may not have arrived",
            )
            report.interrupted += 1
            log.warning(
                "channel %s: the post for %s was interrupted by a crash; not posted again",
                post.channel.name,
                post.period,
            )


def _post_one(post: ChannelPost, composer: Composer, report: ChannelReport) -> None:
    channel = post.channel
    try:
        listing = channel_list(channel, composer.period, composer)
    except BaseException:
        # Nothing went out: the post waits for the next run rather than counting as
        # interrupted.
        ChannelPost.objects.filter(pk=post.pk).update(
            state=ChannelPost.State.PENDING, claimed_by=""
        )
        raise
    if not listing.papers:
        ChannelPost.objects.filter(pk=post.pk).update(state=ChannelPost.State.SKIPPED)
        report.skipped += 1
        return
    ChannelPost.objects.filter(pk=post.pk).update(attempts=post.attempts + 1)
    try:
        target = Target(channel.service, secrets.decrypt(channel.url_encrypted))
        deliver(target, listing, f"{channel.name}:{post.period}")
    except (PostFailed, secrets.SecretUnreadable) as error:
        ChannelPost.objects.filter(pk=post.pk).update(
            state=ChannelPost.State.PENDING, error=str(error)[:1000], claimed_by=""
        )
        _record_failure(channel, str(error))
        report.failed += 1
        return
    ChannelPost.objects.filter(pk=post.pk).update(
        state=ChannelPost.State.SENT, error="", posted_at=timezone.now()
    )
    _record_success(channel)
    report.sent += 1


def _record_failure(channel: Channel, error: str) -> None:
    failures = channel.failures + 1
    paused = failures >= MAX_FAILURES
    Channel.objects.filter(pk=channel.pk).update(
        failures=failures,
        state=Channel.State.PAUSED if paused else Channel.State.FAILING,
        next_retry_at=None if paused else timezone.now() + BACKOFF_BASE * 2 ** (failures - 1),
        last_error=error[:1000],
    )
    log.warning(
        "channel %s: %s (failure %d%s)",
        channel.name,
        error,
        failures,
        "; paused until `channels test` succeeds" if paused else "",
    )


def _record_success(channel: Channel) -> None:
    Channel.objects.filter(pk=channel.pk).update(
        state=Channel.State.OK, failures=0, next_retry_at=None, last_error=""
    )


# ---- operator actions (the `channels` command and the admin) ----


def add_channel(
    url: str,
    name: str,
    *,
    frequency: str = Frequency.DAILY,
    topics=(),
    categories=(),
    min_upvotes: int = 0,
) -> Channel:
    name = name.strip()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "-_." for c in name):
        raise ChannelError("a channel name is 1 to 64 letters, digits, '-', '_' or '.'")
    if frequency not in Frequency.values:
        raise ChannelError(f"the period is one of: {', '.join(Frequency.values)}")
    if min_upvotes < 0:
        raise ChannelError("--min-upvotes is 0 or more")
    # What a database can store: PostgreSQL refuses NUL in text and JSON.
    topics = [t for t in map(single_line, topics) if t]
    categories = [c for c in map(single_line, categories) if c]
    if any(len(t) > 200 for t in topics + categories):
        raise ChannelError("a topic or category is at most 200 characters")
    if Channel.objects.filter(name=name).exists():
        raise ChannelError(f"a channel named {name!r} exists; remove it first")
    target = parse_url(url)
    return Channel.objects.create(
        name=name,
        service=target.service,
        url_encrypted=secrets.encrypt(target.url),
        url_masked=secrets.mask(target.url),
        frequency=frequency,
        topics=topics,
        categories=categories,
        min_upvotes=min_upvotes,
    )


def sample_list() -> ChannelList:
    """What `channels test` posts: one made-up paper whose text exercises the escaping."""
    return ChannelList(
        title=f"{settings.SITE_NAME}: test post",
        url=absolute("/"),
        papers=[
            ListedPaper(
                arxiv_id="0000.00000",
                title="A test post from <dailypapers> & friends: *not bold*",
                url=absolute("/"),
                upvotes=1,
                summary="If you can read this line, the channel works.",
                code_url=None,
            )
        ],
    )


def send_test_post(channel: Channel) -> None:
    """Send the sample post; on success the channel is ok again (a paused one resumes)."""
    target = Target(channel.service, secrets.decrypt(channel.url_encrypted))
    try:
        deliver(target, sample_list(), f"{channel.name}:test:{int(time.time())}")
    except PostFailed as error:
        Channel.objects.filter(pk=channel.pk).update(last_error=str(error)[:1000])
        raise
    _record_success(channel)
