"""Testing that Redis going away degrades the cache to a miss instead of failing requests.

A real redis-server of our own is killed and started again on the same port; the
project's cache settings (cms/settings/services.py) point at it. Needs only the
redis-server binary, so it runs on SQLite and PostgreSQL alike.
"""

import logging
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from cms import redis_cache
from cms.models import NavigationSettings, PageReply
from tests.conftest import PASSWORD
from tests.faults.conftest import needs_redis_server
from tests.faults.standins import wait_for

pytestmark = [needs_redis_server, pytest.mark.django_db]


def cache_works() -> bool:
    cache.set("probe", "here")
    return cache.get("probe") == "here"


def test_cache_answers_as_an_empty_cache_while_redis_is_down(private_redis, cache_on, caplog):
    cache_on(private_redis.url())
    cache.set("greeting", "hello")
    assert cache.get("greeting") == "hello"

    private_redis.stop()
    caplog.set_level(logging.WARNING, logger="cms.redis_cache")
    started = time.monotonic()
    assert cache.get("greeting") is None
    assert cache.get("greeting", "fallback") == "fallback"
    assert cache.add("new", 1) is False
    with pytest.raises(ValueError):
        cache.incr("counter")
    cache.set("greeting", "dropped")  # no error: the write is lost, as in an empty cache
    assert cache.get_many(["greeting", "new"]) == {}
    assert cache.get_or_set("computed", lambda: 42) == 42
    assert time.monotonic() - started < 1.5, "a down Redis must not hold up a request"
    assert caplog.text.count("Redis cache unreachable") == 1, "logged once per outage"

    private_redis.start()  # the same port, empty (no persistence)
    wait_for(cache_works, redis_cache.RETRY_SECONDS + 5, "the cache to come back")
    assert "Redis cache reachable again" in caplog.text


def test_a_value_that_cannot_be_stored_still_raises(private_redis, cache_on):
    """Only an unreachable Redis is forgiven; a bug (an unpicklable value) is not hidden."""
    cache_on(private_redis.url())
    with pytest.raises(Exception) as raised:
        cache.set("bad", lambda: None)
    assert not isinstance(raised.value, ValueError | OSError)


def test_anonymous_pages_are_served_from_the_database_while_redis_is_down(
    client, settings, private_redis, cache_on, blog_post, home
):
    settings.PAGE_CACHE_SECONDS = 600
    cache_on(private_redis.url())
    # Site settings are created on first use, which itself purges: do it before the visits.
    NavigationSettings.for_site(home.get_site())
    assert client.get(blog_post.url)["X-Page-Cache"] == "miss"
    assert client.get(blog_post.url)["X-Page-Cache"] == "hit"

    private_redis.stop()
    for url in ("/", blog_post.url, "/search/?query=stand"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.get("X-Page-Cache") != "hit"  # rendered from the database
    assert "Why we stand aside" in client.get(blog_post.url).content.decode()

    private_redis.start()
    wait_for(cache_works, redis_cache.RETRY_SECONDS + 5, "the cache to come back")
    assert client.get(blog_post.url)["X-Page-Cache"] == "miss"
    assert client.get(blog_post.url)["X-Page-Cache"] == "hit"


def test_public_form_rate_limits_fail_open_while_redis_is_down(
    client, settings, private_redis, cache_on, supporter, blog_post
):
    """django-ratelimit cannot count without Redis: the replies are taken (and moderated)."""
    settings.REPLY_RATE = "1/h"
    cache_on(private_redis.url())
    client.force_login(supporter)
    reply = {"body": "First, while Redis is up.", "website": ""}
    assert client.post(blog_post.url, reply).status_code == 302
    assert client.post(blog_post.url, {**reply, "body": "Limited."}).status_code == 429

    private_redis.stop()
    for number in range(3):
        body = {"body": f"Reply {number} while Redis is down.", "website": ""}
        assert client.post(blog_post.url, body).status_code == 302
    assert PageReply.objects.filter(body__contains="while Redis is down").count() == 3
    assert not PageReply.objects.filter(body__contains="while Redis is down", status="approved")


def test_sign_in_is_refused_not_broken_while_redis_is_down(
    client, private_redis, cache_on, supporter
):
    """django-allauth's limits fail closed: without its counters it answers 429, not 500.

    Signed-in supporters are unaffected (sessions live in the database), and sign-in
    works again as soon as Redis is back.
    """
    cache_on(private_redis.url())
    private_redis.stop()
    login = {"login": "supporter@example.com", "password": PASSWORD}
    response = client.post(reverse("account_login"), login)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session

    private_redis.start()
    wait_for(cache_works, redis_cache.RETRY_SECONDS + 5, "the cache to come back")
    response = client.post(reverse("account_login"), login)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(supporter.pk)
