"""The shared page cache for anonymous visitors.

Anonymous GET requests for public pages are answered from the shared cache
(Redis in production, memory in the demo). What may never enter it: anything
for a visitor with a session (signed in, or with personal state), any response
that sets a cookie (so never a CSRF token), anything but a 200, the admin,
account pages, documents (which may be private) and previews.

Invalidation is by generation (`cms.generation`): publishing, unpublishing, moving
or deleting a page, or any change of public text or of a person's public name, bumps
one counter that is part of every key, so every cached page and page part is dropped
at once. Content edits are rare next to reads, so a coarse purge is correct and
cheap. What counts as such a change is one registry (`purge_on`), filled by the
app that owns each model: a save that changes a registered field of something the
public sees (or saw), and the deletion of something the public sees, purge. A
response may ask for a shorter life with `Cache-Control: max-age=N` (pages with
live figures use a few seconds).

What may be answered from the cache is one test on the WSGI environ (`is_cacheable`),
asked by both the WSGI answer and the middleware. The whole design, with a diagram of
a request and of a purge, is in docs/caching.md.
"""

import copy
import functools
import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.handlers.wsgi import get_path_info
from django.http import HttpResponse
from django.http.cookie import parse_cookie
from django.utils.cache import get_max_age

from cms.edge import age_header, keep_from_edge, mark_private, mark_shared
from cms.generation import (
    GENERATION_KEY,
    content_generation,
    current_generation,
    note_generation,
    purge_page_cache,
)
from cms.kept import Bounded

EXCLUDED_PREFIXES = ("/admin/", "/django-admin/", "/accounts/", "/account/", "/documents/")


@dataclass(frozen=True)
class PurgeRule:
    """When a change to one model's rows is a change the public could see (see `purge_on`)."""

    # The attribute names (`author_id` for `author`) whose change counts; None: any save.
    attnames: tuple[str, ...] | None
    # Whether a row (as it is, or as it was) is shown to the public; None: always.
    shown: Callable | None
    # Whether a new row can be public at once (a new account or a pending gift cannot).
    on_create: bool

    def shows(self, instance) -> bool:
        return self.shown is None or bool(self.shown(instance))


# The registry: model class -> its rule. Filled by each app's AppConfig.ready(), read by
# the save and delete receivers below.
PURGE_RULES: dict[type, PurgeRule] = {}
_BEFORE = "_page_cache_before"


def purge_on(model, fields=None, *, shown=None, on_create=True) -> None:
    """Purge the page cache when rows of `model` change in a way the public could see.

    - a new row purges if `on_create` and `shown(row)`;
    - a save purges if one of `fields` changed (any save when `fields` is None) and the
      row is shown before or after it (a reply approved, or one hidden again);
    - a deletion purges if the row was shown.
    `shown` reads only `fields`: the state before a save is the row as stored, read in
    one query, and only when the save writes one of `fields`. Queryset `update()` and
    `bulk_update` send no signals: callers that hide or rename that way call
    `purge_page_cache` themselves.
    """
    from django.db.models.signals import post_delete, post_save, pre_save

    attnames = None
    if fields is not None:
        attnames = tuple(model._meta.get_field(name).attname for name in fields)
    PURGE_RULES[model] = PurgeRule(attnames, shown, on_create)
    uid = f"pagecache.registry.{model._meta.label_lower}"
    pre_save.connect(_note_state_before_save, sender=model, dispatch_uid=f"{uid}.pre_save")
    post_save.connect(_purge_after_save, sender=model, dispatch_uid=f"{uid}.save")
    post_delete.connect(_purge_after_delete, sender=model, dispatch_uid=f"{uid}.delete")


def _note_state_before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    rule = PURGE_RULES[sender]
    setattr(instance, _BEFORE, None)
    if raw or rule.attnames is None or instance._state.adding or instance.pk is None:
        return
    watched = rule.attnames
    if update_fields is not None:
        written = {sender._meta.get_field(name).attname for name in update_fields}
        watched = tuple(name for name in watched if name in written)
        if not watched:
            return  # the save writes nothing the public sees (a sign-in's last_login)
    stored = sender._base_manager.filter(pk=instance.pk).values(*rule.attnames).first()
    if stored is None:
        return
    if any(stored[name] != getattr(instance, name) for name in watched):
        before = copy.copy(instance)
        before.__dict__.update(stored)
        setattr(instance, _BEFORE, before)


def _purge_after_save(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        return
    rule = PURGE_RULES[sender]
    if created:
        if rule.on_create and rule.shows(instance):
            purge_page_cache()
        return
    if rule.attnames is None:
        purge_page_cache()
        return
    before = instance.__dict__.pop(_BEFORE, None)
    if before is not None and (rule.shows(before) or rule.shows(instance)):
        purge_page_cache()


def _purge_after_delete(sender, instance, **kwargs):
    if PURGE_RULES[sender].shows(instance):
        purge_page_cache()


class KeptInProcess(Bounded):
    """Values this process keeps for the current content generation only.

    The first use under a new generation (a purge) empties it, so nothing kept here can
    outlive a change the shared cache would have dropped; at most `most` values are kept
    (past that it starts again with none).
    """

    def __init__(self, most: int):
        super().__init__(most)
        self.generation = None

    def forget(self) -> None:
        super().forget()
        self.generation = None

    def get(self, key, default=None):
        generation = content_generation()
        if generation != self.generation:
            self.values, self.generation = {}, generation
        return super().get(key, default)


# Page parts as last read from the shared cache: (fresh until, html). A request that finds
# its part here, still fresh, skips the cache round trip; the copy is the one the shared
# cache holds as fresh until then (a part is only stored again once it has expired, and
# a purge moves the key on), so what is shown is the same either way.
fragments_kept = KeptInProcess(most=500)


def cached_fragment(request, page, name: str, render, seconds: int | None = None) -> str:
    """A part of a page's HTML rendered once per content generation and shared by all.

    For the costly parts every visitor sees alike (a paper's body, a story, a listing):
    signed-in visitors and page-cache misses get them without rendering them again.
    Never for previews (a draft shares the live page's key) and never for anything
    personal or carrying a CSRF token: the template decides what is inside.
    """
    lifetime = settings.FRAGMENT_CACHE_SECONDS
    if seconds is not None:
        lifetime = min(lifetime, seconds)  # a part may ask for less, never for more
    if lifetime <= 0 or request is None or getattr(request, "is_preview", False):
        return render()
    key = f"fragment:{content_generation()}:{getattr(page, 'pk', '-')}:{name}"
    kept = fragments_kept.get(key)
    if kept is not None and time.time() < kept[0]:
        return kept[1]
    stored = cache.get(key)
    if isinstance(stored, tuple):
        if time.time() < stored[0]:
            fragments_kept.keep(key, stored)
            return stored[1]
        if not claim_refresh(key):
            return stored[1]  # stale, while another request renders it again
    html = render()
    fragments_kept.keep(key, store_for(key, html, lifetime))
    return html


class SiteChrome:
    """The site's own menus and footer, rendered once per content generation in each process.

    They are the same on every page of a site but for which link is the current page, and
    change only when an editor changes what they show, which moves the content generation
    on (`cms.sitewide`). Rendering them (the menu twice: see base.html) cost every page
    rendered a good part of a millisecond; here they are kept in the process, not in the
    shared cache, so a page pays neither a render nor a round trip for them. At most
    2,000 parts are kept (a part for each page it is shown on).
    """

    def __init__(self):
        self.kept = KeptInProcess(most=2000)

    def forget(self) -> None:
        self.kept.forget()

    def get(self, key: tuple, render: Callable[[], str]) -> str:
        html = self.kept.get(key)
        if html is None:
            html = render()
            self.kept.keep(key, html)
        return html


site_chrome = SiteChrome()


# When a stored page or part passes its lifetime, the one request that claims the refresh
# renders it again while the others are still given the stored copy, for at most
# PAGE_CACHE_STALE_SECONDS: otherwise every worker renders the same costly page at once
# the moment it expires (a surge's worst latencies). A purge (a new generation) is never
# served stale.
def stale_seconds(lifetime: int) -> int:
    """How long an entry living `lifetime` seconds may be served past it (never longer)."""
    return max(0, min(lifetime, settings.PAGE_CACHE_STALE_SECONDS))


def store_for(key: str, value, lifetime: int) -> tuple:
    """Store `value` as fresh for `lifetime` seconds, then briefly stale (see above); the
    entry stored, (fresh until, value)."""
    entry = (time.time() + lifetime, value)
    cache.set(key, entry, lifetime + stale_seconds(lifetime))
    return entry


def claim_refresh(key: str) -> bool:
    """True for the one request that re-renders an expired entry; the rest serve it stale."""
    return cache.add(f"{key}:refreshing", 1, timeout=max(1, settings.PAGE_CACHE_STALE_SECONDS))


def page_cache_key(request) -> str:
    return page_cache_key_for(request.META, request.path_info)


def page_cache_key_for(meta, path: str) -> str:
    """The address's key, from the WSGI environ and the path as Django decodes it (so the
    WSGI answer below and the middleware agree); the generation is stored with the page,
    so one read gets both.
    """
    host = (settings.USE_X_FORWARDED_HOST and meta.get("HTTP_X_FORWARDED_HOST")) or meta.get(
        "HTTP_HOST", f"{meta.get('SERVER_NAME', '')}:{meta.get('SERVER_PORT', '')}"
    )
    scheme = "https" if is_secure(meta) else "http"
    location = f"{scheme}://{host}{path}?{keyed_query(meta.get('QUERY_STRING', ''))}"
    return f"pagecache:{hashlib.sha256(location.encode('utf-8', 'surrogateescape')).hexdigest()}"


# --- Query parameters: only those some page reads key the cache ------------------------
# Each page type lists the GET parameters it reads in `query_params` (a tuple on the
# class); a view that is not a page says so with `@reads_query(...)`. Any other parameter
# (utm_*, fbclid, a random cache-buster) changes nothing on the page, so it is left out of
# the key: a thousand throwaway addresses are one cached page, not a thousand. A page
# answering a parameter it does not read is not stored at all (`response_lifetime`).
# Templates that repeat the query (pagination links) repeat only these (`kept_query`), so
# a stored page never carries one visitor's throwaway parameters to the next.
VIEW_QUERY_PARAMS: set[str] = set()


def reads_query(*names: str):
    """Mark a view (not a page) as reading these GET parameters (see above)."""
    VIEW_QUERY_PARAMS.update(names)

    def decorate(view):
        view.query_params = tuple(names)
        return view

    return decorate


@functools.cache
def query_params_read() -> frozenset[str]:
    """Every GET parameter some page type or marked view reads."""
    from django.urls import get_resolver
    from wagtail.models import get_page_models

    # The views mark themselves when their modules load, which is when the URLconf is
    # first read; a process's first request asks this before Django resolves its address,
    # so load the URLconf here, or the first answer would fix the set without them.
    get_resolver().url_patterns  # noqa: B018  (read for its import)
    names = set(VIEW_QUERY_PARAMS)
    for model in get_page_models():
        names.update(getattr(model, "query_params", ()))
    return frozenset(names)


def query_pairs(query_string: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of a query string that some page reads, in a fixed order.

    Decoded as Django decodes them (UTF-8), with undecodable bytes kept apart rather than
    merged, so two queries a view tells apart never share a key.
    """
    read = query_params_read()
    pairs = parse_qsl(
        query_string, keep_blank_values=True, encoding="utf-8", errors="surrogateescape"
    )
    return sorted((pair for pair in pairs if pair[0] in read), key=lambda pair: pair[0])


def keyed_query(query_string: str) -> str:
    """The part of a query string that keys the page cache."""
    if not query_string:
        return ""
    return urlencode(query_pairs(query_string), encoding="utf-8", errors="surrogateescape")


def kept_query(request):
    """The request's GET parameters that some page reads, in their order, as a mutable
    QueryDict."""
    from django.http import QueryDict

    read = query_params_read()
    kept = QueryDict(mutable=True)
    for name in request.GET:
        if name in read:
            kept.setlist(name, request.GET.getlist(name))
    return kept


def reads_only_what_it_declares(request) -> bool:
    """False when the query names a parameter the answering page or view does not read.

    Such an answer is the plain page (so it may be served from its entry), but it is not
    stored under its own key: `?page=<random>` on a page without pages makes no entry.
    """
    names = {name for name, _value in query_pairs(request.META.get("QUERY_STRING", ""))}
    if not names:
        return True
    reads = getattr(request, "page_query_params", None)
    if reads is None:
        match = getattr(request, "resolver_match", None)
        reads = getattr(getattr(match, "func", None), "query_params", ())
    return names <= set(reads)


def is_secure(meta) -> bool:
    """Django's request.is_secure(), on the WSGI environ."""
    if settings.SECURE_PROXY_SSL_HEADER:
        header, secure_value = settings.SECURE_PROXY_SSL_HEADER
        value = meta.get(header)
        if value is not None:
            return value.split(",")[0].strip() == secure_value
    return meta.get("wsgi.url_scheme") == "https"


def is_cacheable(environ) -> bool:
    """Whether the shared cache may answer this request: the one test, on the WSGI environ.

    Both the WSGI answer (`serve_cached_pages`) and the middleware ask it, the middleware
    with `request.META`, which is the same environ.
    """
    if (
        settings.PAGE_CACHE_SECONDS <= 0
        or environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
        or get_path_info(environ).startswith(never_cached_prefixes())
        # A request Django would send on to https is never answered from the cache.
        or (settings.SECURE_SSL_REDIRECT and not is_secure(environ))
    ):
        return False
    query = environ.get("QUERY_STRING", "")
    if query and "preview" in dict(parse_qsl(query, keep_blank_values=True)):
        return False
    cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
    # A one-off message ("You have signed out") waits in the "messages" cookie to be shown.
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def never_cached_prefixes() -> tuple[str, ...]:
    return (*EXCLUDED_PREFIXES, settings.STATIC_URL, settings.MEDIA_URL)


NO_STORE = re.compile(r"\b(private|no-store|no-cache)\b")


def response_lifetime(request, response) -> int:
    """Seconds to keep this response, or 0 when it must not be shared."""
    user = getattr(request, "user", None)
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or request.META.get("CSRF_COOKIE_USED")
        or (user is not None and user.is_authenticated)
        or NO_STORE.search(response.get("Cache-Control", ""))
        or not reads_only_what_it_declares(request)
    ):
        return 0
    limits = [settings.PAGE_CACHE_SECONDS]
    max_age = get_max_age(response)
    if max_age is not None:
        limits.append(max_age)
    page_limit = getattr(request, "page_cache_seconds", None)
    if page_limit is not None:
        limits.append(page_limit)
    return min(limits)


def note_page_cache_seconds(page, request, serve_args, serve_kwargs):
    """Wagtail hook: a page type with live figures sets `page_cache_seconds` (e.g. 5); the
    GET parameters the page reads (`query_params`) decide whether its answer is stored."""
    seconds = getattr(page, "page_cache_seconds", None)
    if seconds is not None:
        request.page_cache_seconds = seconds
    request.page_query_params = getattr(page, "query_params", ())


class AnonymousPageCacheMiddleware:
    """Serve and store anonymous pages in the shared cache (see the module docstring).

    First of all the middleware, so what it stores is the response as it leaves the
    site, with every header: the WSGI application below can then answer a fresh page
    with no middleware at all. It also says, on every response, what an HTTP cache in
    front of the site may keep (`cms.edge`): what it stores, for as long; nothing else.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_cacheable(request.META):
            response = self.get_response(request)
            mark_private(request, response)
            return response
        # The page sees only the parameters that key it, so what it renders for
        # `?utm_source=x` is what it renders for the plain address it is stored under.
        request.GET = kept_query(request)
        request.GET._mutable = False
        key = page_cache_key(request)
        generation, answer = stored_answer(request.META, key)
        if generation is None:
            generation = current_generation()
        note_generation(generation)
        if answer is not None:
            status, headers, content, state = answer
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Page-Cache"] = state
            return response
        response = self.get_response(request)
        lifetime = response_lifetime(request, response)
        if not lifetime:
            mark_private(request, response)
            return response
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        mark_shared(response, lifetime, stale_seconds(lifetime))
        headers = [(name, value) for name, value in response.items()]
        store_for(key, (generation, response.status_code, headers, response.content), lifetime)
        response["X-Page-Cache"] = "miss"
        if current_generation() != generation:
            # A change committed while this page was rendered: the edge's purge may have
            # gone before it, so the edge must not keep it (the app stored it under the old
            # generation, which nobody is answered from).
            keep_from_edge(response)
        return response


def connect() -> None:
    """Purge on every change of pages themselves (publish, unpublish, move, delete, alias).

    Everything else the public sees is registered by the app that owns it, with
    `purge_on` in its AppConfig.ready().
    """
    from django.db.models.signals import post_delete, post_save
    from wagtail import hooks
    from wagtail.models import Page
    from wagtail.signals import page_published, page_unpublished, post_page_move

    hooks.register("before_serve_page", note_page_cache_seconds)
    page_published.connect(purge_page_cache, dispatch_uid="pagecache.published")
    page_unpublished.connect(purge_page_cache, dispatch_uid="pagecache.unpublished")
    post_page_move.connect(purge_page_cache, dispatch_uid="pagecache.moved")
    post_delete.connect(purge_page_cache, sender=Page, dispatch_uid="pagecache.page_deleted")
    post_save.connect(purge_on_new_alias, dispatch_uid="pagecache.new_alias")


def purge_on_new_alias(sender, instance, created=False, **kwargs) -> None:
    """A new alias page changes which pages view restrictions may apply to (`cms.sitewide`)."""
    from wagtail.models import Page

    if created and isinstance(instance, Page) and instance.alias_of_id is not None:
        purge_page_cache()


def serve_cached_pages(django_application):
    """The site's WSGI application, answering fresh cached pages before Django runs.

    A cached page is most of what a surge asks for, and building Django's request, its
    signals and middleware costs more than the cache read itself; so the anonymous
    requests the middleware would answer from the cache (the same test, on the WSGI
    environ) are answered here, with what the middleware stored: the whole response,
    headers included. Anything else, a miss, or a stored page past its lifetime (whose
    refresh the middleware arranges) goes to Django.
    """

    def application(environ, start_response):
        stored = _stored_page(environ)
        if stored is None:
            return django_application(environ, start_response)
        status, headers, content, state = stored
        headers = [*headers, ("X-Page-Cache", state)]
        if not any(name.lower() == "content-length" for name, _ in headers):
            headers.append(("Content-Length", str(len(content))))
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [content]

    return application


# Set in the WSGI environ when the WSGI answer claimed the refresh of an expired page, so
# the middleware renders it rather than claiming again.
REFRESH_CLAIMED = "cms.page_cache.refresh_claimed"


def _stored_page(environ):
    """(status, headers, content, "hit" or "stale") to answer with, or None for Django."""
    if not is_cacheable(environ):
        return None
    return stored_answer(environ, page_cache_key_for(environ, get_path_info(environ)))[1]


def stored_answer(meta, key: str):
    """(the current generation, the stored answer or None), in one cache round trip.

    The answer is (status, headers, content, "hit" or "stale"): a page stored under the
    current generation (a purged one is never answered), fresh, or past its lifetime while
    another request renders it again. The request that claims that refresh gets None, and
    the claim is noted in the WSGI environ, so the middleware renders it rather than
    claiming again. Used by both the WSGI answer and the middleware.
    """
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    stored = found.get(key)
    if generation is None or not (
        isinstance(stored, tuple) and len(stored) == 2 and stored[1][0] == generation
    ):
        return generation, None
    fresh_until, (_generation, status, headers, content) = stored
    now = time.time()
    # How old the answer is, so an edge in front keeps it only for the rest of its life.
    age = age_header(headers, fresh_until, now)
    if age is not None:
        headers = [*headers, ("Age", age)]
    if now < fresh_until:
        return generation, (status, headers, content, "hit")
    if meta.get(REFRESH_CLAIMED) == key or claim_refresh(key):
        meta[REFRESH_CLAIMED] = key
        return generation, None
    return generation, (status, headers, content, "stale")
