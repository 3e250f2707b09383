"""The address a request came from, as the rate limits and the sign-in throttle count it."""

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    """The client's IP address: REMOTE_ADDR, or with WEBHOOK_NUM_PROXIES = n trusted proxies in front, the
    n-th entry from the right of X-Forwarded-For (the ones left of it are the client's to forge).

    Returns None when the address is missing or not an IP address.
    """
    candidate = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "WEBHOOK_NUM_PROXIES", 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
