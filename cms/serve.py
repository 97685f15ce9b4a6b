"""The production web server: granian serving `cms.wsgi`, set from the environment.

    python -m cms.serve            # what the Docker image and `make edge` run
    python -m cms.serve module:app # another WSGI application, from the working directory
                                   # (the benchmarks' baselines, under the same settings)

granian (a well-kept server written in Rust) reads and writes HTTP outside Python: its
answer to a request costs about a tenth of the CPU of gunicorn's threaded worker (0.02 ms
against 0.2 ms for a small answer on this project's benchmark machine), and the Python
threads that run the site no longer share their interpreter lock with the server's own
work. That is what took votes through the whole stack past 1,000 a second on two cores
(README, "Benchmarks"). The site itself is unchanged: it is the same WSGI application.

- `PORT` (8000) and `WEB_BIND` (0.0.0.0): where it listens;
- `WEB_CONCURRENCY` (2): worker processes, one or two per core;
- `WEB_THREADS` (8): threads in each worker, each running one request at a time: a
  request waiting on PostgreSQL or Redis leaves the others running;
- `WEB_ACCESS_LOG` (off): one line per request on standard output (the Docker image
  turns it on).

Limits the server enforces before the site sees a request: the request line and headers
must fit in `HEADER_BUFFER_BYTES` and arrive within `HEADER_READ_TIMEOUT_MS` (a client
trickling its headers holds nothing for long). Bodies are streamed to the site, which
refuses one over its address's limit before reading it (cms.security); a chunked body
arrives de-chunked and ended (`wsgi.input_terminated`).
"""

import os
import sys
from pathlib import Path

from granian import Granian
from granian.constants import Interfaces
from granian.http import HTTP1Settings

# 64 KiB for the request line and every header together: a browser's cookies and headers
# are a few KiB; the default (408 KiB) lets one request hold far more.
HEADER_BUFFER_BYTES = 64 * 1024
HEADER_READ_TIMEOUT_MS = 10_000
# How long a worker may take to finish its requests on shutdown before it is killed.
SHUTDOWN_SECONDS = 30


def _int_from_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def server(target: str = "cms.wsgi:application") -> Granian:
    """The configured server for `target` (not started)."""
    return Granian(
        target,
        address=os.environ.get("WEB_BIND", "0.0.0.0"),  # noqa: S104 - a container's server
        port=_int_from_env("PORT", 8000),
        interface=Interfaces.WSGI,
        workers=_int_from_env("WEB_CONCURRENCY", 2),
        blocking_threads=_int_from_env("WEB_THREADS", 8),
        backlog=2048,
        http1_settings=HTTP1Settings(
            max_buffer_size=HEADER_BUFFER_BYTES,
            header_read_timeout=HEADER_READ_TIMEOUT_MS,
        ),
        log_access=os.environ.get("WEB_ACCESS_LOG", "").lower() in {"1", "true", "yes", "on"},
        log_level=os.environ.get("WEB_LOG_LEVEL", "warning"),
        respawn_failed_workers=True,
        workers_kill_timeout=SHUTDOWN_SECONDS,
        working_dir=Path.cwd(),
    )


if __name__ == "__main__":
    server(*sys.argv[1:2]).serve()
