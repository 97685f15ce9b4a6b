"""The HTTP cache in front of the site (Varnish, or a CDN): what it may keep, and its purge.

The site's own page cache (`cms.cache`) still answers in Python; under a surge the edge
answers instead, without reaching gunicorn. Two things tie the edge to the app:

- **What it may keep** is said by each response (`edge_cache_control`): a page the shared
  page cache would store is `public` with `s-maxage` (its lifetime) and
  `stale-while-revalidate` (the stale grace the app allows itself, `PAGE_CACHE_STALE_SECONDS`),
  and carries the site's `Cache-Tag`; a browser is told `max-age=0`, because a purge cannot
  reach it. Everything else (signed in, a cookie set, a CSRF token, an error) is `private`.
  deploy/varnish/default.vcl caches only what says `s-maxage` and sets no cookie.
- **The purge** is the app's own: the content generation (`cms.generation`) moves on for the
  whole site, so the edge drops the whole site too, once the change commits
  (`purge_edge`): one BAN of the site's tag for Varnish, "purge everything" for Cloudflare,
  an invalidation of `/*` for CloudFront. The edges are Wagtail's frontend-cache backends
  (`WAGTAILFRONTENDCACHE`, built from the environment in cms/settings/base.py), each with
  a `purge_everything()` added here. An edge that is down never fails the change that
  purged it: the failure is logged and the purge is tried again from a Celery worker.

This module imports nothing of the project: `cms.generation` (the floor every cache is
built on) calls it.
"""

import logging
import re
import urllib.request
import uuid

import requests
from celery import shared_task
from django.conf import settings
from django.utils.cache import patch_cache_control
from wagtail.contrib.frontend_cache.backends import cloudflare, cloudfront, http
from wagtail.contrib.frontend_cache.utils import get_backends

logger = logging.getLogger(__name__)

# The response header the edge bans by (Cloudflare's name; Varnish strips it on delivery).
CACHE_TAG_HEADER = "Cache-Tag"
# The retries of a purge an edge refused or did not answer, seconds after the first try.
RETRY_AFTER_SECONDS = (5, 30, 120)


def shared_cache_control(lifetime: int, stale: int) -> str:
    """The Cache-Control of a page every anonymous visitor may be given from the edge."""
    control = f"public, max-age=0, s-maxage={lifetime}"
    if stale > 0:
        control += f", stale-while-revalidate={stale}"
    return control


def mark_shared(response, lifetime: int, stale: int) -> None:
    """Let the edge keep this response `lifetime` seconds, tagged for the site-wide purge."""
    response["Cache-Control"] = shared_cache_control(lifetime, stale)
    response[CACHE_TAG_HEADER] = settings.EDGE_CACHE_TAG


SHARED = re.compile(r"\b(public|s-maxage)\b")


def mark_private(request, response) -> None:
    """Keep every response the shared caches may not share out of them.

    A response already public (the static files, with their content hash in the address)
    stays so unless it is personal; anything else, and anything that sets a cookie, shows
    a CSRF token or answers a signed-in visitor, is `private`.
    """
    user = getattr(request, "user", None)
    personal = (
        bool(response.cookies)
        or bool(request.META.get("CSRF_COOKIE_USED"))
        or (user is not None and user.is_authenticated)
    )
    if personal or not SHARED.search(response.get("Cache-Control", "")):
        keep_from_edge(response)


def keep_from_edge(response) -> None:
    """Say `private`, whatever the response said before: no shared cache may keep it."""
    control = response.get("Cache-Control", "")
    if "public" in control or "s-maxage" in control:
        del response["Cache-Control"]
        patch_cache_control(response, private=True, max_age=0)
    else:
        patch_cache_control(response, private=True)
    if CACHE_TAG_HEADER in response:
        del response[CACHE_TAG_HEADER]


def age_header(headers, fresh_until: float, now: float) -> str | None:
    """The `Age` of a stored answer, so the edge keeps it only for what is left of its life."""
    for name, value in headers:
        if name.lower() == "cache-control":
            match = re.search(r"s-maxage=(\d+)", value)
            if match:
                return str(max(0, int(int(match.group(1)) - (fresh_until - now))))
    return None


# --- The purge ---------------------------------------------------------------------------


def edge_backends() -> dict:
    """The configured edges, by name (none when WAGTAILFRONTENDCACHE is empty)."""
    return get_backends()


def purge_edge() -> None:
    """Drop everything this site put in every edge; never raises (see the module docstring)."""
    failed = purge_everything(edge_backends())
    if failed:
        try:
            purge_edge_again.apply_async(args=[failed], countdown=RETRY_AFTER_SECONDS[0])
        except Exception:  # the broker is down too: the edge's own lifetimes bound the wait
            logger.exception("could not queue another try of the edge purge")


def purge_everything(backends: dict) -> list[str]:
    """Ask each backend to purge everything; the names of those that failed."""
    failed = []
    for name, backend in backends.items():
        try:
            backend.purge_everything()
        except Exception:
            logger.exception("the edge cache %r did not take the purge", name)
            failed.append(name)
    return failed


@shared_task(bind=True, max_retries=len(RETRY_AFTER_SECONDS) - 1, ignore_result=True)
def purge_edge_again(self, names: list[str]) -> None:
    """Try the site-wide purge again on the edges that failed it (idempotent)."""
    backends = {name: backend for name, backend in edge_backends().items() if name in names}
    failed = purge_everything(backends)
    if failed and self.request.retries < self.max_retries:
        raise self.retry(args=[failed], countdown=RETRY_AFTER_SECONDS[self.request.retries + 1])


class VarnishBackend(http.HTTPBackend):
    """Wagtail's HTTP backend (a PURGE of one address) plus a BAN of the site's tag.

    LOCATION is Varnish's address as the app reaches it; TAG, if given, the tag to ban
    (EDGE_CACHE_TAG otherwise). deploy/varnish/default.vcl accepts both methods only from
    the app's addresses.
    """

    def __init__(self, params):
        params = dict(params)
        self.tag = params.pop("TAG", None) or settings.EDGE_CACHE_TAG
        super().__init__(params)

    def purge_everything(self) -> None:
        # The address is the configured LOCATION, never a visitor's.
        request = urllib.request.Request(  # noqa: S310
            f"{self.cache_scheme}://{self.cache_netloc}/",
            method="BAN",
            headers={CACHE_TAG_HEADER: self.tag},
        )
        with urllib.request.urlopen(request, timeout=settings.EDGE_PURGE_TIMEOUT_SECONDS):  # noqa: S310
            pass


class CloudflareBackend(cloudflare.CloudflareBackend):
    """Wagtail's Cloudflare backend plus "purge everything" for the zone.

    Cloudflare bans by tag only on its Enterprise plan, so the site-wide purge empties the
    whole zone: give the site a zone of its own.
    """

    def purge_everything(self) -> None:
        headers = {"Content-Type": "application/json"}
        if self.cloudflare_token:
            headers["Authorization"] = f"Bearer {self.cloudflare_token}"
        else:
            headers["X-Auth-Email"] = self.cloudflare_email
            headers["X-Auth-Key"] = self.cloudflare_api_key
        response = requests.post(
            self.cloudflare_purge_endpoint_url,
            json={"purge_everything": True},
            headers=headers,
            timeout=settings.EDGE_PURGE_TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        if not response.json().get("success"):
            raise RuntimeError(f"Cloudflare refused the purge: {response.text[:200]}")


class CloudfrontBackend(cloudfront.CloudfrontBackend):
    """Wagtail's CloudFront backend plus an invalidation of every path (needs boto3)."""

    def purge_everything(self) -> None:
        self.client.create_invalidation(
            DistributionId=self.cloudfront_distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": ["/*"]},
                "CallerReference": str(uuid.uuid4()),
            },
        )
