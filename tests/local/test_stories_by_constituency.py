"""Stories name their constituency (typed in the form) and show on its page and the map."""

import pytest

from cms.models import Constituency
from stories.models import StoryPage
from tests.stories.conftest import submit_url

pytestmark = pytest.mark.django_db


def test_the_story_form_takes_a_constituency_by_name(
    client, supporter, stories_index, story_form_data
):
    client.force_login(supporter)
    data = {**story_form_data, "constituency": "frome and east somerset"}
    response = client.post(submit_url(stories_index), data)
    assert response.status_code == 302
    story = StoryPage.objects.get()
    assert story.constituency == Constituency.objects.get(name="Frome and East Somerset")


def test_an_unknown_constituency_keeps_the_story_form_open(
    client, supporter, stories_index, story_form_data
):
    client.force_login(supporter)
    response = client.post(submit_url(stories_index), {**story_form_data, "constituency": "Xyz"})
    assert response.status_code in (200, 400)
    assert "There is no constituency called “Xyz”" in response.content.decode()
    assert not StoryPage.objects.exists()


def test_published_stories_show_on_their_constituency_page_and_map(
    client, constituency_index, make_story
):
    frome = Constituency.objects.get(name="Frome and East Somerset")
    make_story(title="Frome stood together", constituency=frome)
    make_story(title="A draft", constituency=frome, publish=False)
    html = client.get("/constituencies/frome-and-east-somerset/").content.decode()
    assert "Frome stood together" in html and "A draft" not in html
    html = client.get("/constituencies/map/?show=stories").content.decode()
    assert 'aria-label="Frome and East Somerset: 1 story"' in html
