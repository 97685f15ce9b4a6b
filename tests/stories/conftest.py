"""Fixtures for the stories tests: places, the stories index, published stories, photos."""

import io
import itertools

import pytest
from PIL import Image

from cms.models import Party
from stories.models import Place, story_limits
from tests.support.factories import StoriesIndexPageFactory, StoryPageFactory

_counter = itertools.count(1)


@pytest.fixture
def places(db):
    specs = [
        ("South West Surrey", "south-west-surrey", "south-east", "constituency"),
        ("Frome", "frome", "south-west", "council"),
        ("Brighton Pavilion", "brighton-pavilion", "south-east", "constituency"),
        ("Lancaster", "lancaster", "north-west", "council"),
        ("Cardiff North", "cardiff-north", "wales", "devolved"),
    ]
    return {
        slug: Place.objects.create(name=name, slug=slug, region=region, kind=kind)
        for name, slug, region, kind in specs
    }


@pytest.fixture
def stories_index(home):
    return StoriesIndexPageFactory(parent=home)


@pytest.fixture
def make_story(stories_index, places):
    """Create a published story; keyword arguments override the defaults."""

    def create(parties=("green", "labour"), publish=True, **fields):
        number = next(_counter)
        values = {
            "title": f"Story number {number}",
            "slug": f"story-{number}",
            "group_name": f"Group {number}",
            "place": places["frome"],
            "arrangement": "stand-aside",
            "outcome": "won",
            "year": 2019,
            "body": f"How group {number} worked together across parties. " * 5,
        }
        values.update(fields)
        return StoryPageFactory(
            parent=stories_index,
            publish=publish,
            parties=Party.objects.filter(slug__in=parties),
            **values,
        )

    return create


def image_bytes(image_format="JPEG", size=(320, 240), exif=None, colour=(200, 30, 60)):
    image = Image.new("RGB", size, colour)
    output = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    image.save(output, format=image_format, **options)
    return output.getvalue()


def gps_exif():
    """EXIF with a GPS position (Frome, roughly) and a camera model."""
    exif = Image.Exif()
    exif[0x0110] = "Test Camera Model"  # Model
    gps = {
        1: "N",
        2: (51.0, 13.0, 48.0),
        3: "W",
        4: (2.0, 19.0, 12.0),
    }
    exif[0x8825] = gps  # GPSInfo IFD
    return exif


@pytest.fixture
def story_form_data(places):
    green, labour = Party.objects.filter(slug__in=["green", "labour"]).order_by("slug")
    return {
        "title": "How Frome's parties stood together",
        "group_name": "Frome Together",
        "place": str(places["frome"].pk),
        "parties": [str(green.pk), str(labour.pk)],
        "arrangement": "stand-aside",
        "election": "2019 general election",
        "year": "2019",
        "outcome": "won",
        "body": (
            "We started with a meeting in the back room of a pub. Greens and Labour members "
            "had never sat down together before, but we agreed on a shared charter.\n\n"
            "After three months of talks the Labour candidate stood aside and we campaigned "
            "together door to door. See https://example.org/frome for our leaflet."
        ),
        "contact_email": "group@example.org",
        "consent": "on",
        "website": "",
    }


def submit_url(index):
    return index.url + index.reverse_subpage("submit")


def set_story_limits(**values):
    """Change the stories' limits as an editor would (Settings → Stories), default site."""
    limits = story_limits()
    for name, value in values.items():
        setattr(limits, name, value)
    limits.save()
    return limits
