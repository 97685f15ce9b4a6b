"""What every public page needs from the whole site, read in one cache round trip.

The menu, the footer, the private sections and the alias pages change only when
editors publish, move, delete or restrict pages or edit the navigation. Each of
those changes drops these entries (`forget`, called from
`cms.cache.purge_page_cache`), so a page view reads them from the shared cache
instead of making four to six queries. This is not the page cache: signed-in
visitors and pages that are never cached use it too, and nothing personal is in it.

Within one request each entry is read from the cache once (`RequestMemo`); outside
a request (a worker, a shell) it is read every time, so it is never stale there.
"""

from asgiref.local import Local
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db.models import Q

NAVIGATION_KEY = "sitewide:navigation:{site_id}"
ACCESS_KEY = "sitewide:access"
SITE_IDS_KEY = "sitewide:site-ids"
# A safety net only: every change that matters deletes the entries at once.
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


def _cached(key, build):
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, LIFETIME)
    return value


def navigation(request) -> dict:
    """The menu and footer of the request's site: labels, addresses and the footer line."""
    from wagtail.models import Site

    from cms.models import NavigationSettings

    site = Site.find_for_request(request)
    if site is None:
        return {"menu": [], "footer": [], "footer_text": ""}

    def build():
        site_ids = set(cache.get(SITE_IDS_KEY) or ()) | {site.pk}
        cache.set(SITE_IDS_KEY, sorted(site_ids), LIFETIME)
        return NavigationSettings.for_site(site).as_links(request)

    key = NAVIGATION_KEY.format(site_id=site.pk)
    return memo.get(key, lambda: _cached(key, build))


def _access() -> dict:
    """Private sections as (path, depth) and the paths of alias pages."""
    from wagtail.models import Page, PageViewRestriction

    def build():
        sections = PageViewRestriction.objects.values_list("page__path", "page__depth")
        aliases = Page.objects.filter(alias_of__isnull=False).values_list("path", flat=True)
        return {"private_sections": sorted(sections), "alias_paths": sorted(aliases)}

    return memo.get(ACCESS_KEY, lambda: _cached(ACCESS_KEY, build))


def private_sections() -> list[tuple[str, int]]:
    """(path, depth) of every page with a view restriction: it and its subtree are private."""
    return [tuple(section) for section in _access()["private_sections"]]


def may_be_restricted(page) -> bool:
    """False only when no view restriction can apply to the page, so none need be read.

    Below an alias page Wagtail resolves restrictions through the alias's source, so
    there (rare) its own check runs.
    """
    if page.alias_of_id is not None:
        return True
    access = _access()
    prefixes = [path for path, _depth in access["private_sections"]] + access["alias_paths"]
    return any(page.path.startswith(prefix) for prefix in prefixes)


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


def forget(**kwargs) -> None:
    """Drop the site-wide entries (signal receivers may call this with any arguments)."""
    site_ids = cache.get(SITE_IDS_KEY) or ()
    cache.delete_many(
        [ACCESS_KEY, SITE_IDS_KEY, *(NAVIGATION_KEY.format(site_id=pk) for pk in site_ids)]
    )
    memo.clear()
