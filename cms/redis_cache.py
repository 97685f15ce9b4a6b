"""A Redis cache that degrades to a miss when Redis is unreachable.

Everything we keep in the cache can be rebuilt or done without: cached pages,
Wagtail's site lookup, rate-limit counters. So when Redis is down (restarting,
failing over, the network gone) a page should still be served, only slower,
rather than answer 500 because Django's RedisCache raised. This backend
catches connection errors and timeouts, logs them once per outage, and answers
as an empty cache would: `get` returns the default, `add` and `touch` return
False, `incr` raises ValueError (as for a missing key), writes are dropped.

Short socket timeouts (settings in cms/settings/services.py) keep a request from
hanging on a Redis that does not answer, and after a failure the process skips
Redis for `RETRY_SECONDS` so one page does not pay the timeout on every call.
Errors that are not about reaching Redis (a bad value, a wrong command) still
raise: they are bugs, not outages.

What each caller does with a miss is its own decision, written down in the
README ("When Redis is down"): pages render from the database, django-ratelimit
fails open, django-allauth's limits fail closed.
"""

import functools
import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from cms.kept import Bounded

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_SECONDS = 1.0


class _Outage:
    """Per-process record of whether a Redis location is known to be down, and until when."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_until: dict[str, float] = {}

    def skipping(self, location: str) -> bool:
        return time.monotonic() < self.down_until.get(location, 0.0)

    def failed(self, location: str, error: Exception) -> None:
        with self.lock:
            first = location not in self.down_until
            self.down_until[location] = time.monotonic() + RETRY_SECONDS
        if first:
            logger.warning("Redis cache unreachable (%s): serving without the cache", error)

    def succeeded(self, location: str) -> None:
        if location in self.down_until:
            with self.lock:
                if self.down_until.pop(location, None) is not None:
                    logger.warning("Redis cache reachable again")


outage = _Outage()


class _Missing(ValueError):
    """`incr` on an unreachable cache: the same error as for a missing key."""


def degrades_to(fallback):
    """Run the real method; if Redis cannot be reached, answer `fallback(*args, **kwargs)`."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if outage.skipping(self.outage_key):
                return fallback(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except UNREACHABLE as error:
                outage.failed(self.outage_key, error)
                return fallback(*args, **kwargs)
            outage.succeeded(self.outage_key)
            return result

        return wrapper

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


def _none(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _empty(*args, **kwargs):
    return {}


def _all_failed(data, *args, **kwargs):
    return list(data)


def _missing(key, *args, **kwargs):
    raise _Missing(f"Key '{key}' not found (the cache is unreachable)")


class SharedClientRedisCacheClient(RedisCacheClient):
    """One Redis client per connection pool instead of one per cache call.

    Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache
    operation, and building one sets up several hundred response callbacks, which costs
    more than the round trip. A `redis.Redis` client is safe to share between threads
    (each command takes a connection from the pool), so one per pool is kept.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


# The values of KEYS, then the value at ARGV[1] followed by the last key's value: an entry
# found through another (a session's user through the session's user id) in one round trip.
_GET_MANY_AND_REFERENCED = """
local values = redis.call('MGET', unpack(KEYS))
local reference = values[#KEYS]
local referenced = false
if reference then
    referenced = redis.call('GET', ARGV[1] .. reference)
end
values[#KEYS + 1] = referenced
return values
"""


class SharedUnpickled(Bounded):
    """Values unpickled once per process and shared, for as long as Redis holds the same bytes.

    Unpickling a cached model instance (a page, a user with their group names) costs more
    than the round trip that read it. For a caller that only reads the value, every
    request that finds the same bytes can be given the same object: a changed entry has
    new bytes and so gets a new object, exactly as fresh as Redis. Keyed by the bytes.
    """

    def loads(self, loads, raw: bytes):
        value = self.get(raw, _NOT_HELD)
        if value is _NOT_HELD:
            value = loads(raw)
            self.keep(raw, value)
        return value


_NOT_HELD = object()
shared_unpickled = SharedUnpickled(most=512)


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, except that an unreachable Redis behaves as an empty cache."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
        self.outage_key = server if isinstance(server, str) else ",".join(server)
        self._get_many_and_referenced = None

    def get_many_and_referenced(
        self, keys, referenced_prefix, *, shared=(), share_referenced=False
    ):
        """`get_many(keys)`, and the entry at `referenced_prefix` + the value stored at the
        last of `keys` (an id), in one round trip (a Lua script): (found, referenced or None).

        For an entry reached through another whose value never changes while both live (a
        session's user id); the caller checks what it found. An unreachable Redis answers
        as an empty cache. The keys are the site's own (a session's, the page's), so they
        are not checked character by character for memcached as `get_many` checks them.
        The values of the keys in `shared` (and the referenced entry's, with
        `share_referenced`) are `shared_unpickled`'s objects: the caller must not change them.
        """
        if outage.skipping(self.outage_key):
            return {}, None
        made = [self.make_key(key) for key in keys]
        client = self._cache.get_client()
        if self._get_many_and_referenced is None:
            self._get_many_and_referenced = client.register_script(_GET_MANY_AND_REFERENCED)
        try:
            values = self._get_many_and_referenced(
                keys=made, args=[self.make_key(referenced_prefix)], client=client
            )
        except UNREACHABLE as error:
            outage.failed(self.outage_key, error)
            return {}, None
        outage.succeeded(self.outage_key)
        found = self._loaded(keys, values[: len(keys)], shared)
        referenced = values[len(keys)]
        if referenced is None:
            return found, None
        if share_referenced:
            return found, shared_unpickled.loads(self._cache._serializer.loads, referenced)
        return found, self._cache._serializer.loads(referenced)

    def get_many_shared(self, keys, shared=()):
        """`get_many(keys)` in one MGET, without the memcached key check (as
        `get_many_and_referenced`); the values of the keys in `shared` are
        `shared_unpickled`'s objects: the caller must not change them."""
        if outage.skipping(self.outage_key):
            return {}
        client = self._cache.get_client()
        try:
            values = client.mget([self.make_key(key) for key in keys])
        except UNREACHABLE as error:
            outage.failed(self.outage_key, error)
            return {}
        outage.succeeded(self.outage_key)
        return self._loaded(keys, values, shared)

    def _loaded(self, keys, values, shared) -> dict:
        loads = self._cache._serializer.loads
        found = {}
        for key, value in zip(keys, values, strict=True):
            if value is not None:
                found[key] = shared_unpickled.loads(loads, value) if key in shared else loads(value)
        return found

    get = degrades_to(_default)(RedisCache.get)
    get_many = degrades_to(_empty)(RedisCache.get_many)
    has_key = degrades_to(_false)(RedisCache.has_key)
    set = degrades_to(_none)(RedisCache.set)
    set_many = degrades_to(_all_failed)(RedisCache.set_many)
    add = degrades_to(_false)(RedisCache.add)
    touch = degrades_to(_false)(RedisCache.touch)
    delete = degrades_to(_false)(RedisCache.delete)
    delete_many = degrades_to(_none)(RedisCache.delete_many)
    incr = degrades_to(_missing)(RedisCache.incr)
    clear = degrades_to(_false)(RedisCache.clear)
    # decr, get_or_set and the async methods are built on the ones above.
