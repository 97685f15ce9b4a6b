"""Helpers for tests that start real processes (a Celery worker, a server) and watch them."""

import time
from pathlib import Path


def wait_for(condition, timeout: float, what: str, interval: float = 0.1) -> None:
    """Poll `condition` until it is true, or fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def pool_children(parent_pid: int) -> list[int]:
    """Processes whose parent is the worker we started (read from /proc, Linux)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent_pid and fields[0] != "Z":
            children.append(int(stat.parent.name))
    return children
