"""What every public page needs from the whole site, read in one cache round trip.

Wagtail finds the request's site, the sites' root paths and the view restrictions
with queries on every request, and the menu and footer cost more queries again.
All of these change only when editors publish, move, delete or restrict pages,
change a site, or edit the navigation; each of those changes drops the entry
(`forget`, called from `cms.cache.purge_page_cache`), so a request reads them all
with one cache GET. This is not the page cache: signed-in visitors and pages that
are never cached use it too, and nothing personal is in it.

Within one request the entry is read from the cache once (`RequestMemo`); outside a
request (a worker, a shell) it is read every time, so it is never stale there.
"""

from asgiref.local import Local
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db.models import Q
from django.dispatch import Signal
from django.http.request import split_domain_port

SITEWIDE_KEY = "sitewide:v3"
# A safety net only: every change that matters deletes the entry at once.
LIFETIME = 24 * 60 * 60


class RequestMemo:
    """Values remembered for the length of one request, and only inside a request."""

    def __init__(self):
        self._local = Local()

    def start(self, **kwargs):
        self._local.values = {}

    def finish(self, **kwargs):
        self._local.values = None

    def clear(self):
        """Forget what this request has read (a change made during the request)."""
        if getattr(self._local, "values", None) is not None:
            self._local.values = {}

    def get(self, key, compute):
        values = getattr(self._local, "values", None)
        if values is None:
            return compute()
        if key not in values:
            values[key] = compute()
        return values[key]


memo = RequestMemo()
request_started.connect(memo.start, dispatch_uid="sitewide.memo.start")
request_finished.connect(memo.finish, dispatch_uid="sitewide.memo.finish")


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
        "navigation": {
            site.pk: {**navigation_settings(site).as_links(site), **trust_details(site)}
            for site in sites
        },
    }


def trust_details(site) -> dict:
    """The footer's legal pages, the digital imprint and the default sharing image of `site`.

    The legal and contact pages are found, not chosen: every live, public one is in the
    footer, so publishing a notice is enough to link it from every page.
    """
    from wagtail.models import Page

    from cms.models import ContactPage, ImprintSettings, LegalPage

    # Wagtail's own queryset: this site's private_q would read this very entry.
    pages = (
        Page.objects.live()
        .public()
        .descendant_of(site.root_page, inclusive=True)
        .type(LegalPage, ContactPage)
        .order_by("path")
    )
    imprint = ImprintSettings.objects.filter(site=site).select_related("default_social_image")
    imprint = imprint.first() or ImprintSettings(site=site)
    return {
        "legal": [
            {"label": page.title, "href": page.get_url(current_site=site), "page_id": page.pk}
            for page in pages
        ],
        "imprint": imprint.imprint(),
        "share_image": share_image(imprint.default_social_image),
    }


def share_image(image) -> dict | None:
    """What a share card needs of an image: the 1200x630 rendition's path, size and alt text."""
    if image is None:
        return None
    try:
        rendition = image.get_rendition("fill-1200x630")
    except (OSError, ValueError):  # the file is missing or unreadable: share without it
        return None
    return {
        "url": rendition.url,
        "width": rendition.width,
        "height": rendition.height,
        "alt": image.default_alt_text,
    }


def navigation_settings(site):
    """The site's menu settings, or the defaults if an editor never saved any.

    Unlike `NavigationSettings.for_site`, reading never creates the row: a page view
    writes nothing.
    """
    from cms.models import NavigationSettings

    found = NavigationSettings.objects.filter(site=site).first()
    return found if found is not None else NavigationSettings(site=site)


def entry() -> dict:
    def read():
        value = cache.get(SITEWIDE_KEY)
        if value is None:
            value = build()
            cache.set(SITEWIDE_KEY, value, LIFETIME)
        return value

    return memo.get(SITEWIDE_KEY, read)


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


NO_NAVIGATION = {
    "menu": [],
    "footer": [],
    "footer_text": "",
    "legal": [],
    "imprint": "",
    "share_image": None,
}


def navigation(request) -> dict:
    """The menu and footer of the request's site: labels, addresses and the footer line."""
    from wagtail.models import Site

    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        return NO_NAVIGATION
    return entry()["navigation"].get(site.pk, NO_NAVIGATION)


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


def forget_on_new_page(sender, instance, created=False, **kwargs) -> None:
    """A new page may be an alias (which changes the restriction checks): start afresh."""
    from wagtail.models import Page

    if created and isinstance(instance, Page):
        forget()


# Sent whenever the entry is dropped, for caches built on what it holds (such as
# whether a page is in a private section).
forgotten = Signal()


def forget(**kwargs) -> None:
    """Drop the site-wide entry (signal receivers may call this with any arguments)."""
    cache.delete(SITEWIDE_KEY)
    memo.clear()
    forgotten.send(sender=None)
