"""The demo content for tests: `load_demo` run once per test process, then copied back.

`load_demo` publishes every demo page, person, image, gift and meeting: seconds of work that
some thirty tests need only the result of. On PostgreSQL the first call in a process runs
the real command and keeps what it made: every table's rows (COPY), where each sequence
stood, and the media files it wrote. Later calls empty the tables and put those back, in a
fraction of the time. On SQLite the command runs each time.

Call it on a database that holds only what the migrations made (the start of a test), so
that what is kept is the demo and nothing else. The command's own tests (tests/cms/
test_demo.py) run it directly, as `make demo` does.
"""

import shutil
import tempfile
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction


@dataclass
class Snapshot:
    rows: dict[str, bytes]  # table -> COPY text
    sequences: list[tuple[str, int | None]]  # qualified name -> last value (None: unused)
    media: Path


_snapshot: Snapshot | None = None


def load_demo_content() -> None:
    """The database and the media folder as `load_demo` leaves them."""
    global _snapshot
    if connection.vendor != "postgresql":
        call_command("load_demo", stdout=StringIO())
        return
    if _snapshot is None:
        call_command("load_demo", stdout=StringIO())
        _snapshot = _take()
        return
    _restore(_snapshot)


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _tables(cursor) -> list[str]:
    return sorted(connection.introspection.table_names(cursor))


def _take() -> Snapshot:
    with connection.cursor() as cursor:
        raw = cursor.cursor
        rows = {}
        for table in _tables(cursor):
            with raw.copy(f"COPY {_quoted(table)} TO STDOUT") as copy:
                data = b"".join(bytes(block) for block in copy)
            if data:
                rows[table] = data
        cursor.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value"
            " FROM pg_sequences WHERE schemaname = current_schema()"
        )
        sequences = cursor.fetchall()
    media = Path(tempfile.mkdtemp(prefix="demo-media-"))
    if Path(settings.MEDIA_ROOT).is_dir():
        shutil.copytree(settings.MEDIA_ROOT, media, dirs_exist_ok=True)
    return Snapshot(rows=rows, sequences=sequences, media=media)


def _restore(snapshot: Snapshot) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        # Checks a test's earlier writes left pending would make TRUNCATE refuse.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(_quoted(t) for t in _tables(cursor))}")
        # The foreign keys Django makes are deferrable: checked once every table is back.
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, data in snapshot.rows.items():
            with raw.copy(f"COPY {_quoted(table)} FROM STDIN") as copy:
                copy.write(data)
        for sequence, last_value in snapshot.sequences:
            if last_value is None:
                cursor.execute("SELECT setval(%s, 1, false)", [sequence])
            else:
                cursor.execute("SELECT setval(%s, %s, true)", [sequence, last_value])
    shutil.copytree(snapshot.media, settings.MEDIA_ROOT, dirs_exist_ok=True)
    # As after the command itself: every page changed, so nothing cached before stands.
    from cms.generation import purge_page_cache
    from manifesto.tasks import forget_queued_refreshes

    cache.clear()
    forget_queued_refreshes()
    purge_page_cache()
