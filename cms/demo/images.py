"""Demo images drawn with Pillow (already a Wagtail dependency), so no file is downloaded."""

from io import BytesIO

from django.core.files.images import ImageFile
from PIL import Image as PillowImage
from PIL import ImageDraw
from wagtail.images.models import Image

# One colour per shared value; all darker than the white background by a wide margin.
VALUE_COLOURS = ["#5b2a86", "#a1004c", "#2e7d32", "#b35900", "#005b45"]


def five_circles_png(width: int = 1200, height: int = 630) -> bytes:
    """Five overlapping circles on white: the five shared values, none above the others."""
    picture = PillowImage.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(picture, "RGBA")
    radius = height // 4
    step = (width - 2 * radius) // 6
    for number, colour in enumerate(VALUE_COLOURS):
        centre_x = radius + step * (number + 1)
        centre_y = height // 2 + (radius // 3 if number % 2 else -radius // 3)
        red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        draw.ellipse(
            (centre_x - radius, centre_y - radius, centre_x + radius, centre_y + radius),
            fill=(red, green, blue, 170),
        )
    output = BytesIO()
    picture.save(output, format="PNG")
    return output.getvalue()


def demo_image(title: str, filename: str, content: bytes) -> Image:
    """The image with this title, created once."""
    image = Image.objects.filter(title=title).first()
    if image is None:
        image = Image(title=title)
        image.file = ImageFile(BytesIO(content), name=filename)
        image.save()
    return image
