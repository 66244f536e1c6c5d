"""What counts as a subscribable address, and the signed links mailed to it."""

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ..papers.cleaning import single_line
from .models import Frequency

CONFIRM_SALT = "dailypapers.digests.confirm"
UNSUBSCRIBE_SALT = "dailypapers.digests.unsubscribe"
CONFIRM_MAX_AGE = 48 * 3600
MAX_TOPICS = 10
MAX_TOPIC_CHARS = 200


class AddressError(ValueError):
    """Shown to the person as is."""


def clean_address(raw: str) -> str:
    """A bare address, lowercased; display names, CR/LF and over-long input are refused."""
    address = (raw or "").strip()
    if not address:
        raise AddressError("Enter an email address.")
    if len(address) > 254:
        raise AddressError("That address is too long (254 characters at most).")
    if any(ch in address for ch in '\r\n\0<>",;') or any(ord(ch) < 32 for ch in address):
        raise AddressError(
            "Enter just the address, like ada@example.org, with no name or brackets."
        )
    try:
        validate_email(address)
    except ValidationError as error:
        raise AddressError("That is not a valid email address.") from error
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def clean_options(frequency: str, topics, categories, trending: bool) -> dict:
    topics = [single_line(str(t))[:MAX_TOPIC_CHARS] for t in topics]
    topics = [t for t in topics if t]
    categories = [c for c in (single_line(str(c)) for c in categories) if c]
    if len(topics) > MAX_TOPICS:
        raise AddressError(f"At most {MAX_TOPICS} topics.")
    if frequency not in Frequency.values:
        raise AddressError("Choose daily or weekly.")
    if not (trending or topics or categories):
        raise AddressError("Choose trending papers, a topic or a category.")
    return {
        "frequency": frequency,
        "topics": list(dict.fromkeys(topics)),
        "categories": list(dict.fromkeys(c[:32] for c in categories)),
        "trending": bool(trending),
    }


def confirmation_token(email: str, options: dict) -> str:
    return signing.dumps({"email": email, **options}, salt=CONFIRM_SALT, compress=True)


def read_confirmation(token: str) -> dict:
    """The signed request; signing.BadSignature (or SignatureExpired after 48 h) otherwise."""
    return signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)


def unsubscribe_token(email: str) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(email)


def read_unsubscribe(token: str) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
