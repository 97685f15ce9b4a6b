"""Testing that the library is a shared page part only for plain filters.

Each combination of filters and page has its own part; search words, repeated or odd
values never reach one (what a visitor typed is never shown to the next), and a story
published or unpublished shows at once.
"""

import pytest
from django.test import Client

from tests.stories.test_library import library  # noqa: F401  (the six stories)


@pytest.fixture
def parts_on(settings):
    settings.FRAGMENT_CACHE_SECONDS = 600


def html(url, **params):
    return Client().get(url, params).content.decode()


def test_each_combination_of_filters_has_its_own_part(parts_on, stories_index, library):  # noqa: F811
    url = stories_index.url
    for _ in range(2):  # the second time from the shared parts
        everything = html(url)
        assert "Surrey council" in everything and "Cardiff joint" in everything
        welsh = html(url, region="wales")
        assert "Cardiff joint" in welsh and "Surrey council" not in welsh
        both = html(url, region="south-east", arrangement="stand-aside")
        assert "Surrey stand-aside" in both and "Brighton endorsement" not in both


def test_search_words_are_never_shared(parts_on, stories_index, library):  # noqa: F811
    url = stories_index.url
    assert "Frome independents" in html(url, q="Frome")
    plain = html(url)
    assert 'value="Frome"' not in plain
    assert 'value="Frome"' in html(url, q="Frome")


@pytest.mark.parametrize(
    "query",
    ["region=wales&region=south-east", "region=<script>", "page=2&utm_source=mail"],
)
def test_odd_addresses_render_afresh(parts_on, stories_index, library, query):  # noqa: F811
    response = Client().get(f"{stories_index.url}?{query}")
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()
    if "utm_source" in query:  # the pagination links would repeat it to everyone
        assert "utm_source" not in html(stories_index.url, page="2")


def test_a_story_published_or_unpublished_shows_at_once(
    parts_on,
    stories_index,
    library,  # noqa: F811
    make_story,
):
    url = stories_index.url
    assert "A late arrival" not in html(url)
    story = make_story(title="A late arrival", body="Told after the others, in plain words. " * 6)
    assert "A late arrival" in html(url)
    story.unpublish()
    assert "A late arrival" not in html(url)
