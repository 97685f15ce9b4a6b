"""The constituency list, each constituency's page and the hexagon map."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import Constituency
from tests.local.conftest import Position, add_position

pytestmark = pytest.mark.django_db

HEX_LINK = re.compile(r'<a href="/constituencies/([a-z0-9-]+)/" aria-label="([^"]+)">')


def test_the_list_groups_all_650_by_region_and_searches_by_name(client, constituency_index):
    response = client.get("/constituencies/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('href="/constituencies/') >= 650
    assert '<h2 id="region-1">North East</h2>' in html
    response = client.get("/constituencies/?q=frome")
    html = response.content.decode()
    assert 'href="/constituencies/frome-and-east-somerset/"' in html
    assert 'href="/constituencies/stroud/"' not in html
    assert "1 constituency with" in html


def test_a_search_that_matches_nothing_says_so(client, constituency_index):
    response = client.get("/constituencies/?q=%3Cscript%3Enowhere")
    assert response.status_code == 200
    assert "No constituency has “&lt;script&gt;nowhere”" in response.content.decode()


def test_a_constituency_page_shows_groups_and_positions(
    client, constituency_index, frome_group, stroud_group
):
    add_position("Frome and East Somerset", "green", Position.STANDING_ASIDE, "liberal-democrat")
    add_position("Frome and East Somerset", "labour", Position.TARGET)
    html = client.get("/constituencies/frome-and-east-somerset/").content.decode()
    assert "<h1>Frome and East Somerset</h1>" in html
    assert "Frome Alliance" in html and "Stroud Together" not in html
    assert "Standing aside for Liberal Democrat" in html
    assert "Target seat" in html
    assert 'href="https://example.org/announcement"' in html
    assert "No story from here yet." in html


def test_an_unknown_constituency_is_not_found(client, constituency_index):
    assert client.get("/constituencies/atlantis/").status_code == 404


def test_the_map_has_exactly_one_link_per_constituency(client, constituency_index):
    html = client.get("/constituencies/map/").content.decode()
    slugs = [match[0] for match in HEX_LINK.findall(html)]
    assert len(slugs) == 650
    assert set(slugs) == set(Constituency.objects.values_list("slug", flat=True))
    assert "Hexagon layout: Open Innovations, MIT licence" in html


def test_the_map_colours_by_a_partys_position_and_tables_it(client, constituency_index):
    add_position("Stroud", "green", Position.STANDING)
    add_position("Frome and East Somerset", "green", Position.STANDING_ASIDE, "liberal-democrat")
    add_position("Stroud", "labour", Position.STANDING_ASIDE, "green")
    html = client.get("/constituencies/map/?party=green").content.decode()
    labels = dict(HEX_LINK.findall(html))
    assert labels["stroud"] == "Stroud: Standing"
    assert labels["frome-and-east-somerset"] == (
        "Frome and East Somerset: Standing aside for Liberal Democrat"
    )
    assert labels["bath"] == "Bath: no position recorded"
    assert "<h1>Where Green campaigns</h1>" in html
    table = html[html.index('id="map-table"') :]
    assert table.count("<tr>") == 3  # the heading and the two constituencies with a position


def test_the_map_counts_groups(client, constituency_index, frome_group):
    html = client.get("/constituencies/map/?show=groups").content.decode()
    labels = dict(HEX_LINK.findall(html))
    assert labels["frome-and-east-somerset"] == "Frome and East Somerset: 1 local group"
    assert labels["stroud"] == "Stroud: 0 local groups"


def test_unknown_filters_show_the_plain_map(client, constituency_index):
    response = client.get("/constituencies/map/?party=nobody&show=%00")
    assert response.status_code == 200
    assert len(HEX_LINK.findall(response.content.decode())) == 650


@pytest.fixture
def caches_on(settings):
    settings.PAGE_CACHE_SECONDS = 600
    settings.FRAGMENT_CACHE_SECONDS = 600


def test_the_map_is_drawn_from_one_query_and_then_from_the_cache(
    client, constituency_index, caches_on
):
    add_position("Stroud", "green", Position.STANDING)
    client.get("/constituencies/map/?party=green")  # warm up the site's caches
    with CaptureQueriesContext(connection) as first:
        client.get("/constituencies/map/?party=labour")
    constituency_queries = [q for q in first.captured_queries if "cms_constituency" in q["sql"]]
    assert len(constituency_queries) == 1
    with CaptureQueriesContext(connection) as again:
        client.get("/constituencies/map/?party=labour")
    assert not [q for q in again.captured_queries if "cms_constituency" in q["sql"]]


def test_a_new_position_shows_on_the_map_at_once(client, constituency_index, caches_on):
    assert "Stroud: Standing" not in client.get("/constituencies/map/?party=green").content.decode()
    add_position("Stroud", "green", Position.STANDING)
    assert "Stroud: Standing" in client.get("/constituencies/map/?party=green").content.decode()


def test_a_constituency_page_is_drawn_once_and_purged_by_a_new_position(
    client, constituency_index, frome_group, caches_on
):
    url = "/constituencies/frome-and-east-somerset/"
    client.cookies["sessionid"] = "x"  # past the page cache: the shared sections still apply
    first = client.get(url).content.decode()
    with CaptureQueriesContext(connection) as again:
        second = client.get(url).content.decode()
    assert second == first
    assert '<a href="/groups/frome-alliance/">Frome Alliance</a>' in second
    assert not [q for q in again.captured_queries if "local_partyposition" in q["sql"]]
    add_position("Frome and East Somerset", "green", Position.STANDING)
    assert "Standing" in client.get(url).content.decode()
