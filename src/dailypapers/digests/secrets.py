"""Channel URLs at rest: encrypted, and shown only masked.

A chat service's webhook URL is its password (whoever has a Slack incoming-webhook URL can post
as it), so the database keeps it encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from the
`cryptography` package). The key comes from the environment: DAILYPAPERS_CHANNEL_KEY when set
(any string; rotate by re-adding the channels), otherwise it is derived from the site's secret
key (DAILYPAPERS_SECRET_KEY, or the one kept in the home folder) with HKDF, so a laptop install
needs no extra setting. A database dump alone never reveals a channel's URL.
"""

import base64
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SecretUnreadable(Exception):
    """The stored URL was encrypted with another key (DAILYPAPERS_CHANNEL_KEY changed)."""


def _fernet() -> Fernet:
    material = (settings.CHANNEL_KEY or settings.SECRET_KEY).encode()
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"dailypapers channel urls"
    ).derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(url: str) -> str:
    return _fernet().encrypt(url.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable(
            "this channel's URL was stored with another key; set DAILYPAPERS_CHANNEL_KEY back "
            "or remove and re-add the channel"
        ) from error


def _public_host(host: str) -> bool:
    """A real host name (has a dot, or is localhost) rather than a token in host position, as
    in slack://TOKEN_A/TOKEN_B/TOKEN_C or discord://WEBHOOK_ID/TOKEN."""
    return "." in host or host == "localhost"


def mask(url: str) -> str:
    """What may be shown of a channel URL: its scheme and, when it is a real host name, the
    host. Users, passwords, tokens, paths and queries are never shown."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    shown = host if _public_host(host) else "…"
    if parts.port and shown != "…":
        shown += f":{parts.port}"
    return f"{parts.scheme}://{shown}/…"


def secret_parts(url: str) -> list[str]:
    """The pieces of a URL that must never reach a log or an error message: everything but
    the scheme and a public host, split on URL punctuation (pieces of 4+ characters)."""
    parts = urlsplit(url)
    rest = url.removeprefix(f"{parts.scheme}://")
    if _public_host(parts.hostname or ""):
        rest = rest.replace(parts.hostname or "", " ")
    pieces = set()
    for separator in "/?&=#@:+;,":
        rest = rest.replace(separator, " ")
    for piece in rest.split():
        if len(piece) >= 4:
            pieces.add(piece)
    return sorted(pieces, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """`text` (an error message) with every secret piece of `url` replaced by ***."""
    for piece in secret_parts(url):
        text = text.replace(piece, "***")
    return text
