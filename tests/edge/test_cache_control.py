"""Testing that each answer tells an HTTP cache in front of the site what it may keep.

A page the site's own cache would store for everyone is `public` with `s-maxage` (its
lifetime) and `stale-while-revalidate` (the grace the site allows itself), and carries the
site's Cache-Tag for the site-wide purge; a browser is told to ask again (`max-age=0`).
Anything personal, carrying a CSRF token or setting a cookie is `private`.
"""

import logging

import pytest

from cms.edge import CACHE_TAG_HEADER, purge_edge
from cms.generation import purge_page_cache
from cms.models import StandardPage


@pytest.fixture
def about(home):
    page = StandardPage(title="About us", slug="about", introduction="Who we are.")
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def directives(response) -> dict:
    parts = [part.strip() for part in response.get("Cache-Control", "").split(",") if part]
    return dict(part.split("=", 1) if "=" in part else (part, True) for part in parts)


def test_an_anonymous_page_may_be_kept_by_the_edge_for_its_lifetime(client, about, settings):
    response = client.get("/about/")
    control = directives(response)
    assert control["public"] is True
    assert control["s-maxage"] == str(settings.PAGE_CACHE_SECONDS)
    assert control["max-age"] == "0"  # a purge cannot reach a browser
    assert control["stale-while-revalidate"] == str(settings.PAGE_CACHE_STALE_SECONDS)
    assert response[CACHE_TAG_HEADER] == settings.EDGE_CACHE_TAG
    assert not response.cookies


def test_the_cached_answer_says_the_same_and_how_old_it_is(client, about, settings):
    client.get("/about/")
    again = client.get("/about/")
    assert again["X-Page-Cache"] == "hit"
    assert directives(again)["s-maxage"] == str(settings.PAGE_CACHE_SECONDS)
    assert 0 <= int(again["Age"]) <= 2


def test_a_live_figure_page_may_be_kept_only_its_few_seconds(client, home):
    from tests.crowdfund.conftest import make_crowdfund

    page = make_crowdfund(home)
    control = directives(client.get(page.url))
    assert control["s-maxage"] == str(page.page_cache_seconds)
    assert int(control["stale-while-revalidate"]) <= page.page_cache_seconds


def test_a_signed_in_visitor_is_answered_privately(client, about, supporter):
    client.force_login(supporter)
    response = client.get("/about/")
    control = directives(response)
    assert control.get("private") is True
    assert "public" not in control and "s-maxage" not in control
    assert CACHE_TAG_HEADER not in response


def test_a_page_with_a_csrf_token_is_private(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert directives(response).get("private") is True


def test_a_form_page_outside_the_excluded_sections_is_private_too(client, home, stripe_keys):
    from tests.crowdfund.conftest import make_crowdfund

    page = make_crowdfund(home)
    response = client.get(f"{page.url}donate/")
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in response.content.decode()
    assert directives(response).get("private") is True


def test_an_error_is_private(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert directives(response).get("private") is True


def test_with_the_page_cache_off_the_edge_keeps_nothing(client, about, settings):
    settings.PAGE_CACHE_SECONDS = 0
    assert directives(client.get("/about/")).get("private") is True


def test_a_page_rendered_while_a_change_committed_is_not_left_to_the_edge(
    client, about, monkeypatch
):
    """The edge's purge may have gone before this answer reached it: it must not keep it."""
    from wagtail.models import Page

    def serve_and_change(self, request, *args, **kwargs):
        response = original(self, request, *args, **kwargs)
        purge_page_cache()
        return response

    original = Page.serve
    monkeypatch.setattr(Page, "serve", serve_and_change)
    response = client.get("/about/")
    assert directives(response).get("private") is True


def test_without_an_edge_a_purge_sends_nothing(settings, caplog):
    settings.WAGTAILFRONTENDCACHE = {}
    with caplog.at_level(logging.ERROR):
        purge_edge()
    assert not caplog.records


def test_an_edge_that_is_down_never_fails_a_publish(about, settings, caplog):
    from tests.edge.varnish import free_port

    settings.WAGTAILFRONTENDCACHE = {
        "varnish": {
            "BACKEND": "cms.edge.VarnishBackend",
            "LOCATION": f"http://127.0.0.1:{free_port()}",  # nothing listens there
        }
    }
    about.title = "About us, again"
    with caplog.at_level(logging.ERROR, logger="cms.edge"):
        about.save_revision().publish()
        purge_edge()
    about.refresh_from_db()
    assert about.title == "About us, again"
    assert any("did not take the purge" in record.getMessage() for record in caplog.records)
