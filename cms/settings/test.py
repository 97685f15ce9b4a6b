"""The test suite: SQLite in memory unless DATABASE_URL points at PostgreSQL.

Celery runs eagerly here even when REDIS_URL is set, so each test sees its
task's effects; the tests that need a real worker start one themselves.
"""

from tests.support.workers import move_redis_to_this_worker

# Parallel test workers each use a Redis database of their own (tests/support/workers.py);
# done before the base settings read REDIS_URL, and in os.environ so that the servers and
# Celery workers the tests start see the same database.
move_redis_to_this_worker()

from .base import *  # noqa: E402, F403

DEBUG = False
SECRET_KEY = "test-only-secret-key"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's PostgreSQL backend with a quicker clean slate between tests that need real
    # transactions (tests/support/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "tests.support.postgresql"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "media-test"
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    CACHES["default"]["KEY_PREFIX"] = f"hub-test-{env('PYTEST_XDIST_WORKER', default='0')}"
WAGTAILADMIN_BASE_URL = "http://testserver"
AXES_FAILURE_LIMIT = 5
# The caches stay on, as in production (PAGE_CACHE_SECONDS, FRAGMENT_CACHE_SECONDS,
# ROUTE_CACHE_SECONDS from base.py); each test starts with an empty cache (tests/conftest.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "root": {"handlers": ["null"]},
}
