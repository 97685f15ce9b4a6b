"""What every public page needs from the whole site, read in one cache round trip.

Wagtail finds the request's site, the sites' root paths and the view restrictions
with queries on every request, and the menu and footer cost more queries again.
All of these change only when editors publish, move, delete or restrict pages,
change a site, or edit the navigation; each of those changes moves the content
generation on (`cms.generation`), which is part of the entry's key, so a request reads
them all with one cache GET. This is not the page cache: signed-in visitors and pages
that are never cached use it too, and nothing personal is in it.

Besides the sites and the private sections, the entry holds the parts other modules
register at start-up (`add_part`: the menus and footer, `cms.navigation`), so this
module needs none of the page models that read it.

Within one request the entry is read from the cache once (`memo`); outside a request
(a worker, a shell) it is read every time, so it is never stale there.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db.models import Q
from django.http.request import split_domain_port

from cms.generation import RequestMemo, content_generation

SITEWIDE_KEY = "sitewide:v4"

memo = RequestMemo()
request_started.connect(memo.start, dispatch_uid="sitewide.memo.start")
request_finished.connect(memo.finish, dispatch_uid="sitewide.memo.finish")

# name -> build(sites): what else the entry holds, filled by AppConfig.ready().
PARTS: dict[str, Callable] = {}


def add_part(name: str, build_part: Callable) -> None:
    """Keep `build_part(sites)` in the entry under `name` (read with `entry()[name]`)."""
    PARTS[name] = build_part


def build() -> dict:
    """Read everything from the database (what the cache entry holds)."""
    from wagtail.models import Page, PageViewRestriction, Site

    sites = list(Site.objects.select_related("root_page"))
    for site in sites:
        # Wagtail routes every request from the root page made specific: keep that too,
        # so routing starts without a query (the entry goes whenever a page is published).
        site.root_page.specific  # noqa: B018
    private_sections = sorted(PageViewRestriction.objects.values_list("page__path", "page__depth"))
    alias_paths = sorted(Page.objects.filter(alias_of__isnull=False).values_list("path", flat=True))
    return {
        "sites": sites,
        "site_root_paths": Site.get_site_root_paths(),
        "private_sections": private_sections,
        # A page below any of these may have a view restriction (see may_be_restricted).
        "restricted_prefixes": tuple(path for path, _depth in private_sections)
        + tuple(alias_paths),
        **{name: build_part(sites) for name, build_part in PARTS.items()},
    }


def entry_key() -> str:
    """The entry's key under the current content generation."""
    return f"{SITEWIDE_KEY}:{content_generation()}"


def entry() -> dict:
    key = entry_key()

    def read():
        value = cache.get(key)
        if value is None:
            value = build()
            # A purge moves the key on; the lifetime only bounds what a dropped key costs.
            cache.set(key, value, settings.SITEWIDE_CACHE_SECONDS)
        return value

    return memo.get(key, read)


def match_site(sites, hostname: str, port: int):
    """Wagtail's get_site_for_hostname, on the cached list of sites.

    An exact hostname and port first, then the hostname of the default site, then
    the default site unless exactly one other site has the hostname.
    """

    def rank(site):
        if site.hostname == hostname and site.port == port:
            return 0
        if site.hostname == hostname and site.is_default_site:
            return 1
        if site.is_default_site:
            return 2
        return 3

    candidates = sorted(
        (site for site in sites if site.hostname == hostname or site.is_default_site), key=rank
    )
    if not candidates:
        return None
    if len(candidates) == 1 or rank(candidates[0]) in (0, 1):
        return candidates[0]
    if rank(candidates[0]) == 2:
        return candidates[len(candidates) == 2]
    return None


class SitewideMiddleware:
    """Tell Wagtail the request's site and the sites' root paths from the cached entry.

    Read once the view is known, and not at all for a view marked `not_used` (a write
    that answers with JSON or a redirect renders no page, so it needs neither).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "sitewide_not_used", False):
            return None
        values = entry()
        hostname = split_domain_port(request._get_raw_host())[0]
        request._wagtail_site = match_site(values["sites"], hostname, request.get_port())
        request._wagtail_cached_site_root_paths = values["site_root_paths"]
        return None


def not_used(view):
    """Mark a view that renders no page, so the request skips the site-wide entry.

    Wagtail still finds the site by itself if such a view ever asks for it.
    """
    view.sitewide_not_used = True
    return view


def private_sections() -> list[tuple[str, int]]:
    """(path, depth) of every page with a view restriction: it and its subtree are private."""
    return [tuple(section) for section in entry()["private_sections"]]


def may_be_restricted(page) -> bool:
    """False only when no view restriction can apply to the page, so none need be read.

    Below an alias page Wagtail resolves restrictions through the alias's source, so
    there (rare) its own check runs.
    """
    if page.alias_of_id is not None:
        return True
    return page.path.startswith(entry()["restricted_prefixes"])


def private_q() -> Q:
    """Matches pages in a private section (Wagtail's PageQuerySet.private_q, from the cache)."""
    q = Q()
    for path, depth in private_sections():
        q |= Q(path__startswith=path, depth__gte=depth)
    return q if q else Q(pk__in=[])
