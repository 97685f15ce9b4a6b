"""Testing that anonymous pages come from the shared cache and nothing personal ever does."""

import time

import pytest
from django.test import Client
from wagtail.models import Page

from cms.cache import purge_page_cache
from cms.models import MenuItem, NavigationSettings, StandardPage
from tests.support.demo_snapshot import load_demo_content


@pytest.fixture(autouse=True)
def page_cache_on(settings, home):
    settings.PAGE_CACHE_SECONDS = 600
    # Site settings are created on first use, which itself purges: do it before the tests.
    NavigationSettings.for_site(home.get_site())


@pytest.fixture
def about(home):
    page = StandardPage(title="About us", slug="about", introduction="Who we are.")
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_second_anonymous_visit_is_served_from_the_cache(client, about):
    first = client.get("/about/")
    second = client.get("/about/")
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "Who we are." in second.content.decode()


def test_publishing_a_change_purges_the_cached_page(client, about):
    client.get("/about/")
    about.introduction = "Who we are now."
    about.save_revision().publish()
    response = client.get("/about/")
    assert response["X-Page-Cache"] == "miss"
    assert "Who we are now." in response.content.decode()


def test_unpublishing_purges_so_the_page_is_gone(client, about):
    assert client.get("/about/").status_code == 200
    Page.objects.get(pk=about.pk).specific.unpublish()
    assert client.get("/about/").status_code == 404


def test_changing_the_menu_purges_every_page(client, about, home):
    assert client.get("/")["X-Page-Cache"] == "miss"
    assert client.get("/")["X-Page-Cache"] == "hit"
    navigation = NavigationSettings.for_site(home.get_site())
    MenuItem.objects.create(setting=navigation, label="Our new menu link", url="/new/")
    assert "Our new menu link" in client.get("/").content.decode()


def test_signed_in_visitors_never_get_or_fill_the_shared_cache(client, about, supporter):
    client.force_login(supporter)
    personal = client.get("/about/")
    assert "X-Page-Cache" not in personal
    assert supporter.public_name in personal.content.decode()
    anonymous = Client().get("/about/")
    assert supporter.public_name not in anonymous.content.decode()
    assert 'name="csrfmiddlewaretoken"' not in anonymous.content.decode()


def test_a_waiting_message_is_shown_not_hidden_behind_a_cached_page(client, about, supporter):
    client.get("/about/")
    client.force_login(supporter)
    client.post("/accounts/logout/")
    response = client.get("/about/")
    assert "X-Page-Cache" not in response
    assert "You have signed out." in response.content.decode()


def test_a_response_that_sets_a_cookie_is_never_stored(client, db):
    # The sign-in page carries a CSRF token and sets its cookie: it must not be shared.
    client.get("/accounts/login/")
    response = Client().get("/accounts/login/")
    assert "X-Page-Cache" not in response


def test_errors_and_drafts_are_not_cached(client, home):
    draft = StandardPage(title="Secret plan", slug="secret-plan", live=False)
    home.add_child(instance=draft)
    assert client.get("/secret-plan/").status_code == 404
    assert "X-Page-Cache" not in client.get("/secret-plan/")


def test_a_page_may_ask_for_a_short_life(client, about, settings, monkeypatch):
    monkeypatch.setattr(StandardPage, "page_cache_seconds", 0, raising=False)
    client.get("/about/")
    assert "X-Page-Cache" not in client.get("/about/")


def test_purge_works_on_an_empty_cache(db):
    purge_page_cache()
    purge_page_cache()


def test_every_public_demo_page_is_served_from_the_cache_to_anonymous_visitors(db, settings):
    """No public page type sets a cookie or carries a CSRF token for anonymous visitors."""

    load_demo_content()
    anonymous = Client()
    pages = Page.objects.live().public().filter(depth__gt=1).specific()
    assert len(pages) > 10
    for page in pages:
        anonymous.get(page.url)
        second = anonymous.get(page.url)
        assert second.status_code == 200, page.url
        assert second.get("X-Page-Cache") == "hit", page.url
        assert "csrfmiddlewaretoken" not in second.content.decode(), page.url


def test_pages_with_live_figures_are_cached_only_for_seconds(db, settings):
    from django.core.cache import cache

    from crowdfund.models import CrowdfundPage
    from manifesto.models import ManifestoPage

    assert CrowdfundPage.page_cache_seconds <= 5
    assert ManifestoPage.page_cache_seconds <= 5

    load_demo_content()
    page = CrowdfundPage.objects.live().first()
    captured = {}
    original_set = cache.set

    def recording_set(key, value, timeout=None, **kwargs):
        captured[key] = (timeout, value)
        return original_set(key, value, timeout, **kwargs)

    cache.set = recording_set
    try:
        before = time.time()
        assert Client().get(page.url)["X-Page-Cache"] == "miss"
    finally:
        cache.set = original_set
    stored = [entry for key, entry in captured.items() if key.startswith("pagecache:")]
    assert len(stored) == 1
    timeout, (fresh_until, _page) = stored[0]
    assert before + 5 <= fresh_until <= time.time() + 5  # fresh five seconds
    assert timeout == 5 + 5  # then served stale only while one request renders it again


def test_an_expired_page_is_rendered_by_one_request_while_others_get_the_stored_copy(
    client, about, settings, clock
):
    """Testing that the moment a page expires, one request renders it again and the rest
    are given the stored copy meanwhile, instead of every worker rendering it at once."""
    from django.core.cache import cache

    from cms.cache import claim_refresh, page_cache_key

    first = client.get("/about/")
    assert first["X-Page-Cache"] == "miss"
    key = page_cache_key(first.wsgi_request)
    clock.advance(settings.PAGE_CACHE_SECONDS + 1)
    assert claim_refresh(key)  # another worker is rendering the page again...
    Page.objects.filter(pk=about.pk).update(title="A change not yet published")
    stale = client.get("/about/")  # ...so this visitor gets the stored copy
    assert stale["X-Page-Cache"] == "stale" and stale.content == first.content
    cache.delete(f"{key}:refreshing")  # that worker failed: the next visitor renders it
    assert client.get("/about/")["X-Page-Cache"] == "miss"
    assert client.get("/about/")["X-Page-Cache"] == "hit"


def test_a_purge_is_never_answered_with_a_stale_copy(client, about, settings, clock):
    client.get("/about/")
    clock.advance(settings.PAGE_CACHE_SECONDS + 1)
    about.introduction = "Who we are now."
    about.save_revision().publish()
    response = client.get("/about/")
    assert response["X-Page-Cache"] == "miss"
    assert "Who we are now." in response.content.decode()


def test_a_stale_copy_is_dropped_by_the_cache_itself_after_its_grace(
    client, about, settings, monkeypatch
):
    """The grace is the stored entry's own timeout, so the cache drops it even if no
    request ever refreshes it."""
    from django.core.cache import cache

    timeouts = {}
    original_set = cache.set

    def recording_set(key, value, timeout=None, **kwargs):
        timeouts[key] = timeout
        return original_set(key, value, timeout, **kwargs)

    monkeypatch.setattr(cache, "set", recording_set)
    client.get("/about/")
    stored = [timeout for key, timeout in timeouts.items() if key.startswith("pagecache:")]
    assert stored == [settings.PAGE_CACHE_SECONDS + settings.PAGE_CACHE_STALE_SECONDS]


class WSGICall:
    """Calls the site's WSGI application as gunicorn does, and says whether Django ran."""

    def __init__(self):
        from django.core.handlers.wsgi import WSGIHandler

        from cms.cache import serve_cached_pages

        self.application = serve_cached_pages(WSGIHandler())

    def get(self, path, **environ):
        from django.core.signals import request_finished, request_started
        from django.db import close_old_connections
        from django.test import RequestFactory

        started = []

        def note(**kwargs):
            started.append(True)

        # As Django's test client does: the test's transaction keeps its connection.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        request_started.connect(note)
        answer = {}

        def start_response(status, headers):
            answer.update(status=status, headers=dict(headers))

        try:
            base = RequestFactory()._base_environ(PATH_INFO=path, **environ)
            body = b"".join(self.application(base, start_response))
        finally:
            request_started.disconnect(note)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return answer["status"], answer["headers"], body, bool(started)


@pytest.fixture
def wsgi():
    return WSGICall()


def test_a_fresh_cached_page_is_answered_before_django_runs(client, about, wsgi):
    stored = client.get("/about/")
    status, headers, body, django_ran = wsgi.get("/about/")
    assert (status, body, django_ran) == ("200 OK", stored.content, False)
    assert headers["X-Page-Cache"] == "hit"
    # Every header the site's middleware adds was stored with the page.
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert headers[name] == stored[name]


PERSONAL_REQUESTS = pytest.mark.parametrize(
    "environ",
    [
        {"HTTP_COOKIE": "sessionid=abc"},
        {"HTTP_COOKIE": "messages=abc"},
        {"QUERY_STRING": "preview=1"},
        {"REQUEST_METHOD": "POST"},
    ],
    ids=["signed-in", "a-message-waiting", "preview", "post"],
)


@PERSONAL_REQUESTS
def test_personal_requests_always_reach_django(client, about, wsgi, environ):
    client.get("/about/")
    *_, django_ran = wsgi.get("/about/", **environ)
    assert django_ran


@PERSONAL_REQUESTS
def test_the_middleware_refuses_the_same_requests_as_the_wsgi_answer(client, about, environ):
    from cms.cache import is_cacheable

    stored = client.get("/about/")
    assert is_cacheable(stored.wsgi_request.META)
    extra = {name: value for name, value in environ.items() if name != "REQUEST_METHOD"}
    response = Client().generic(environ.get("REQUEST_METHOD", "GET"), "/about/", **extra)
    assert not is_cacheable(response.wsgi_request.META)
    assert response.get("X-Page-Cache") != "hit"


def test_a_head_request_is_answered_from_the_cache_without_a_body(client, about, wsgi):
    stored = client.get("/about/")
    status, headers, body, django_ran = wsgi.get("/about/", REQUEST_METHOD="HEAD")
    assert (status, body, django_ran) == ("200 OK", b"", False)
    assert headers["Content-Length"] == str(len(stored.content))


def test_a_purged_page_reaches_django(client, about, wsgi):
    client.get("/about/")
    about.introduction = "Who we are now."
    about.save_revision().publish()
    status, headers, body, django_ran = wsgi.get("/about/")
    assert django_ran and "Who we are now." in body.decode()


def test_a_request_due_to_go_to_https_is_never_answered_from_the_cache(client, about, settings):
    client.get("/about/")  # stored from plain http (no redirect in the test settings)
    settings.SECURE_SSL_REDIRECT = True
    status, headers, body, django_ran = WSGICall().get("/about/")  # its middleware sees it
    assert django_ran and status.startswith("301")


def test_static_files_never_enter_the_page_cache(client, wsgi):
    from django.core.cache import cache
    from django.test import RequestFactory

    from cms.cache import page_cache_key

    request = RequestFactory().get("/static/cms/site.css")
    client.get("/static/cms/site.css")
    assert cache.get(page_cache_key(request)) is None


def test_an_expired_page_is_refreshed_once_and_answered_stale_before_django_meanwhile(
    client, about, wsgi, settings, clock
):
    """The WSGI answer claims the refresh for one request, which Django renders; while that
    claim stands, the others are answered with the stored copy without Django."""
    from django.core.cache import cache

    from cms.cache import page_cache_key

    first = client.get("/about/")
    key = page_cache_key(first.wsgi_request)
    clock.advance(settings.PAGE_CACHE_SECONDS + 1)
    status, headers, body, django_ran = wsgi.get("/about/")  # claims, then Django renders
    assert django_ran and headers["X-Page-Cache"] == "miss"
    clock.advance(settings.PAGE_CACHE_SECONDS + 1)
    cache.add(f"{key}:refreshing", 1)  # someone else is rendering it this time
    status, headers, body, django_ran = wsgi.get("/about/")
    assert not django_ran and headers["X-Page-Cache"] == "stale" and body == first.content


def test_a_fresh_process_keys_its_first_request_by_every_parameter_a_view_reads():
    """The first request of a new worker asks which parameters key the cache before Django
    resolves its address; the views that read some (search's `query`) must count already."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import django; django.setup()\n"
        "from cms.cache import query_params_read\n"
        "print(sorted(query_params_read()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings.test"},
        capture_output=True,
        text=True,
        check=True,
    )
    read = result.stdout.strip().splitlines()[-1]
    assert "'query'" in read and "'p'" in read
