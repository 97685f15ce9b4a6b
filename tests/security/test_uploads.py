"""Files that lie: the story form's photos, sent as things that are not photos.

Each must be refused with a message beside the photo field (never a 500), nothing may
be stored, and the file's name, which the message quotes, must be shown as text.
"""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from stories.models import StoryPage, story_limits
from tests.security.conftest import live_markup
from tests.security.corpus import MARKER
from tests.security.test_hostile_input import story_data
from tests.stories.conftest import image_bytes


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def decompression_bomb() -> bytes:
    """A valid PNG header for 40,000 x 40,000 pixels in a few hundred bytes."""
    header = struct.pack(">IIBBBBB", 40_000, 40_000, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 5_001 * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", rows)
        + png_chunk(b"IEND", b"")
    )


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.cookie)</script></svg>"
)

LIARS = {
    "text named .jpg": ("photo.jpg", b"just some text, not a photo\n" * 20, "image/jpeg"),
    "png header then garbage": ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\xde\xad" * 500, "image/png"),
    "jpeg header then garbage": (
        "photo.jpg",
        b"\xff\xd8\xff\xe0" + b"\x00junk" * 400,
        "image/jpeg",
    ),
    "decompression bomb": ("bomb.png", decompression_bomb(), "image/png"),
    "svg with script": ("photo.svg", SVG, "image/svg+xml"),
    "svg named .jpg": ("photo.jpg", SVG, "image/jpeg"),
    "gif": ("photo.gif", image_bytes("GIF"), "image/gif"),
    "empty file": ("empty.jpg", b"", "image/jpeg"),
    "huge file": ("huge.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * (6 * 1024 * 1024), "image/jpeg"),
    "name with markup": (
        f"<img src=x onerror=alert('{MARKER}')>.jpg",
        b"not a photo",
        "image/jpeg",
    ),
    "very long name": ("a" * 5_000 + ".jpg", b"not a photo", "image/jpeg"),
    "name with unicode tricks": ("photo\u202egpj.exe", b"not a photo", "image/jpeg"),
}


@pytest.fixture
def sender(on_world):
    client = Client(raise_request_exception=False)
    client.force_login(on_world.users["supporter"])
    return client


def share(client, world, photos):
    index = world.pages["stories_index"]
    return client.post(
        index.url + index.reverse_subpage("submit"),
        {**story_data(world), "photos": photos},
        REMOTE_ADDR=f"10.77.0.{len(photos) + 1}",
    )


@pytest.mark.parametrize("case", LIARS, ids=str)
def test_a_file_that_is_not_a_photo_is_refused_with_a_message(case, on_world, sender):
    name, content, content_type = LIARS[case]
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    before = StoryPage.objects.count()
    response = share(sender, on_world, [upload])
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    assert form.has_error("photos"), form.errors
    html = response.content.decode()
    assert "invalid-feedback" in html
    assert not live_markup(html).live
    assert StoryPage.objects.count() == before


def test_more_photos_than_allowed_are_refused(on_world, sender, settings):
    uploads = [
        SimpleUploadedFile(f"p{i}.jpg", image_bytes(), content_type="image/jpeg")
        for i in range(story_limits().max_photos + 1)
    ]
    response = share(sender, on_world, uploads)
    assert response.status_code == 200
    assert "at most" in " ".join(response.context["form"].errors["photos"])


def test_a_real_photo_among_the_checks_is_accepted(on_world, sender):
    """The same request with a real JPEG goes through, so the refusals above are the files'."""
    upload = SimpleUploadedFile("real.jpg", image_bytes(), content_type="image/jpeg")
    response = share(sender, on_world, [upload])
    assert response.status_code == 302
