"""Backing services chosen from the environment.

Kept as plain functions of an environment mapping so that the rule
"no DATABASE_URL means SQLite, no REDIS_URL means memory and eager tasks"
is tested directly rather than by re-importing settings modules.
"""

from pathlib import Path

import environ


def database_config(env: environ.Env, base_dir: Path) -> dict:
    """DATABASE_URL if set, else a SQLite file beside manage.py."""
    default = f"sqlite:///{base_dir / 'db.sqlite3'}"
    config = env.db_url("DATABASE_URL", default=default)
    if config["ENGINE"].endswith("sqlite3"):
        # SQLite waits for a lock instead of failing at once under the dev server.
        config.setdefault("OPTIONS", {})["timeout"] = 20
    return config


def cache_config(redis_url: str) -> dict:
    """A shared Redis cache when REDIS_URL is set, else per-process memory.

    The Redis backend answers as an empty cache while Redis is unreachable
    (cms/redis_cache.py); the short socket timeouts bound what a request waits.
    """
    if redis_url:
        return {
            "default": {
                "BACKEND": "cms.redis_cache.ResilientRedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": "hub",
                "TIMEOUT": 300,
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "alliance-hub",
            "TIMEOUT": 300,
        }
    }


def redis_urls(env: environ.Env) -> tuple[str, str]:
    """(the cache's Redis, the broker's Redis).

    REDIS_URL alone serves both. In production give the cache its own Redis with
    CACHE_REDIS_URL: that one has a memory limit and evicts (allkeys-lru), while the
    broker's never evicts (noeviction), so a full cache can never drop a queued task.
    """
    broker = env("REDIS_URL", default="")
    return env("CACHE_REDIS_URL", default="") or broker, broker


def celery_config(redis_url: str) -> dict:
    """A real broker when REDIS_URL is set; otherwise tasks run in-process at once."""
    return {
        "CELERY_BROKER_URL": redis_url or "memory://localhost/",
        "CELERY_RESULT_BACKEND": None,
        "CELERY_TASK_ALWAYS_EAGER": not redis_url,
        "CELERY_TASK_EAGER_PROPAGATES": True,
    }
