"""One migrated PostgreSQL database that every test worker's database is copied from.

Left to itself, pytest-django migrates each worker's test database: the same half-minute of
migrations once per worker, at the same time, on a two-core machine. Instead the first
worker to get here migrates one template database (under a file lock, so only one does)
and each worker's database is made from it with CREATE DATABASE ... TEMPLATE, in about a
second; Django then finds it migrated and keeps it. The template's name carries a hash of
every migration, the settings and the locked requirements, so any change to them builds a
new one (and drops the old). The private cluster of tests/faults/test_postgres_restart.py
starts from a dump of it too.

SQLite runs are untouched: their test database lives in memory.
"""

import fcntl
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _fingerprint() -> str:
    digest = hashlib.sha256()
    files = sorted(ROOT.glob("*/migrations/*.py")) + sorted(ROOT.glob("cms/settings/*.py"))
    for path in [*files, ROOT / "requirements.lock"]:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _admin_connection(database: dict):
    import psycopg

    return psycopg.connect(
        dbname="postgres",
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        autocommit=True,
    )


def _url(database: dict, name: str) -> str:
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name}"


def _exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def _build(cursor, database: dict, template: str, prefix: str) -> None:
    """Migrate into a scratch database, then rename it: a build that dies leaves no template."""
    building = f"{template}_building"
    cursor.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
    cursor.execute(f'CREATE DATABASE "{building}"')
    env = {
        **os.environ,
        "DATABASE_URL": _url(database, building),
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{prefix}%"])
    for (old,) in cursor.fetchall():
        if old != building:
            cursor.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
    cursor.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')


def _settings_database() -> dict | None:
    from django.conf import settings

    database = settings.DATABASES["default"]
    return database if "postgresql" in database["ENGINE"] else None


def _template_name(database: dict) -> str:
    return f"test_{database['NAME']}_tpl_{_fingerprint()}"


def _with_template(database: dict, then=None) -> str:
    """Build the template if it is missing (one process at a time), then run `then`."""
    template = _template_name(database)
    lock_path = Path(tempfile.gettempdir()) / f"{template}.lock"
    with lock_path.open("w") as lock, _admin_connection(database) as connection:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cursor = connection.cursor()
        if not _exists(cursor, template):
            _build(cursor, database, template, f"test_{database['NAME']}_tpl_")
        if then is not None:
            then(cursor, template)
    return template


def migrated_template_url() -> str | None:
    """The address of the migrated template (built if need be); None off PostgreSQL."""
    database = _settings_database()
    return _url(database, _with_template(database)) if database else None


def copy_template_for_this_worker() -> bool:
    """Make this process's test database a copy of the migrated template. True if it did."""
    database = _settings_database()
    if database is None:
        return False
    test_name = database.get("TEST", {}).get("NAME") or f"test_{database['NAME']}"

    def copy(cursor, template):
        cursor.execute(f'DROP DATABASE IF EXISTS "{test_name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{test_name}" TEMPLATE "{template}"')

    _with_template(database, copy)
    return True
