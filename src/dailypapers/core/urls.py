"""Every path and absolute URL the site writes in Python, through reverse().

Renaming a route changes its links everywhere, including cards, feeds and emailed links:
nothing else writes "/papers/…" by hand (tests/test_urls.py checks). Templates use {% url %}.
"""

from functools import cache, lru_cache
from urllib.parse import quote

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse

# Stands for a route's argument while its pattern is worked out once (see route_template).
_SLOT = "0000.00000"


def absolute(path: str) -> str:
    """The public URL of a path, from DAILYPAPERS_BASE_URL (emails and feeds leave the site)."""
    return settings.BASE_URL + path


def paper_path(arxiv_id: str) -> str:
    return reverse("paper", args=[arxiv_id])


def paper_url(arxiv_id: str) -> str:
    return absolute(paper_path(arxiv_id))


def thumbnail_path(name: str) -> str:
    """A thumbnail file (thumbnails/files.py names them); the cards draw 100 a page."""
    return route_template("thumbnail").format(name)


def author_path(slug: str) -> str:
    """An author's page; slugs come from people/names.py (author_slug), word characters and
    "-", which quote() leaves as reverse() would."""
    return route_template("author").format(quote(slug, safe=""))


def author_url(slug: str) -> str:
    return absolute(author_path(slug))


def login_path(next_path: str) -> str:
    """The log-in page, coming back to next_path afterwards."""
    return f"{fixed_path('login')}?next={quote(next_path, safe='')}"


@lru_cache(maxsize=8192)
def login_to_paper_path(arxiv_id: str) -> str:
    """login_path(paper_path(arxiv_id)) for the cards' log-in links (100 on a day page):
    quoting is per character, so the quoted route is worked out once and only the id is
    quoted per link, which for an arXiv id is quote()'s fast path; each link is then
    remembered per process, as the route is."""
    return _login_to_paper_template().format(quote(arxiv_id, safe=""))


@cache
def _login_to_paper_template() -> str:
    # The quoted route has no braces left to escape (quote() encodes them).
    return login_path(reverse("paper", args=[_SLOT])).replace(_SLOT, "{}")


def digest_confirm_url(token: str) -> str:
    return absolute(reverse("digest_confirm", args=[token]))


def digest_unsubscribe_url(quoted_token: str) -> str:
    """For a token already percent-encoded (the mailto: of List-Unsubscribe carries it too)."""
    return absolute(route_template("digest_unsubscribe").format(quoted_token))


def notification_unsubscribe_url(quoted_token: str) -> str:
    """One kind of notification email off, in one click (the token is percent-encoded)."""
    return absolute(route_template("notification_unsubscribe").format(quoted_token))


def comment_path(arxiv_id: str, comment_id: int) -> str:
    return f"{paper_path(arxiv_id)}#comment-{comment_id}"


@cache
def fixed_path(name: str) -> str:
    """The path of a route without arguments, reversed once per process."""
    return reverse(name)


def api_prefix() -> str:
    """Where the JSON API is mounted ("/api/")."""
    return fixed_path("api:openapi-json").rsplit("/", 1)[0] + "/"


@cache
def route_template(name: str) -> str:
    """The path of a one-argument route as a str.format template, reversed once per process:
    the day page's fast card renderer formats 50 cards' links without calling reverse()
    for each (route_template("vote").format(arxiv_id) == reverse("vote", args=[arxiv_id]))."""
    path = reverse(name, args=[_SLOT])
    return path.replace("{", "{{").replace("}", "}}").replace(_SLOT, "{}")


@lru_cache(maxsize=4096)
def _reversed(urlconf, script_prefix, name, args, current_app) -> str:
    # script_prefix is part of the key only: reverse() reads the thread's own.
    return reverse(name, urlconf=urlconf, args=args, current_app=current_app)


def remembered_reverse(name: str, args: tuple, current_app: str | None) -> str:
    """reverse(name, args=args), remembered per process for str and int arguments (what
    every {% url %} of the site passes): the site's templates hold 15-20 {% url %} tags a
    page, and reversing them was a tenth of an uncached page's CPU (docs/performance.md)."""
    return _reversed(get_urlconf(), get_script_prefix(), name, args, current_app)


@receiver(setting_changed)
def _forget_reversed(*, setting, **kwargs):
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        _reversed.cache_clear()
