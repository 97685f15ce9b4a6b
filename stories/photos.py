"""Checking and cleaning the photos people send with a story.

A file counts as a photo only if Pillow can really decode it as JPEG, PNG or WebP; the
name and the declared content type are ignored. Its declared size is checked from the
header before a pixel is decoded (decompression bombs, cms/image_limits.py). Every
accepted photo is re-encoded from its pixels alone, so EXIF (GPS position, camera serial
numbers), XMP and text chunks are gone before anything is stored.
"""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
SUBMITTED_PHOTOS_COLLECTION = "Submitted photos"


@dataclass
class CleanPhoto:
    """A photo that passed the checks: re-encoded bytes and what is known about them."""

    content: bytes
    extension: str
    width: int
    height: int
    original_name: str

    def as_file(self, stem: str) -> ImageFile:
        return ImageFile(io.BytesIO(self.content), name=f"{stem}.{self.extension}")


def check_and_clean_photo(upload, limits) -> CleanPhoto:
    """Return the re-encoded photo, or raise ValidationError saying what is wrong with it.

    `limits` are the stories' limits (stories.models.story_limits).
    """
    name = getattr(upload, "name", "photo")
    max_bytes = limits.photo_max_bytes
    if upload.size > max_bytes:
        raise ValidationError(
            f"“{name}” is {filesizeformat(upload.size)}; each photo may be at most "
            f"{filesizeformat(max_bytes)}."
        )
    # The header alone says how many pixels there are: check that before decoding any, so a
    # small file declaring 9,400 x 9,400 pixels (265 MB once decoded) costs nothing.
    largest = limits.photo_max_dimension
    check_dimensions(read_header(upload, name, largest), name, limits)
    image = decode(upload, name, largest)
    return reencode_without_metadata(image, name)


def not_an_image(name: str) -> ValidationError:
    return ValidationError(
        f"“{name}” is not a JPEG, PNG or WebP photo (whatever its name says). "
        "Please choose a photo in one of those formats."
    )


def too_many_pixels(name: str, largest: int) -> ValidationError:
    return ValidationError(
        f"“{name}” has too many pixels to be a photo we can accept: photos may be at most "
        f"{largest}×{largest} pixels."
    )


def read_header(upload, name: str, largest: int) -> Image.Image:
    """Open the photo lazily: Pillow reads its format and size, not its pixels.

    Pillow itself refuses more than IMAGE_MAX_PIXELS (cms/image_limits.py); below that,
    check_dimensions says how large the photo is and what is allowed.
    """
    try:
        upload.seek(0)
        probe = Image.open(upload)
    except Image.DecompressionBombError:
        raise too_many_pixels(name, largest)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image(name)
    if probe.format not in ALLOWED_FORMATS:
        raise not_an_image(name)
    return probe


def decode(upload, name: str, largest: int) -> Image.Image:
    """Check the file's structure, then decode its pixels (only once its size is known)."""
    try:
        upload.seek(0)
        Image.open(upload).verify()
        upload.seek(0)
        image = Image.open(upload)
        image.load()
    except Image.DecompressionBombError:
        raise too_many_pixels(name, largest)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image(name)
    return image


def check_dimensions(image: Image.Image, name: str, limits) -> None:
    largest = limits.photo_max_dimension
    smallest = limits.photo_min_dimension
    width, height = image.size
    if width > largest or height > largest:
        raise ValidationError(
            f"“{name}” is {width}×{height} pixels; photos may be at most "
            f"{largest}×{largest} pixels."
        )
    if width < smallest or height < smallest:
        raise ValidationError(
            f"“{name}” is only {width}×{height} pixels; photos need at least "
            f"{smallest} pixels on each side."
        )


def reencode_without_metadata(image: Image.Image, name: str) -> CleanPhoto:
    """Rotate upright (the EXIF orientation is lost next), then save only the pixels."""
    image_format = image.format
    upright = ImageOps.exif_transpose(image)
    if image_format == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    output = io.BytesIO()
    options = {"quality": 88} if image_format in ("JPEG", "WEBP") else {"optimize": True}
    # No exif=, icc_profile= or pnginfo= arguments: Pillow writes none of the old metadata.
    upright.save(output, format=image_format, **options)
    return CleanPhoto(
        content=output.getvalue(),
        extension=ALLOWED_FORMATS[image_format],
        width=upright.width,
        height=upright.height,
        original_name=name,
    )


def submitted_photos_collection():
    """The collection submitted photos go in, so editors can find (and bulk-delete) them."""
    from wagtail.models import Collection

    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=SUBMITTED_PHOTOS_COLLECTION).first()
    return existing or root.add_child(name=SUBMITTED_PHOTOS_COLLECTION)


def save_as_wagtail_image(photo: CleanPhoto, title: str, stem: str, user=None):
    from wagtail.images import get_image_model

    image_model = get_image_model()
    return image_model.objects.create(
        title=title[:255],
        file=photo.as_file(stem),
        collection=submitted_photos_collection(),
        uploaded_by_user=user,
    )
