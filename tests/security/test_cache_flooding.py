"""Testing that throwaway query strings cannot flood the shared page cache (issue 13, finding 7).

Only the GET parameters some page reads key the page cache (`query_params` on each page
type, `@reads_query` on other views); anything else (utm_*, a random cache-buster) is
the plain page. Checked through the middleware (Django's test client) and through the
WSGI answer gunicorn calls, with the page cache on, in memory and on Redis.
"""

# ruff: noqa: F811  (fixtures imported from the apps' conftest files, used as arguments)
import secrets

import pytest
from django.core.cache import cache
from django.test import Client

from cms.models import StandardPage
from cms.settings.services import cache_config, celery_config, redis_urls
from tests.cms.test_page_cache import WSGICall
from tests.security.caches import caches_on  # noqa: F401
from tests.stories.conftest import make_story, places, set_story_limits, stories_index  # noqa: F401


def stored_pages() -> set[str]:
    """The page cache's stored pages (not its generation counter or refresh claims)."""
    backend = cache._connections[cache._alias] if hasattr(cache, "_connections") else cache
    backend = getattr(backend, "_cache", None)
    if isinstance(backend, dict):  # the memory cache
        keys = backend.keys()
    else:  # Redis: the client behind Django's RedisCache
        keys = (key.decode() for key in backend.get_client(None).keys("*pagecache:*"))
    return {
        key
        for key in keys
        if ":pagecache:" in key and "generation" not in key and "refreshing" not in key
    }


@pytest.fixture
def library(caches_on, stories_index, make_story, places, settings):
    set_story_limits(per_page=1)  # so the library has pagination links
    make_story(title="The Frome stand-aside", place=places["frome"])
    make_story(title="The Lancaster joint group", place=places["lancaster"])
    return stories_index


def test_two_hundred_throwaway_queries_make_at_most_one_entry(library):
    visitor = Client()
    for number in range(200):
        junk = secrets.token_hex(6)
        name = "utm_source" if number % 2 else f"x{junk}"
        response = visitor.get(f"{library.url}?{name}={junk}&fbclid={junk}")
        assert response.status_code == 200
        if number:
            assert response["X-Page-Cache"] == "hit"
    assert len(stored_pages()) <= 1


def test_a_tracking_parameter_is_served_the_plain_pages_entry(library):
    plain = Client().get(library.url)
    assert plain["X-Page-Cache"] == "miss"
    tracked = Client().get(f"{library.url}?utm_campaign=spring&utm_medium=email")
    assert tracked["X-Page-Cache"] == "hit"
    assert tracked.content == plain.content


def test_a_real_filter_still_has_its_own_entry(library):
    Client().get(library.url)
    before = stored_pages()
    filtered = f"{library.url}?region=south-west"
    first = Client().get(filtered)
    assert first["X-Page-Cache"] == "miss"
    assert "The Frome stand-aside" in first.content.decode()
    assert "The Lancaster joint group" not in first.content.decode()
    assert len(stored_pages() - before) == 1
    # The same filter with junk beside it, in another order, is the same entry.
    again = Client().get(f"{library.url}?utm_source=x&region=south-west")
    assert again["X-Page-Cache"] == "hit"
    assert again.content == first.content


def test_the_wsgi_answer_uses_the_same_key(library):
    stored = Client().get(f"{library.url}?page=2")
    status, headers, body, django_ran = WSGICall().get(
        library.url, QUERY_STRING=f"utm_source={secrets.token_hex(4)}&page=2"
    )
    assert (status, body, django_ran) == ("200 OK", stored.content, False)
    assert headers["X-Page-Cache"] == "hit"


def test_a_stored_page_never_carries_one_visitors_throwaway_parameters(library):
    response = Client().get(f"{library.url}?utm_content=marker-from-a-visitor")
    assert 'rel="next"' in response.content.decode()  # the pagination links are there
    assert "marker-from-a-visitor" not in response.content.decode()
    assert "marker-from-a-visitor" not in Client().get(library.url).content.decode()


def test_a_parameter_the_page_does_not_read_makes_no_entry(caches_on, home):
    about = StandardPage(title="About us", slug="about", introduction="Who we are.")
    home.add_child(instance=about)
    about.save_revision().publish()
    Client().get("/about/")
    before = stored_pages()
    for _ in range(20):
        # `page` keys other pages (a listing's page number); the about page reads none.
        response = Client().get(f"/about/?page={secrets.token_hex(4)}")
        assert response.status_code == 200
        assert "Who we are." in response.content.decode()
    assert stored_pages() == before


def test_search_words_still_key_the_search_page(caches_on, home):
    first = Client().get("/search/?query=alliance")
    second = Client().get("/search/?query=alliance&utm_source=x")
    other = Client().get("/search/?query=charter")
    assert second["X-Page-Cache"] == "hit"
    assert other["X-Page-Cache"] == "miss"
    assert first.content != other.content


@pytest.mark.parametrize(
    ("environment", "cache_url", "broker_url"),
    [
        ({"REDIS_URL": "redis://redis:6379/0"}, "redis://redis:6379/0", "redis://redis:6379/0"),
        (
            {"REDIS_URL": "redis://broker:6379/0", "CACHE_REDIS_URL": "redis://cache:6379/0"},
            "redis://cache:6379/0",
            "redis://broker:6379/0",
        ),
        ({}, "", ""),
    ],
    ids=["one-redis-for-both", "a-cache-redis-apart-from-the-broker", "none"],
)
def test_the_cache_may_have_a_redis_apart_from_the_brokers(environment, cache_url, broker_url):
    from tests.cms.test_settings import env_from

    assert redis_urls(env_from(environment)) == (cache_url, broker_url)
    assert celery_config(broker_url)["CELERY_BROKER_URL"] == (broker_url or "memory://localhost/")
    if cache_url:
        assert cache_config(cache_url)["default"]["LOCATION"] == cache_url


def test_a_cache_that_lost_its_generation_never_brings_back_older_pages(caches_on, home):
    """Under allkeys-lru the cache's Redis may evict the generation counter itself."""
    from cms.cache import GENERATION_KEY, current_generation, purge_page_cache

    Client().get("/")
    purge_page_cache()
    before = current_generation()
    cache.delete(GENERATION_KEY)  # evicted
    assert current_generation() > before


@pytest.mark.parametrize(
    "address",
    ["library", "library-filtered", "search"],
)
def test_a_page_asked_with_throwaway_parameters_renders_as_without_them(library, address):
    """What is stored under the plain address must be what the plain address renders."""
    url = {
        "library": library.url,
        "library-filtered": f"{library.url}?region=south-west",
        "search": "/search/?query=Frome",
    }[address]
    joiner = "&" if "?" in url else "?"
    with_junk = Client().get(f"{url}{joiner}utm_source=junk-value&x{secrets.token_hex(3)}=1")
    assert with_junk["X-Page-Cache"] == "miss"
    cache.clear()
    plain = Client().get(url)
    assert plain["X-Page-Cache"] == "miss"
    assert with_junk.content == plain.content
