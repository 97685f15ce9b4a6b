"""How many pixels an image may declare before anything decodes it.

An image's pixels cost memory only when they are decoded, and its header says how many
there are: a 9,400 x 9,400 PNG of 344 KB decodes to 265 MB. The story form checks the
declared size itself before decoding (stories/photos.py). Everything else that opens an
image goes through Pillow, so Pillow is made to refuse, from the header, any image over
IMAGE_MAX_PIXELS: Wagtail's image uploads (its pixel check, WAGTAILIMAGES_MAX_IMAGE_PIXELS,
decodes the whole image through Willow before it counts), Wagtail's avatar form (which
shrinks any picture over 400 px), Django's ImageField, renditions.
"""

import warnings

from django.conf import settings
from PIL import Image


def limit_decoded_pixels() -> None:
    """Make Image.open raise DecompressionBombError for more than IMAGE_MAX_PIXELS pixels.

    Pillow raises above twice MAX_IMAGE_PIXELS (an error, whatever the warning filters
    say) and only warns between once and twice, so MAX_IMAGE_PIXELS is half the limit and
    the warning, which would only be noise below the limit, is silenced.
    """
    Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS // 2
    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
