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


def gathering_jpeg(width: int = 1600, height: int = 1000, seed: int = 0) -> bytes:
    """An illustration of people gathered in rows, in the five values' colours.

    Drawn rather than photographed so the demo ships no one's likeness; `seed` varies the
    sky and the order of the people so each picture is different.
    """
    import random

    chooser = random.Random(seed)
    skies = [("#f6e7d8", "#d9c6e8"), ("#dff0e6", "#c9dcf0"), ("#fbe6ea", "#e4dcf5")]
    top, bottom = skies[seed % len(skies)]
    picture = PillowImage.new("RGB", (width, height), top)
    draw = ImageDraw.Draw(picture, "RGBA")
    top_rgb = [int(top[i : i + 2], 16) for i in (1, 3, 5)]
    bottom_rgb = [int(bottom[i : i + 2], 16) for i in (1, 3, 5)]
    for y in range(height):
        mix = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(a + (b - a) * mix) for a, b in zip(top_rgb, bottom_rgb, strict=True)),
        )
    rows = 4
    for row in range(rows):
        scale = 0.55 + 0.18 * row  # nearer rows are larger
        head = int(height * 0.05 * scale)
        spacing = int(head * 3.2)
        base_y = int(height * (0.42 + 0.17 * row))
        offset = chooser.randint(0, spacing)
        for x in range(-offset, width + spacing, spacing):
            colour = chooser.choice(VALUE_COLOURS)
            red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
            skin = chooser.choice([(92, 58, 40), (141, 85, 36), (198, 134, 66), (224, 172, 105)])
            centre_x = x + chooser.randint(-head // 2, head // 2)
            draw.rounded_rectangle(
                (centre_x - head * 1.3, base_y, centre_x + head * 1.3, base_y + head * 4),
                radius=head,
                fill=(red, green, blue, 255),
            )
            draw.ellipse(
                (centre_x - head, base_y - head * 2.1, centre_x + head, base_y - head * 0.1),
                fill=(*skin, 255),
            )
    output = BytesIO()
    picture.save(output, format="JPEG", quality=82)
    return output.getvalue()


def described_image(title: str, filename: str, content: bytes, description: str) -> Image:
    """`demo_image`, with its alternative text (Wagtail's image description) set."""
    image = demo_image(title, filename, content)
    if image.description != description:
        image.description = description
        image.save(update_fields=["description"])
    return image
