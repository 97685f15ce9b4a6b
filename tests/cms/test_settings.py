"""Testing that backing services follow the environment, and production refuses weak secrets."""

import os
import subprocess
import sys
from pathlib import Path

import environ
import pytest

from cms.settings.services import cache_config, celery_config, database_config

ROOT = Path(__file__).resolve().parents[2]


def env_from(mapping):
    """An environ.Env that reads only `mapping`, not the real environment."""
    env = environ.Env()
    env.ENVIRON = mapping
    return env


def test_no_environment_means_sqlite_memory_cache_and_eager_tasks(tmp_path):
    database = database_config(env_from({}), tmp_path)
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(tmp_path / "db.sqlite3")
    assert cache_config("")["default"]["BACKEND"].endswith("LocMemCache")
    celery = celery_config("")
    assert celery["CELERY_TASK_ALWAYS_EAGER"] is True
    assert celery["CELERY_BROKER_URL"].startswith("memory://")


def test_database_and_redis_urls_select_postgresql_redis_and_a_real_worker(tmp_path):
    database = database_config(
        env_from({"DATABASE_URL": "postgres://hub:secret@db.internal:5432/hub"}), tmp_path
    )
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["NAME"], database["USER"]) == ("db.internal", "hub", "hub")
    cache = cache_config("redis://cache.internal:6379/1")["default"]
    assert cache["BACKEND"] == "cms.redis_cache.ResilientRedisCache"
    assert cache["LOCATION"] == "redis://cache.internal:6379/1"
    celery = celery_config("redis://cache.internal:6379/1")
    assert celery["CELERY_TASK_ALWAYS_EAGER"] is False
    assert celery["CELERY_BROKER_URL"] == "redis://cache.internal:6379/1"


def run_django(settings_module, extra_env, *args):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": settings_module, **extra_env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("secret", ["", "insecure-development-key-change-me", "short"])
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    result = run_django(
        "cms.settings.production", {"SECRET_KEY": secret, "ALLOWED_HOSTS": "example.org"}, "check"
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deploy_checklist():
    result = run_django(
        "cms.settings.production",
        {
            "SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-0123456789",
            "ALLOWED_HOSTS": "example.org",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
