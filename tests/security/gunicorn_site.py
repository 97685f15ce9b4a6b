"""The site under a real gunicorn with the production settings, for faults that live in
the server: what it says about itself, and what it reads of a request before answering.

The database is an empty SQLite file: what these tests send is answered before the site
looks anything up.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn_site(folder: Path):
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "SECRET_KEY": "gunicorn-test-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{folder / 'empty.sqlite3'}",
        "SECURE_SSL_REDIRECT": "False",
        "SECURE_COOKIES": "False",
    }
    env.pop("REDIS_URL", None)
    log = (folder / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "cms.wsgi:application"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "30"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((folder / "gunicorn.log").read_text())
            time.sleep(0.2)
        wait_for_worker(port, folder)
        yield port
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def wait_for_worker(port: int, folder: Path) -> None:
    """The master listens at once; its worker loads Django first (slow on a busy machine).

    Wait for a first answer (a request refused before the database is asked), so the
    tests' own timeouts measure the site, not the worker's start.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(
            b"POST /build/donate/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Length: 999999999999\r\n\r\n"
        )
        if not first_answer(sock, timeout=60):
            raise AssertionError((folder / "gunicorn.log").read_text())


def first_answer(sock: socket.socket, timeout: float) -> bytes:
    """What the server says within `timeout` seconds (its status line and headers)."""
    sock.settimeout(timeout)
    answer = b""
    with contextlib.suppress(TimeoutError, ConnectionResetError):
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer
