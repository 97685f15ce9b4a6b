"""Testing that story cards show the story's first photo (a rendition with its alternative
text, lazily loaded and sized), that the library's queries do not grow with photos, and
that sending a story ends with plain share links."""

import io
import re

from django.core.files.images import ImageFile
from wagtail.images.models import Image

from stories.models import StoryPhoto
from tests.stories.conftest import image_bytes, submit_url
from tests.stories.test_query_budgets import count_queries


def add_photo(story, caption="", description="", sort_order=0, colour=(200, 30, 60)):
    image = Image(title=f"Photo of {story.title}", description=description)
    image.file = ImageFile(io.BytesIO(image_bytes(size=(900, 600), colour=colour)), name="p.jpg")
    image.save()
    return StoryPhoto.objects.create(
        page=story, image=image, caption=caption, sort_order=sort_order
    )


def card_of(html: str, title: str) -> str:
    start = html.index(title)
    start = html.rindex('<li class="card story-card">', 0, start)
    return html[start : html.index("</li>", start)]


def test_a_card_shows_the_first_photo_with_its_caption_as_alternative_text(
    client, stories_index, make_story
):
    story = make_story(title="Frome's independents")
    add_photo(story, caption="Second photo", sort_order=1)
    add_photo(story, caption="The first meeting in the town hall", sort_order=0)
    card = card_of(client.get(stories_index.url).content.decode(), "Frome&#x27;s independents")
    assert card.count("<img") == 1
    image = re.search(r"<img[^>]*>", card).group(0)
    assert 'alt="The first meeting in the town hall"' in image
    assert 'loading="lazy"' in image
    assert 'width="400"' in image and 'height="225"' in image  # no layout shift
    assert "800w" in image  # a sharper rendition for dense screens


def test_without_a_caption_the_image_description_is_the_alternative_text(
    client, stories_index, make_story
):
    story = make_story(title="Lancaster")
    add_photo(story, description="Volunteers with leaflets outside the station")
    card = card_of(client.get(stories_index.url).content.decode(), "Lancaster")
    assert 'alt="Volunteers with leaflets outside the station"' in card


def test_a_story_without_photos_has_a_card_without_an_image(client, stories_index, make_story):
    make_story(title="No photo here")
    card = card_of(client.get(stories_index.url).content.decode(), "No photo here")
    assert "<img" not in card


def test_library_queries_do_not_grow_with_stories_and_their_photos(
    client, stories_index, make_story
):
    add_photo(make_story())
    few, _ = count_queries(client, stories_index.url)
    for number in range(8):
        story = make_story()
        add_photo(story, sort_order=0, colour=(number * 20, 80, 90))
        add_photo(story, sort_order=1)
    many, response = count_queries(client, stories_index.url)
    assert response.content.decode().count('<div class="card-photo">') >= 9
    assert many <= few, f"queries grew with photos: {few} -> {many}"


def test_after_sending_a_story_plain_share_links_invite_other_groups(
    client, supporter, stories_index, story_form_data, mail_via_celery
):
    client.force_login(supporter)
    with mail_via_celery():
        response = client.post(submit_url(stories_index), story_form_data)
    html = client.get(response["Location"]).content.decode()
    share_form = "http://testserver" + submit_url(stories_index)
    assert f'value="{share_form}"' in html  # the address to copy
    assert "https://x.com/intent/post?" in html
    assert "https://bsky.app/intent/compose?" in html
    assert "https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2Ftestserver" in html
    assert "https://wa.me/?text=" in html
    assert "mailto:?subject=" in html
    assert "<script" not in html.split("<main", 1)[1]
