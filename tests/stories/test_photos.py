"""Testing that only real photos are kept, within limits, and without their location data."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from wagtail.images import get_image_model

from stories.models import StoryPage
from stories.photos import SUBMITTED_PHOTOS_COLLECTION
from tests.stories.conftest import gps_exif, image_bytes, set_story_limits, submit_url


def upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def send(client, index, data, *files):
    return client.post(submit_url(index), {**data, "photos": list(files)})


def test_photos_are_stored_without_gps_or_camera_exif(
    client, supporter, stories_index, story_form_data
):
    original = image_bytes("JPEG", exif=gps_exif())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test photo has GPS
    client.force_login(supporter)

    response = send(client, stories_index, story_form_data, upload("frome.jpg", original))

    assert response.status_code == 302, response.context["form"].errors
    story = StoryPage.objects.get()
    photo = story.photos.get()
    assert photo.image.collection.name == SUBMITTED_PHOTOS_COLLECTION
    with photo.image.open_file() as stored_file:
        stored = Image.open(io.BytesIO(stored_file.read()))
        assert stored.format == "JPEG"
        exif = stored.getexif()
        assert not exif.get_ifd(0x8825)
        assert 0x8825 not in exif
        assert 0x0110 not in exif
        assert "exif" not in stored.info
    assert (photo.image.width, photo.image.height) == (320, 240)


def test_png_and_webp_photos_are_accepted(client, supporter, stories_index, story_form_data):
    client.force_login(supporter)
    response = send(
        client,
        stories_index,
        story_form_data,
        upload("a.png", image_bytes("PNG"), "image/png"),
        upload("b.webp", image_bytes("WEBP"), "image/webp"),
    )
    assert response.status_code == 302, response.context["form"].errors
    formats = sorted(
        p.image.file.name.rsplit(".", 1)[1] for p in StoryPage.objects.get().photos.all()
    )
    assert formats == ["png", "webp"]


def test_a_file_that_is_not_really_an_image_is_refused_with_a_clear_message(
    client, supporter, stories_index, story_form_data
):
    client.force_login(supporter)
    fake = upload("holiday.jpg", b"<script>alert(1)</script> not a jpeg at all")

    response = send(client, stories_index, story_form_data, fake)

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["photos"])
    assert "“holiday.jpg” is not a JPEG, PNG or WebP photo" in errors
    assert "choose your photos again" in errors
    assert not StoryPage.objects.exists()
    assert not get_image_model().objects.exists()
    assert "Frome Together" in response.content.decode()


def test_a_gif_is_refused_even_though_it_is_an_image(
    client, supporter, stories_index, story_form_data
):
    client.force_login(supporter)
    response = send(
        client, stories_index, story_form_data, upload("a.jpg", image_bytes("GIF"), "image/jpeg")
    )
    assert "is not a JPEG, PNG or WebP photo" in " ".join(response.context["form"].errors["photos"])
    assert not StoryPage.objects.exists()


def test_a_photo_over_the_size_limit_is_refused(
    client, supporter, stories_index, story_form_data, settings
):
    set_story_limits(photo_max_bytes=2000)
    client.force_login(supporter)
    big = image_bytes("PNG", size=(400, 400))
    big += b"\0" * (3000 - len(big)) if len(big) < 3000 else b""

    response = send(client, stories_index, story_form_data, upload("big.png", big, "image/png"))

    errors = " ".join(response.context["form"].errors["photos"])
    assert "“big.png” is" in errors
    assert "each photo may be at most 2.0\xa0KB" in errors
    assert not StoryPage.objects.exists()


def test_a_photo_over_the_pixel_limit_is_refused(
    client, supporter, stories_index, story_form_data, settings
):
    set_story_limits(photo_max_dimension=300)
    client.force_login(supporter)
    response = send(
        client, stories_index, story_form_data, upload("wide.jpg", image_bytes(size=(640, 200)))
    )
    errors = " ".join(response.context["form"].errors["photos"])
    assert "640×200 pixels; photos may be at most 300×300 pixels" in errors
    assert not StoryPage.objects.exists()


def test_at_most_five_photos(client, supporter, stories_index, story_form_data):
    client.force_login(supporter)
    photos = [upload(f"p{n}.jpg", image_bytes()) for n in range(6)]
    response = send(client, stories_index, story_form_data, *photos)
    assert "at most 5 photos" in " ".join(response.context["form"].errors["photos"])
    assert not StoryPage.objects.exists()
