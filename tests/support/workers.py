"""What keeps parallel test workers (pytest-xdist, `make test`) out of each other's way.

pytest-django already gives each worker its own test database (test_<name>_gw0, _gw1...)
and live servers take a free port. Redis needs the same: `cache.clear()` empties a whole
Redis database and Celery's queues are lists in it, so each worker moves to the database
after the one configured for the suite (gw0 keeps it, gw1 takes the next, and so on).
Standard library only: cms/settings/test.py imports this before Django is set up.
"""

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # redis-server's default `databases`


def worker_index() -> int:
    """0 outside xdist and on its first worker; n on worker gw<n>."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker.removeprefix("gw")) if worker.startswith("gw") else 0


def redis_url_for_this_worker(url: str) -> str:
    """The same Redis, at the database this worker owns (unchanged outside xdist)."""
    index = worker_index()
    if not url or not index:
        return url
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(database + index) % REDIS_DATABASES}"))


def move_redis_to_this_worker(environ=os.environ, names=("REDIS_URL", "CACHE_REDIS_URL")) -> None:
    """Point the Redis variables of this process (and so of the servers and Celery workers
    the tests start from it) at this worker's database, once."""
    marker = "HUB_TEST_REDIS_WORKER"
    worker = environ.get("PYTEST_XDIST_WORKER", "")
    if not worker or environ.get(marker) == worker:
        return
    for name in names:
        if environ.get(name):
            environ[name] = redis_url_for_this_worker(environ[name])
    environ[marker] = worker
