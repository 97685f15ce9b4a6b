"""Testing that a request body over its address's limit is refused before it is read.

A 2 GB multipart body to the public donate form was accepted and spooled to disk while a
web worker waited 14 s for it: Django's DATA_UPLOAD_MAX_MEMORY_SIZE never counts files.
Now the declared length decides, per kind of address (cms.security), before the CSRF
check or a view reads anything: forms are small, the story form and the admin larger.
"""

import socket

import pytest
from django.conf import settings

from cms.security import body_limit_for
from tests.security.gunicorn_site import first_answer, gunicorn_site

DONATE = "/build/donate/"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with gunicorn_site(tmp_path_factory.mktemp("gunicorn")) as port:
        yield port


def test_a_huge_body_is_answered_413_at_once_without_being_read(site):
    """Headers declaring 2 GB, then 64 KB of it: the answer comes before the rest is sent."""
    with socket.create_connection(("127.0.0.1", site), timeout=5) as sock:
        sock.sendall(
            f"POST {DONATE} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: multipart/form-data; boundary=xyz\r\n"
            f"Content-Length: {2 * 1024**3}\r\n\r\n".encode()
        )
        sock.sendall(b"--xyz\r\n" + b"A" * 65536)
        answer = first_answer(sock, timeout=5)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"Too much to send" in answer or b"\r\n\r\n" in answer


def test_the_server_does_not_announce_its_software(site):
    with socket.create_connection(("127.0.0.1", site), timeout=5) as sock:
        sock.sendall(
            f"POST {DONATE} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Length: {10 * 1024**2}\r\n\r\n".encode()
        )
        headers = first_answer(sock, timeout=5).split(b"\r\n\r\n")[0].lower()
    assert b"gunicorn" not in headers
    assert b"python" not in headers


@pytest.mark.parametrize(
    "path,kind",
    [
        (DONATE, "form"),
        ("/stories/share/", "upload"),
        ("/admin/images/multiple/add/", "admin"),
        ("/crowdfund/stripe/webhook/", "webhook"),
    ],
)
def test_each_kind_of_address_has_its_own_limit(client, db, path, kind):
    limit = body_limit_for(path)
    expected = {
        "form": settings.REQUEST_BODY_MAX_BYTES,
        "upload": 32 * 1024 * 1024,
        "admin": 64 * 1024 * 1024,
        "webhook": 256 * 1024,
    }[kind]
    assert limit == expected
    over = client.generic(
        "POST", path, b"x" * (limit + 1), content_type="application/x-www-form-urlencoded"
    )
    assert over.status_code == 413
    assert "too much to send" in over.content.decode().lower()


def test_a_body_within_the_limit_reaches_the_form(client, db):
    body = b"amount=" + b"1" * (settings.REQUEST_BODY_MAX_BYTES - 100)
    response = client.generic(
        "POST", "/stories/share/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code != 413


def test_every_answer_refuses_powerful_browser_features(client, db):
    policy = client.get("/robots.txt")["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in policy
