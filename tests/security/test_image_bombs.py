"""Testing that an image whose header declares too many pixels is refused before any pixel
is decoded, wherever the site accepts an image.

Five 9,400 x 9,400 PNGs of a few hundred KB each once took the server to 1.9 GB for six
seconds: the story form decoded every photo before it looked at its size, and 9,400 x
9,400 is just under Pillow's own bomb limit. Each upload below sends that PNG through a
real request and measures the process's peak memory during it (the kernel's high-water
mark, reset just before the request, so Pillow's C allocations count too).
"""

import contextlib
import io
import math
import struct
import warnings
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from wagtail.admin.forms.account import AvatarPreferencesForm
from wagtail.images import get_image_model
from wagtail.models import Collection
from wagtail.users.models import UserProfile

from stories.models import StoryPage, story_limits
from tests.security.test_hostile_input import story_data
from tests.security.test_uploads import png_chunk

SIDE = 9_400
# Decoding the bomb costs 265 MB (RGB); refusing it from its header costs a few.
MEMORY_BOUND = 50 * 1024 * 1024


def huge_png(width: int = SIDE, height: int = SIDE) -> bytes:
    """A valid RGB PNG of width x height black pixels, compressed row by row to ~260 KB."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * (width * 3)
    rows = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", rows)
        + png_chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def bomb() -> bytes:
    content = huge_png()
    assert len(content) < 400 * 1024
    return content


def bomb_upload(content: bytes, name: str = "bomb.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(field: str) -> int:
    for line in STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


@contextlib.contextmanager
def peak_memory_growth():
    """Yield a dict whose "bytes" is, afterwards, the peak resident memory above the start."""
    if not CLEAR_REFS.exists():
        pytest.skip("needs Linux's /proc/self/clear_refs to reset the peak memory")
    measured = {}
    start = _status_kib("VmRSS")
    CLEAR_REFS.write_text("5")  # reset VmHWM (the peak) to the current resident size
    yield measured
    measured["bytes"] = (_status_kib("VmHWM") - start) * 1024


def declared_png(width: int, height: int) -> bytes:
    """A PNG header declaring width x height pixels, with almost no pixel data behind it."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def test_pillow_refuses_from_the_header_any_image_over_the_pixel_limit(bomb):
    """The last line of defence: any code opening such an image gets an error, not pixels."""
    assert SIDE * SIDE > settings.IMAGE_MAX_PIXELS
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(bomb))


def test_pillow_opens_an_image_just_within_the_pixel_limit():
    side = math.isqrt(settings.IMAGE_MAX_PIXELS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(declared_png(side, side)))
    assert image.size == (side, side)
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(declared_png(side + 1, side + 1)))


def test_a_story_photo_bomb_is_refused_from_its_header_without_decoding(on_world, bomb):
    client = Client(raise_request_exception=False)
    client.force_login(on_world.users["supporter"])
    index = on_world.pages["stories_index"]
    address = index.url + index.reverse_subpage("submit")
    client.get(address)  # warm up: templates and imports are not the photo's cost
    before = StoryPage.objects.count()
    with peak_memory_growth() as memory:
        response = client.post(
            address,
            {**story_data(on_world), "photos": [bomb_upload(bomb) for _ in range(5)]},
            REMOTE_ADDR="10.78.0.1",
        )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["photos"])
    largest = story_limits().photo_max_dimension
    assert f"too many pixels to be a photo we can accept: photos may be at most {largest}" in errors
    assert "invalid-feedback" in response.content.decode()
    assert StoryPage.objects.count() == before
    assert memory["bytes"] < MEMORY_BOUND, f"peak grew by {memory['bytes'] / 2**20:.0f} MB"


def test_an_admin_image_upload_bomb_is_refused_without_decoding(on_world, bomb):
    client = Client(raise_request_exception=False)
    client.force_login(on_world.users["editor"])
    client.get("/admin/images/add/")
    before = get_image_model().objects.count()
    with peak_memory_growth() as memory:
        response = client.post(
            "/admin/images/add/",
            {
                "title": "Huge",
                "file": bomb_upload(bomb),
                "collection": Collection.get_first_root_node().pk,
                "tags": "",
            },
        )
    assert response.status_code == 200
    assert "too many pixels" in response.content.decode()
    assert get_image_model().objects.count() == before
    assert memory["bytes"] < MEMORY_BOUND, f"peak grew by {memory['bytes'] / 2**20:.0f} MB"


def test_an_admin_multiple_upload_bomb_is_refused_without_decoding(on_world, bomb):
    client = Client(raise_request_exception=False)
    client.force_login(on_world.users["editor"])
    client.get("/admin/images/multiple/add/")
    before = get_image_model().objects.count()
    with peak_memory_growth() as memory:
        response = client.post(
            "/admin/images/multiple/add/",
            {"files[]": bomb_upload(bomb)},
            headers={"x-requested-with": "XMLHttpRequest"},
        )
    assert response.status_code == 200
    answer = response.json()
    assert answer["success"] is False
    assert "too many pixels" in answer["error_message"]
    assert get_image_model().objects.count() == before
    assert memory["bytes"] < MEMORY_BOUND, f"peak grew by {memory['bytes'] / 2**20:.0f} MB"


def account_settings(editor, avatar) -> dict:
    """Every panel of Wagtail's account page filled in validly, with this avatar."""
    return {
        "name_email-first_name": "Edith",
        "name_email-last_name": "Editor",
        "name_email-email": editor.email,
        "locale-preferred_language": "",
        "locale-current_time_zone": "Europe/London",
        "theme-theme": "system",
        "theme-density": "default",
        "theme-contrast": "system",
        "avatar-avatar": avatar,
    }


def test_an_admin_avatar_bomb_is_refused_without_decoding(on_world, bomb):
    """Wagtail's account page shrinks any avatar over 400 px: it would decode the bomb.

    (Wagtail's avatar panel shows no field errors, so the refusal is the page coming back
    unsaved where the same settings with a real picture are saved.)
    """
    editor = on_world.users["editor"]
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    saved = client.post(
        "/admin/account/",
        account_settings(editor, bomb_upload(huge_png(600, 500), name="face.png")),
    )
    assert saved.status_code == 302
    assert UserProfile.get_for_user(editor).avatar
    UserProfile.objects.filter(user=editor).update(avatar="")
    with peak_memory_growth() as memory:
        response = client.post("/admin/account/", account_settings(editor, bomb_upload(bomb)))
    assert response.status_code == 200
    assert not UserProfile.get_for_user(editor).avatar
    assert memory["bytes"] < MEMORY_BOUND, f"peak grew by {memory['bytes'] / 2**20:.0f} MB"


def test_django_image_fields_refuse_a_bomb_as_not_a_valid_image(bomb):
    """Any form with Django's ImageField (Wagtail's avatar form is one) says so clearly."""
    form = AvatarPreferencesForm(files={"avatar": bomb_upload(bomb)})
    assert not form.is_valid()
    assert "Upload a valid image" in form.errors["avatar"][0]


def test_a_large_real_photo_within_the_limits_is_still_accepted(on_world):
    """The limits refuse bombs, not photos: a 4,000 x 3,000 PNG story photo goes through."""
    client = Client(raise_request_exception=False)
    client.force_login(on_world.users["supporter"])
    index = on_world.pages["stories_index"]
    photo = bomb_upload(huge_png(4_000, 3_000), name="wide.png")
    response = client.post(
        index.url + index.reverse_subpage("submit"),
        {**story_data(on_world), "photos": [photo]},
        REMOTE_ADDR="10.78.0.2",
    )
    assert response.status_code == 302, response.context["form"].errors
