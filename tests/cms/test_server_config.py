"""gunicorn's settings (gunicorn.conf.py): processes, the HTTP parser, the Date header."""

import email.utils
import os
import runpy
import socket
import time
from pathlib import Path

import pytest

from tests.security.gunicorn_site import first_answer, gunicorn_site

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def settings_with(monkeypatch, **env) -> dict:
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_one_process_per_core_unless_web_concurrency_says(monkeypatch):
    cores = len(os.sched_getaffinity(0))
    assert settings_with(monkeypatch, WEB_CONCURRENCY=None)["workers"] == cores
    assert settings_with(monkeypatch, WEB_CONCURRENCY="")["workers"] == cores
    assert settings_with(monkeypatch, WEB_CONCURRENCY="7")["workers"] == 7


def test_requests_are_read_by_the_parser_in_c_where_it_is_installed(monkeypatch):
    pytest.importorskip("gunicorn_h1c", reason="gunicorn-h1c not built here (no C compiler)")
    from gunicorn.config import Config
    from gunicorn.http.message import _check_fast_parser

    config = Config()
    for name, value in settings_with(monkeypatch).items():
        if name in config.settings:
            config.set(name, value)
    assert _check_fast_parser(config)


@pytest.mark.parametrize("timestamp", [0, 951782400.999, 1765152000.5, None])
def test_the_date_header_is_the_one_gunicorn_would_write(monkeypatch, timestamp):
    http_date = settings_with(monkeypatch)["_http_date"]
    if timestamp is None:  # now, as gunicorn asks
        started, answered, ended = time.time(), http_date(), time.time()
        assert answered in {
            email.utils.formatdate(moment, localtime=False, usegmt=True)
            for moment in (started, ended)
        }
        return
    expected = email.utils.formatdate(timestamp, localtime=False, usegmt=True)
    assert http_date(timestamp) == expected
    assert http_date(timestamp) == expected  # the second time from what it kept


def answer(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        return first_answer(sock, timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with gunicorn_site(tmp_path_factory.mktemp("gunicorn")) as port:
        yield port


def test_the_server_dates_each_answer_with_the_current_second(server):
    dates = []
    for _ in range(2):
        head = answer(server, b"GET /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        date = next(line for line in head.split(b"\r\n") if line.lower().startswith(b"date:"))
        dates.append(email.utils.parsedate_to_datetime(date.split(b":", 1)[1].strip().decode()))
        time.sleep(1.1)
    now = time.time()
    assert dates[1] > dates[0]
    assert abs(dates[1].timestamp() - now) < 3


def test_the_parser_in_c_refuses_a_malformed_request(server):
    head = answer(server, b"GET /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nNo colon here\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), head[:120]
