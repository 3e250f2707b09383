"""Which URLs the server may send requests to (dialer webhooks): no request forgery into our own network.

A URL is refused when its host resolves to a loopback, private, link-local, multicast, reserved or
unspecified address, unless the host is named in DIALER_ALLOWED_HOSTS (e.g. a dialer on the office LAN).
With DIALER_HTTPS_ONLY (on in production) only https URLs pass.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class OutboundURLRefused(ValueError):
    """The URL may not be requested; the message says why, in words fit for a form."""


def _forbidden_reason(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why this address may not be reached, or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private or not address.is_global:
        return "a private address"
    return None


def allowed_hosts() -> set[str]:
    return {host.strip().lower().rstrip(".") for host in getattr(settings, "DIALER_ALLOWED_HOSTS", []) if host.strip()}


def check_url(url: str, *, resolve=socket.getaddrinfo) -> None:
    """Raise OutboundURLRefused when `url` may not be requested; return None when it may.

    Every address the host resolves to must be public: a name with one public and one private address
    could be answered with either at request time.
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError as exc:
        raise OutboundURLRefused(f"The URL is not valid ({exc}).") from exc
    https_only = getattr(settings, "DIALER_HTTPS_ONLY", False)
    if parts.scheme not in (("https",) if https_only else ("http", "https")):
        raise OutboundURLRefused(
            "The URL must start with https://." if https_only else "The URL must be http or https."
        )
    if not host:
        raise OutboundURLRefused("The URL has no host name.")
    if host in allowed_hosts():
        return
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        try:
            infos = resolve(host, port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError) as exc:
            raise OutboundURLRefused(f"The host {host} cannot be resolved.") from exc
        addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
    for address in sorted(addresses, key=str):
        reason = _forbidden_reason(address)
        if reason:
            raise OutboundURLRefused(
                f"The host {host} resolves to {reason} ({address}); "
                "only public addresses, or hosts named in DIALER_ALLOWED_HOSTS, may be called."
            )
