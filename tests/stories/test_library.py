"""Testing the library of published stories: filters, counts, search, pages and summaries."""

import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.models import Party
from stories.models import StoryPage
from tests.stories.conftest import set_story_limits


def titles(response):
    return {story.title for story in response.context["stories"]}


def facet(response, name):
    return {option["value"]: option["count"] for option in response.context["facets"][name]}


@pytest.fixture
def library(make_story, places):
    """Six stories across places, parties, arrangements, outcomes and years."""
    specs = [
        (
            "Surrey council",
            "south-west-surrey",
            ("green", "liberal-democrat"),
            "council-coalition",
            "won",
            2023,
        ),
        (
            "Surrey stand-aside",
            "south-west-surrey",
            ("green", "labour"),
            "stand-aside",
            "lost",
            2017,
        ),
        (
            "Brighton endorsement",
            "brighton-pavilion",
            ("green", "labour"),
            "endorsement",
            "won",
            2019,
        ),
        (
            "Frome independents",
            "frome",
            ("labour", "liberal-democrat"),
            "council-coalition",
            "won",
            2019,
        ),
        ("Lancaster tactical", "lancaster", ("labour", "green"), "tactical", "ongoing", 2024),
        (
            "Cardiff joint",
            "cardiff-north",
            ("plaid-cymru", "labour"),
            "joint-candidate",
            "lost",
            2021,
        ),
    ]
    for title, place, parties, arrangement, outcome, year in specs:
        make_story(
            title=title,
            place=places[place],
            parties=parties,
            arrangement=arrangement,
            outcome=outcome,
            year=year,
            body=f"{title}: what happened, told in plain words. " * 6,
        )
    make_story(title="Unpublished draft", publish=False, body="A draft nobody may see yet. " * 9)


def test_only_published_stories_are_listed(client, stories_index, library):
    response = client.get(stories_index.url)
    assert len(titles(response)) == 6
    assert "Unpublished draft" not in titles(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            {"region": "south-east"},
            {"Surrey council", "Surrey stand-aside", "Brighton endorsement"},
        ),
        ({"region": "south-east", "party": "liberal-democrat"}, {"Surrey council"}),
        ({"region": "south-east", "outcome": "won"}, {"Surrey council", "Brighton endorsement"}),
        ({"arrangement": "council-coalition", "year": "2019"}, {"Frome independents"}),
        ({"party": "green", "outcome": "won", "year": "2019"}, {"Brighton endorsement"}),
        ({"place": "south-west-surrey", "arrangement": "stand-aside"}, {"Surrey stand-aside"}),
        ({"region": "wales", "party": "green"}, set()),
        ({"party": "labour", "q": "Brighton"}, {"Brighton endorsement"}),
    ],
)
def test_filters_combine(client, stories_index, library, query, expected):
    assert titles(client.get(stories_index.url, query)) == expected


def test_each_filter_value_shows_how_many_stories_it_would_give(client, stories_index, library):
    response = client.get(stories_index.url, {"region": "south-east"})

    # Counts for region ignore the chosen region; counts for the others respect it.
    assert facet(response, "region")["south-east"] == 3
    assert facet(response, "region")["wales"] == 1
    assert facet(response, "party") == {"green": 3, "labour": 2, "liberal-democrat": 1}
    assert facet(response, "outcome") == {"won": 2, "lost": 1, "ongoing": 0, "not-an-election": 0}
    assert facet(response, "year") == {2023: 1, 2019: 1, 2017: 1}
    html = response.content.decode()
    assert '<option value="south-east" selected>South East (3)</option>' in html


def test_nonsense_filters_do_not_break_the_page(client, stories_index, library):
    response = client.get(stories_index.url, {"year": "abc", "party": "<script>", "page": "x"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main")[1]


def test_pages_keep_the_filters(client, stories_index, make_story, settings):
    set_story_limits(per_page=2)
    for number in range(5):
        make_story(arrangement="endorsement", body=f"Endorsement story {number}. " * 10)
    make_story(arrangement="tactical", body="Tactical story. " * 10)

    response = client.get(stories_index.url, {"arrangement": "endorsement", "outcome": "won"})

    assert response.context["stories"].paginator.count == 5
    html = response.content.decode()
    assert 'href="?arrangement=endorsement&amp;outcome=won&amp;page=2"' in html
    second = client.get(
        stories_index.url, {"arrangement": "endorsement", "outcome": "won", "page": 2}
    )
    assert len(titles(second)) == 2


def fast_stories(stories_index, places, count, prefix="bulk"):
    """Many published stories without revisions (the listing only reads the page rows)."""
    parties = list(Party.objects.filter(slug__in=["green", "labour", "snp"]))
    place_cycle = itertools.cycle(places.values())
    arrangements = ["stand-aside", "endorsement", "tactical", "council-coalition"]
    now = timezone.now()
    for number in range(count):
        story = StoryPage(
            title=f"{prefix} story {number}",
            slug=f"{prefix}-{number}",
            group_name=f"{prefix} group {number}",
            place=next(place_cycle),
            arrangement=arrangements[number % 4],
            outcome=["won", "lost"][number % 2],
            year=2015 + number % 10,
            body=f"{prefix} story {number} about working together. " * 6,
            live=True,
            first_published_at=now,
            last_published_at=now,
        )
        story.parties.set(parties[: 1 + number % 3])
        stories_index.add_child(instance=story)


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


LIBRARY_VIEWS = [{}, {"party": "green", "outcome": "won"}, {"q": "together"}]


def test_the_library_makes_as_many_queries_for_200_stories_as_for_10(
    client, stories_index, places, settings
):
    """Plain, filtered and searched: each view of the library counted at both sizes."""
    set_story_limits(per_page=50)  # so a page of the big library holds more rows than the small
    # The work behind the shared caches: the stories here are added without a publish.
    settings.PAGE_CACHE_SECONDS = 0
    settings.FRAGMENT_CACHE_SECONDS = 0
    fast_stories(stories_index, places, 10)
    client.get(stories_index.url)  # warm Wagtail's per-site caches
    small = [count_queries(client, stories_index.url, params) for params in LIBRARY_VIEWS]

    fast_stories(stories_index, places, 190, prefix="more")
    assert StoryPage.objects.live().count() == 200
    client.get(stories_index.url)  # new pages drop the site-wide cache entry: refill it
    large = [count_queries(client, stories_index.url, params) for params in LIBRARY_VIEWS]

    assert large == small
    print(f"library queries (plain, filtered, searched) for 10 and 200 stories: {small}, {large}")


def test_a_story_shows_its_facts_and_links_to_similar_stories(client, stories_index, library):
    story = StoryPage.objects.get(title="Surrey council")
    html = client.get(story.url).content.decode()

    summary = html.split('class="story-summary"')[1].split("</aside>")[0]
    assert "<dt>Place</dt><dd>South West Surrey" in summary
    assert "<dt>Region</dt><dd>South East</dd>" in summary
    assert "<dt>Arrangement</dt><dd>Council coalition</dd>" in summary
    assert "<dt>Outcome</dt><dd>Won</dd>" in summary
    assert "Green, Liberal Democrat" in summary
    related = html.split('class="related-stories"')[1]
    assert "Surrey stand-aside" in related  # same region
    assert "Brighton endorsement" in related  # same region
    assert "Frome independents" in related  # same arrangement
    assert "Lancaster tactical" not in related
    assert "Unpublished draft" not in related


def test_alliances_at_a_glance_counts_by_region_arrangement_and_outcome(
    client, stories_index, library
):
    response = client.get(stories_index.url + "at-a-glance/")
    html = response.content.decode()

    table = response.context["by_arrangement"]
    south_east = next(row for row in table.rows if row["region"] == "South East")
    labels = [label for _, label in table.columns]
    assert dict(zip(labels, south_east["cells"], strict=True))["Council coalition"] == 1
    assert south_east["total"] == 3
    assert table.grand_total == 6
    outcomes = response.context["by_outcome"]
    wales = next(row for row in outcomes.rows if row["region"] == "Wales")
    assert (
        dict(zip([label for _, label in outcomes.columns], wales["cells"], strict=True))["Lost"]
        == 1
    )
    assert '<svg role="img" aria-labelledby="chart-title chart-desc"' in html
    assert "<caption>Published stories by region and outcome</caption>" in html
    assert '<th scope="row">South East</th>' in html
    assert "<script" not in html.split("<main")[1]
    ET.fromstring(re.search(r"<svg.*?</svg>", html, re.S).group(0))  # noqa: S314 (our own output)


def test_the_feed_lists_newly_published_stories_newest_first(client, stories_index, library):
    response = client.get(stories_index.url + "feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 (our own output)
    namespace = {"atom": "http://www.w3.org/2005/Atom"}
    entries = [
        entry.find("atom:title", namespace).text for entry in feed.findall("atom:entry", namespace)
    ]
    assert len(entries) == 6
    assert entries[0] == "Cardiff joint"
    assert "Unpublished draft" not in entries


def test_a_filter_that_is_not_understood_is_ignored_alone(client, stories_index, library):
    response = client.get(stories_index.url, {"region": "south-east", "year": "1066"})
    assert titles(response) == {"Surrey council", "Surrey stand-aside", "Brighton endorsement"}
    assert "Some filters were not understood" in response.content.decode()
