"""The visitor's IP address, for lockouts and rate limits, behind a proxy or not.

Behind a reverse proxy (nginx, a load balancer) every request comes from the proxy's
address, so sign-in lockouts (django-axes) and the public forms' rate limits
(django-ratelimit, django-allauth) would count the whole site as one visitor. With
TRUSTED_PROXY_COUNT set to the number of proxies in front of the site, each of which
appends the address it saw to X-Forwarded-For, the visitor's address is that header's
entry written by the outermost trusted proxy: the count-th from the right. Entries
further left were written by the visitor and are ignored, so a forged header changes
nothing. With the count at 0 (the default) the header is never read.

One function for all three libraries: AXES_CLIENT_IP_CALLABLE, RATELIMIT_IP_META_KEY
and the allauth adapter's get_client_ip (cms/accounts.py) name it.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < count:
        # Not through every trusted proxy (a health check, a request inside the network).
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
