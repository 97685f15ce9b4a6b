"""Testing that the demo serves only what production serves, and only under its own name.

The demo (cms.settings.dev, DEBUG off, as `make demo` runs it) served every file under
/media/, documents included, while /documents/<id>/ asked for sign-in; and it accepted
any Host header, so a password-reset email could carry a link to someone else's site.
"""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.urls import clear_url_caches

import cms.urls

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_urls(settings, tmp_path):
    """The URL configuration as the demo builds it (SERVE_MEDIA on, DEBUG off)."""
    for folder, name in [
        ("documents", "minutes.pdf"),
        ("original_images", "story-abc123-1.jpg"),
        ("images", "story-abc123-1.fill-800x600.jpg"),
        ("avatar_images", "avatar_1.png"),
    ]:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_bytes(b"private or not: " + name.encode())
    settings.DEBUG = False
    settings.SERVE_MEDIA = True
    settings.MEDIA_ROOT = tmp_path
    importlib.reload(cms.urls)
    clear_url_caches()
    yield tmp_path
    settings.SERVE_MEDIA = False
    importlib.reload(cms.urls)
    clear_url_caches()


def test_the_demo_serves_image_renditions_and_avatars(demo_urls, db):
    client = Client()
    rendition = client.get("/media/images/story-abc123-1.fill-800x600.jpg")
    assert rendition.status_code == 200
    assert b"".join(rendition.streaming_content).endswith(b"fill-800x600.jpg")
    assert client.get("/media/avatar_images/avatar_1.png").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/media/documents/minutes.pdf",
        "/media/original_images/story-abc123-1.jpg",
        "/media/images/../documents/minutes.pdf",
        "/media/images/%2e%2e/documents/minutes.pdf",
        "/media/images%2f..%2fdocuments/minutes.pdf",
        "/media/",
        "/media/images/",
    ],
)
def test_the_demo_never_serves_documents_or_original_images_from_media(demo_urls, db, path):
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 404
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"private or not" not in body


def demo_settings(**environment) -> dict:
    """Settings the demo's process computes from its environment (a fresh interpreter)."""
    env = {key: value for key, value in os.environ.items() if key != "ALLOWED_HOSTS"}
    env.update(environment, DJANGO_SETTINGS_MODULE="cms.settings.dev")
    script = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'hosts': settings.ALLOWED_HOSTS, 'media': settings.SERVE_MEDIA}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_demo_accepts_only_its_own_host_names():
    demo = demo_settings(WAGTAILADMIN_BASE_URL="http://demo.alliancehub.example:8101", DEBUG="0")
    assert demo["media"] is True
    assert "*" not in demo["hosts"]
    assert set(demo["hosts"]) == {"demo.alliancehub.example", "localhost", "127.0.0.1", "[::1]"}


def test_a_forged_host_header_never_reaches_a_password_reset_link(
    settings, supporter, django_capture_on_commit_callbacks
):
    settings.ALLOWED_HOSTS = ["demo.alliancehub.example", "localhost", "127.0.0.1", "[::1]"]
    client = Client(raise_request_exception=False)
    with django_capture_on_commit_callbacks(execute=True):
        forged = client.post(
            "/accounts/password/reset/",
            {"email": supporter.email},
            HTTP_HOST="attacker.example",
        )
    assert forged.status_code == 400
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        honest = client.post(
            "/accounts/password/reset/",
            {"email": supporter.email},
            HTTP_HOST="demo.alliancehub.example",
        )
    assert honest.status_code == 302
    (message,) = mail.outbox
    assert "http://demo.alliancehub.example/accounts/password/reset/key/" in message.body
    assert "attacker.example" not in message.body
