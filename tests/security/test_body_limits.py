"""Testing that a request body over its address's limit is refused before it is read.

A 2 GB multipart body to the public donate form was accepted and spooled to disk while a
web worker waited 14 s for it: Django's DATA_UPLOAD_MAX_MEMORY_SIZE never counts files.
Now the declared length decides, per kind of address (cms.security), before the CSRF
check or a view reads anything: forms are small, the story form and the admin larger.
A chunked body declares no length: it is counted while it is read and refused one byte
past the limit.
"""

import io
import socket
import sys

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from cms.security import body_limit_for
from stories.models import StoriesIndexPage
from tests.security.gunicorn_site import first_answer, gunicorn_site

DONATE = "/build/donate/"


@pytest.fixture
def stories_index(home):
    """The stories index at /stories/, so /stories/share/ is the story form."""
    index = StoriesIndexPage(title="Stories", slug="stories")
    home.add_child(instance=index)
    index.save_revision().publish()
    return index


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
def test_each_kind_of_address_has_its_own_limit(client, stories_index, path, kind):
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


def send_chunk(sock, data: bytes) -> None:
    sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")


def test_a_chunked_body_past_the_limit_is_answered_413_without_reading_the_rest(site):
    """No length declared: 2 MB of chunks to a 1 MB form, and the body never ends.

    A server that read the whole body would wait for its last chunk forever; the answer
    comes because reading stops one byte past the limit.
    """
    with socket.create_connection(("127.0.0.1", site), timeout=30) as sock:
        sock.sendall(
            f"POST {DONATE} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        for _ in range(32):
            send_chunk(sock, b"A" * 65536)
        answer = first_answer(sock, timeout=30)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


class EndlessBody:
    """A request body that never ends, counting what was read of it."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size=-1):
        size = 65536 if size is None or size < 0 else size
        self.read_bytes += size
        return b"A" * size

    def readline(self, size=-1):
        return self.read(size)


def wsgi_environ(path, body, **extra):
    """What gunicorn hands the site for a chunked body: de-chunked, no CONTENT_LENGTH."""
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "HTTP_HOST": "testserver",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **extra,
    }


def call_site(environ):
    """The site's real WSGI handler, as gunicorn calls it (minus closing the test's database
    connection at each request's start and end, as Django's test client also skips)."""
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        content = b"".join(WSGIHandler()(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], content


def test_an_endless_chunked_body_is_read_one_byte_past_the_limit_and_no_further(db):
    body = EndlessBody()
    status, content = call_site(wsgi_environ(DONATE, body))
    assert status == 413
    assert b"Too much to send" in content or b"too much to send" in content.lower()
    assert body.read_bytes == settings.REQUEST_BODY_MAX_BYTES + 1


def test_a_chunked_body_within_the_limit_reaches_the_view(db):
    """Django reads exactly Content-Length bytes, so a chunked body used to arrive empty.

    The CSRF token travels in the body: the check passes only if the body was read (then
    robots.txt, a GET-only view, answers 405 to the POST); an unread body answers 403.
    """
    token = "k" * 32
    form = f"csrfmiddlewaretoken={token}&note={'x' * 5000}".encode()
    environ = wsgi_environ("/robots.txt", io.BytesIO(form), HTTP_COOKIE=f"csrftoken={token}")
    status, _ = call_site(environ)
    assert status == 405


def test_a_chunked_body_is_left_alone_when_the_server_does_not_end_it(db):
    """runserver passes a chunked body on undecoded and unended: reading it could hang."""
    body = EndlessBody()
    status, _ = call_site(wsgi_environ(DONATE, body, **{"wsgi.input_terminated": False}))
    assert status != 413
    assert body.read_bytes == 0


@pytest.mark.parametrize("path", ["/build/donate/share/", "/share/", "/events/share/"])
def test_the_story_upload_limit_holds_only_at_the_story_forms_own_address(
    client, stories_index, path
):
    assert body_limit_for(stories_index.url + "share/") == settings.STORY_UPLOAD_MAX_BYTES
    assert body_limit_for(path) == settings.REQUEST_BODY_MAX_BYTES
    over = client.generic(
        "POST", path, b"x" * (settings.REQUEST_BODY_MAX_BYTES + 1), content_type="text/plain"
    )
    assert over.status_code == 413


def test_the_story_upload_limit_follows_the_stories_index_when_it_moves(stories_index):
    stories_index.slug = "local-alliances"
    stories_index.save_revision().publish()
    assert body_limit_for("/local-alliances/share/") == settings.STORY_UPLOAD_MAX_BYTES
    assert body_limit_for("/stories/share/") == settings.REQUEST_BODY_MAX_BYTES
