"""Who is asking: the one place that derives a request's client address.

Every per-address limit (log-in, password reset, API, subscriptions, fetches from arXiv) keys
on `client_key(request)`, never on REMOTE_ADDR or a header directly.

Behind a reverse proxy REMOTE_ADDR is the proxy, so every visitor would share one counter.
The proxy appends the address it saw to X-Forwarded-For; we read that header from the right,
skipping the proxies listed in TRUSTED_PROXIES, and the first address that is not a trusted
proxy is the client. Anything further left was written by the client and is ignored, as is
the whole header when REMOTE_ADDR itself is not a trusted proxy (a direct client's spoofing).
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# An IPv6 user usually holds a whole /64 and can pick a new address for every request, so
# limits count the /64 (RFC 6177 assignments); one IPv4 address is one client.
IPV6_PREFIX = 64


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: Address) -> bool:
    return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_address(request) -> str:
    """The client's address as text ("" if unknown)."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return ""
    client = peer
    if _trusted(peer):
        # Django joins repeated headers with commas, so every hop is in this one string.
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                break  # a trusted proxy wrote garbage: keep the last hop we could read
            client = address
            if not _trusted(address):
                break
    return str(client)


def client_key(request) -> str:
    """What per-address limits count: the address, or its /64 for IPv6."""
    text = client_address(request)
    if ":" in text:
        return str(ipaddress.ip_network(f"{text}/{IPV6_PREFIX}", strict=False))
    return text
