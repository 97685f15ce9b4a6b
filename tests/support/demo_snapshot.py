"""The demo content for tests: `load_demo` run once per test process, then copied back.

`load_demo` publishes every demo page, person, image, gift and meeting: seconds of work that
some thirty tests need only the result of. On PostgreSQL the first call in a process runs
the real command and keeps what it made: every table's rows (COPY) and the media files it
wrote. Later calls empty the tables and put those back, in a fraction of the time. On
SQLite the command runs each time.

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
from django.db import connection

from tests.support.table_rows import restore_rows, take_rows


@dataclass
class Snapshot:
    rows: dict[str, bytes]  # table -> COPY text (tests/support/table_rows.py)
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
        media = Path(tempfile.mkdtemp(prefix="demo-media-"))
        if Path(settings.MEDIA_ROOT).is_dir():
            shutil.copytree(settings.MEDIA_ROOT, media, dirs_exist_ok=True)
        _snapshot = Snapshot(rows=take_rows(connection), media=media)
        return
    restore_rows(connection, _snapshot.rows)
    shutil.copytree(_snapshot.media, settings.MEDIA_ROOT, dirs_exist_ok=True)
    # As after the command itself: every page changed, so nothing cached before stands.
    from cms.generation import purge_page_cache
    from manifesto.tasks import forget_queued_refreshes

    cache.clear()
    forget_queued_refreshes()
    purge_page_cache()
