"""A channel list written in each chat service's own format, through that format's one
escaping path:

- Discord, Mattermost, Teams, ntfy: CommonMark; every ASCII punctuation mark in outside text
  is backslash-escaped (`markdown_text`), so a title can neither format nor mention
  (`@everyone` arrives as text).
- Slack: mrkdwn written here and handed to apprise as is (no body format, Block Kit mode:
  apprise's CommonMark-to-mrkdwn translation keeps backslash escapes, which Slack shows
  literally, and its legacy path restores <!channel> mentions). `&`, `<` and `>` become
  entities (`slack_text`), so `<!channel>` in a title cannot ping; links are <url|title>.
- Matrix and Telegram: HTML from the `digests/channel_post.html` template (Django's
  autoescaping, the site's one HTML path).

Link targets go through `link_url`, which percent-encodes anything that could end a link early.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from apprise import NotifyFormat
from django.template.loader import render_to_string

SLACK = "slack"
MARKDOWN_SERVICES = {"discord", "mattermost", "teams", "ntfy"}
HTML_SERVICES = {"matrix", "telegram"}

# CommonMark lets any ASCII punctuation be backslash-escaped; escaping all of it is simplest
# and covers each dialect's extras (Discord's ~~ and ||, mentions' @ and <).
_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def markdown_text(text: str) -> str:
    """One line of outside text as CommonMark that shows exactly that text: whitespace runs
    (newlines too, which could start blocks) become one space, punctuation is escaped."""
    return "".join("\\" + c if c in _PUNCTUATION else c for c in " ".join(text.split()))


def slack_text(text: str) -> str:
    """One line of outside text as Slack mrkdwn (docs.slack.dev, "Formatting text"): only
    `&`, `<` and `>` are special, and they would start links and mentions."""
    text = " ".join(text.split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link_url(url: str) -> str:
    """A URL safe inside [](<…>), Slack's <…|…> and href: spaces, quotes, angle brackets,
    parentheses, backslashes and the pipe percent-encoded; existing %XX escapes stay."""
    return quote(url, safe=":/?#@!$&*+,;=%~-._")


def render(service: str, listing) -> tuple[str, str | None]:
    """The post's body and its apprise body format (None: apprise sends it unchanged)."""
    if service == SLACK:
        return _write(listing, SLACK_MRKDWN), None
    if service in HTML_SERVICES:
        html = render_to_string(
            "digests/channel_post.html",
            {"listing": listing, "papers": [_with_link(p) for p in listing.papers]},
        )
        return html.strip(), NotifyFormat.HTML
    if service in MARKDOWN_SERVICES:
        return _write(listing, COMMONMARK), NotifyFormat.MARKDOWN
    raise ValueError(f"no format for service {service!r}")


def _with_link(paper) -> dict:
    return {
        "paper": paper,
        "url": link_url(paper.url),
        "code_url": link_url(paper.code_url) if paper.code_url else "",
    }


@dataclass(frozen=True)
class Dialect:
    """How one markup writes outside text, a link and bold."""

    text: Callable[[str], str]
    link: Callable[[str, str], str]  # (url, label already escaped)
    bold: str


COMMONMARK = Dialect(markdown_text, lambda url, label: f"[{label}](<{link_url(url)}>)", "**")
SLACK_MRKDWN = Dialect(slack_text, lambda url, label: f"<{link_url(url)}|{label}>", "*")


def _write(listing, dialect: Dialect) -> str:
    lines = []
    for paper in listing.papers:
        title = dialect.link(paper.url, dialect.text(paper.title))
        line = f"{dialect.bold}{title}{dialect.bold} · ▲ {paper.upvotes}"
        if paper.code_url:
            line += f" · {dialect.link(paper.code_url, 'code')}"
        lines.append(f"{line}\n{dialect.text(paper.summary)}")
    lines.append(dialect.link(listing.url, "The whole list"))
    return "\n\n".join(lines)
