"""Testing that the home page editors shape shows the hero photo, the crowdfund's progress,
participation figures, calls to action and the latest stories with their photos."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from PIL import Image as PillowImage
from wagtail.images.models import Image
from wagtail.models import Page

from cms.demo.images import gathering_jpeg
from cms.figures import participation_figures
from cms.models import HomePage
from crowdfund.ledger import record_offline
from crowdfund.models import Method
from stories.models import StoryPhoto
from tests.cms.conftest import count_queries
from tests.conftest import make_user
from tests.crowdfund.conftest import make_crowdfund, make_donation
from tests.stories.conftest import make_story, places, stories_index

__all__ = ["make_story", "places", "stories_index"]  # fixtures used here


def make_image(title="Hero", description="", size=(1600, 1000)):
    picture = PillowImage.new("RGB", size, (90, 40, 130))
    output = io.BytesIO()
    picture.save(output, format="JPEG")
    image = Image(title=title, description=description)
    image.file = ImageFile(io.BytesIO(output.getvalue()), name=f"{title.lower()}.jpg")
    image.save()
    return image


def publish(home):
    home.save_revision().publish()
    return HomePage.objects.get(pk=home.pk)


@pytest.fixture
def page_cache_off(settings):
    settings.PAGE_CACHE_SECONDS = 0


def test_hero_photo_is_shown_with_its_alternative_text_and_size(client, home, page_cache_off):
    home.hero_image = make_image()
    home.hero_image_alt = "Supporters of five parties at a meeting in Frome"
    publish(home)
    html = client.get("/").content.decode()
    assert 'alt="Supporters of five parties at a meeting in Frome"' in html
    hero = html[html.index('class="hero-photo"') :]
    hero = hero[: hero.index(">", hero.index("<img"))]
    assert 'width="640"' in hero and 'height="400"' in hero  # the box is known before it loads
    assert "srcset=" in hero


def test_a_hero_photo_without_any_description_is_refused(home):
    home.hero_image = make_image(description="")
    home.hero_image_alt = ""
    with pytest.raises(ValidationError) as refused:
        home.full_clean()
    assert "hero_image_alt" in refused.value.message_dict


def test_the_images_own_description_is_the_alternative_text_when_none_is_given(
    client, home, page_cache_off
):
    home.hero_image = make_image(description="A packed hall in Brighton")
    publish(home)
    assert 'alt="A packed hall in Brighton"' in client.get("/").content.decode()


def test_the_chosen_crowdfund_shows_its_total_from_the_ledger(client, home, page_cache_off):
    crowdfund = make_crowdfund(home, target_pence=500_000)
    gift = make_donation(crowdfund, amount_pence=125_000, method=Method.CHEQUE)
    record_offline(gift)
    home.crowdfund = Page.objects.get(pk=crowdfund.pk)
    publish(home)
    html = client.get("/").content.decode()
    assert "£1,250" in html and "£5,000" in html
    assert 'value="25"' in html  # the progress bar: 25% of the target
    assert f'href="{crowdfund.url}"' in html


def test_an_unpublished_crowdfund_is_not_shown(client, home, page_cache_off):
    crowdfund = make_crowdfund(home, title="Secret appeal")
    home.crowdfund = Page.objects.get(pk=crowdfund.pk)
    publish(home)
    crowdfund.unpublish()
    assert "Secret appeal" not in client.get("/").content.decode()


def test_figures_count_supporters_stories_and_meetings(
    home, supporter, other_supporter, unverified, make_event
):
    make_event("Brighton meeting", 3)
    make_event("Frome meeting", 5)
    figures = {figure["name"]: figure["value"] for figure in participation_figures()}
    assert figures["supporters"] == 2  # the unverified account is not a supporter
    assert figures["meetings"] == 2
    assert figures["stories"] == 0
    assert {"amendments", "votes"} <= set(figures)


def test_figures_are_shown_and_can_be_turned_off(client, home, supporter, page_cache_off):
    html = client.get("/").content.decode()
    assert 'id="figures-heading"' in html and "supporters" in html
    home.show_figures = False
    publish(home)
    assert 'id="figures-heading"' not in client.get("/").content.decode()


def test_calls_to_action_link_where_the_editor_chose(client, home, page_cache_off):
    crowdfund = make_crowdfund(home)
    home.calls_to_action = [
        (
            "action",
            {
                "heading": "Join",
                "text": "Sign up.",
                "link_url": "/accounts/signup/",
                "button_label": "Join us",
            },
        ),
        (
            "action",
            {"heading": "Give", "text": "Fund it.", "link_page": crowdfund, "button_label": "Give"},
        ),
    ]
    publish(home)
    html = client.get("/").content.decode()
    assert 'href="/accounts/signup/">Join us</a>' in html
    assert f'href="{crowdfund.url}">Give</a>' in html


def test_latest_stories_show_their_first_photo_lazily_with_alt_text(
    client, home, make_story, page_cache_off
):
    story = make_story(title="Frome's independents")
    StoryPhoto.objects.create(
        page=story, image=make_image("Meeting", size=(900, 600)), caption="The first meeting"
    )
    make_story(title="A story with no photo")
    html = client.get("/").content.decode()
    section = html[html.index('id="home-stories-heading"') :]
    assert "Frome&#x27;s independents" in section and "A story with no photo" in section
    assert section.count("<img") == 1
    image = section[section.index("<img") : section.index(">", section.index("<img"))]
    assert 'alt="The first meeting"' in image
    assert 'loading="lazy"' in image
    assert 'width="400"' in image and 'height="225"' in image


def test_home_page_queries_do_not_grow_with_stories_photos_and_supporters(
    client, home, make_story, page_cache_off
):
    crowdfund = make_crowdfund(home)
    home.crowdfund = Page.objects.get(pk=crowdfund.pk)
    home.hero_image = make_image(description="A hall")
    publish(home)

    def add(start, stop):
        for n in range(start, stop):
            story = make_story(title=f"Story {n}")
            StoryPhoto.objects.create(page=story, image=make_image(f"Photo {n}", size=(800, 450)))
            make_user(f"person{n}@example.com", "Supporters")

    add(0, 1)
    few, _ = count_queries(client, "/")
    add(1, 6)
    many, response = count_queries(client, "/")
    assert response.content.decode().count('class="card story-card"') == 3
    assert many <= few, f"queries grew with the rows: {few} -> {many}"


def test_the_figures_are_a_shared_part_purged_when_content_is_published(
    client, home, supporter, page_cache_off, settings
):
    """Counted once for everyone: a new supporter shows after the next publish (the
    existing purge), not on every view."""
    settings.FRAGMENT_CACHE_SECONDS = 600
    assert "<strong>1</strong> <span>supporters</span>" in client.get("/").content.decode()
    make_user("second@example.com", "Supporters")
    assert "<strong>1</strong> <span>supporters</span>" in client.get("/").content.decode()
    publish(home)
    assert "<strong>2</strong> <span>supporters</span>" in client.get("/").content.decode()


def test_demo_hero_drawing_is_a_real_jpeg():
    picture = PillowImage.open(io.BytesIO(gathering_jpeg(320, 200, seed=3)))
    assert (picture.format, picture.size) == ("JPEG", (320, 200))


def test_an_editor_shapes_the_home_page_in_the_admin(client, editor, home):
    """The editing form has the new panels, and publishing through it keeps the choices."""
    from django.urls import reverse
    from wagtail.test.utils.form_data import nested_form_data, streamfield

    crowdfund = make_crowdfund(home)
    image = make_image(description="People in a hall")
    client.force_login(editor)
    edit_url = reverse("wagtailadmin_pages:edit", args=[home.pk])
    form = client.get(edit_url).content.decode()
    for name in ("hero_image", "hero_image_alt", "crowdfund", "show_figures"):
        assert f'name="{name}"' in form
    assert 'id="calls_to_action' in form  # the StreamField's editor
    data = nested_form_data(
        {
            "title": home.title,
            "slug": home.slug,
            "hero_title": "Meet locally, decide together",
            "hero_text": "",
            "hero_image": image.pk,
            "hero_image_alt": "",
            "featured_page": "",
            "crowdfund": crowdfund.pk,
            "show_figures": "on",
            "calls_to_action": streamfield(
                [
                    (
                        "action",
                        {
                            "heading": "Give",
                            "text": "Fund the hub.",
                            "link_page": crowdfund.pk,
                            "link_url": "",
                            "button_label": "Give now",
                        },
                    )
                ]
            ),
            "body": streamfield([]),
            "comments-TOTAL_FORMS": "0",
            "comments-INITIAL_FORMS": "0",
            "comments-MIN_NUM_FORMS": "0",
            "comments-MAX_NUM_FORMS": "1000",
            "action-publish": "action-publish",
        }
    )
    response = client.post(edit_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    home = HomePage.objects.get(pk=home.pk)
    assert (home.hero_image_id, home.crowdfund_id) == (image.pk, crowdfund.pk)
    assert home.calls_to_action[0].value["button_label"] == "Give now"
