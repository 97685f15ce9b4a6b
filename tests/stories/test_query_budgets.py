"""Query budgets of a story's page and of the filtered library: more stories, parties and
places do not mean more SQL queries per view. (The unfiltered library has its test in
test_library.py.)"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import Party

CEILING = 45  # queries for one anonymous view, page cache off


def count_queries(client, url):
    client.get(url)  # warm per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_story_page_queries_do_not_grow_with_related_stories_and_parties(client, make_story):
    story = make_story(parties=("green",))
    make_story()
    few, _ = count_queries(client, story.url)
    story.parties.add(*Party.objects.all())
    story.save_revision().publish()
    for _ in range(12):
        make_story(parties=("green", "labour", "liberal-democrat"))
    many, _ = count_queries(client, story.url)
    assert many <= few, f"queries grew with related stories: {few} -> {many}"
    assert few <= CEILING


def test_filtered_library_queries_do_not_grow_with_stories(
    client, stories_index, make_story, places
):
    url = f"{stories_index.url}?region=south-west&party=green&arrangement=stand-aside"
    make_story(place=places["frome"])
    few, response = count_queries(client, url)
    assert "Story number" in response.content.decode()
    for n in range(25):
        make_story(place=places["frome" if n % 2 else "lancaster"], year=2015 + n % 8)
    many, _ = count_queries(client, url)
    assert many <= few, f"queries grew with stories: {few} -> {many}"
    assert few <= CEILING
