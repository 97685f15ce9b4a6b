"""The pages along a request's path, from the shared cache: routing without a query.

Wagtail reads each level's child and then its specific page: two queries a level. Here
each page, made specific, is kept in the shared cache under its URL path and the content
generation (`cms.generation`), which every publish, unpublish, move or deletion bumps, so a
request reads the pages along its path with one cache round trip. What is missing is
read from the database (the pages along the path in one query, then made specific) and
stored. Nothing personal is in a page object; previews never route through here.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from cms.generation import content_generation

# What routing reads of the pages along a path (the page found is then loaded in full).
ROUTING_FIELDS = (
    "id",
    "path",
    "depth",
    "numchild",
    "url_path",
    "slug",
    "title",
    "live",
    "content_type_id",
    "alias_of_id",
    "locale_id",
    "translation_key",
)


def _key(generation: int, url_path: str) -> str:
    # Hashed: a request's path may hold anything, and a key must stay short and plain.
    return f"route:{generation}:{hashlib.sha256(url_path.encode()).hexdigest()[:32]}"


def pages_along(root, urls: list[str], needed) -> dict:
    """{url path: specific page} for the pages at `urls` below `root`, in order.

    `needed(page, position)` says whether routing goes on past the page at that position
    (False for the last one and for a page that routes its own sub-paths), so the cache
    is asked only for what routing reads, and a sub-path of a routable page (a clause, a
    story) never sends the request to the database.
    """
    lifetime = settings.ROUTE_CACHE_SECONDS
    deepest = root.depth + len(urls)
    if lifetime <= 0:
        return _from_database(root, urls, deepest)
    generation = content_generation()
    keys = [_key(generation, url) for url in urls]
    cached = cache.get_many(keys)
    pages = {}
    for position, (url, key) in enumerate(zip(urls, keys, strict=True)):
        page = cached.get(key)
        if page is None or not page.path.startswith(root.path):
            fresh = _from_database(root, urls[position:], deepest)
            cache.set_many({_key(generation, u): p for u, p in fresh.items()}, lifetime)
            return {**pages, **fresh}
        pages[url] = page
        if not needed(page, position):
            break
    return pages


def _from_database(root, urls: list[str], deepest: int) -> dict:
    from wagtail.models import Page

    along = (
        Page.objects.filter(url_path__in=urls, path__startswith=root.path, depth__lte=deepest)
        .only(*ROUTING_FIELDS)
        .order_by("depth")
    )
    # Made specific with one query per page type (a page whose model is gone stays plain).
    return {page.url_path: page for page in along.specific(defer=False)}
