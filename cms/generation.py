"""The content generation: one number in the shared cache that every cache key carries.

Every shared entry built from what the public sees (cached pages, page parts, the pages
along a path, the site-wide entry, the live manifesto page) has the generation in its
key. A change the public could see (`purge_page_cache`, called by the registry in
`cms.cache`) moves the number on, so all of them are dropped at once; the entries left
behind expire by themselves. Nothing needs to know which entries a change touched.

The edge in front of the site (`cms.edge`: Varnish or a CDN) is purged with it, once the
change commits. This module imports nothing of the project but that purge, which imports
nothing of it either: every cache is built on it.
"""

import time

from asgiref.local import Local
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction

from cms.edge import purge_edge

GENERATION_KEY = "pagecache:generation"


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


# The generation as this request first read it: one cache read per request. Outside a
# request (a worker, a shell) it is read every time.
request_generation = RequestMemo()
request_started.connect(request_generation.start, dispatch_uid="generation.memo.start")
request_finished.connect(request_generation.finish, dispatch_uid="generation.memo.finish")


def purge_page_cache(**kwargs) -> None:
    """Drop every shared entry at once (signal receivers may call this with any arguments).

    Purged at once and again when the change commits: a visitor who reads the old
    content between the two would otherwise store it under the new generation.
    """
    _bump_generation()
    transaction.on_commit(_bump_generation)
    if not _edge_purge_waiting():
        # After the generation, so a page the edge fetches again is rendered afresh.
        transaction.on_commit(purge_edge)


def _edge_purge_waiting() -> bool:
    """Whether this transaction already purges the edge when it commits: a publish saves
    many rows, and one BAN is enough (the app's own purge, an INCR, is repeated)."""
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        entry[1] is purge_edge for entry in connection.run_on_commit
    )


def _bump_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, fresh_generation(), timeout=None)
    request_generation.clear()


def fresh_generation() -> int:
    """A first generation no entry stored before can carry: the time in milliseconds.

    The cache's Redis may evict keys under memory pressure (allkeys-lru); if it ever
    evicts the counter, starting again at 1 would bring back pages stored under 1.
    Every earlier generation was an earlier start plus one per purge, so it is smaller.
    """
    return int(time.time() * 1000)


def current_generation() -> int:
    """The generation as the cache holds it now (a first one is set if there is none)."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        first = fresh_generation()
        cache.add(GENERATION_KEY, first, timeout=None)
        generation = cache.get(GENERATION_KEY, first)
    return generation


def content_generation() -> int:
    """The current generation, read once per request."""
    return request_generation.get(GENERATION_KEY, current_generation)


def note_generation(generation: int) -> None:
    """Tell this request the generation it has already read (with a page, in one round trip)."""
    request_generation.get(GENERATION_KEY, lambda: generation)
