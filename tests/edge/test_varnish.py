"""Testing the edge as deployed: a real varnishd with deploy/varnish/default.vcl in front
of the site (the test's live server), and the app purging it as EDGE_CACHE_URL sets up.

- an anonymous page is answered by Varnish, without reaching the site;
- a publish shows through Varnish at once (well within a second): the app bans its tag;
- a signed-in visitor is never given a kept page, and nothing they are given is kept;
- no answer that sets a cookie is kept, and a visitor's cookies never reach a kept page;
- a live-figure page is at most its few seconds (and its grace) old;
- a purge from anywhere but the app's addresses is refused.
"""

import http.client
import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import transaction

from cms.cache import stale_seconds
from cms.models import StandardPage
from crowdfund import ledger
from tests.crowdfund.conftest import make_crowdfund, make_donation

# One varnishd for the module's whole session, on one worker (docs/testing.md).
pytestmark = [
    pytest.mark.xdist_group("edge"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def edge(self):
        return self.headers.get("X-Edge-Cache")


def get(base: str, path: str, cookie: str = "", source: str = "127.0.0.1") -> Answer:
    return send(base, "GET", path, {"Cookie": cookie} if cookie else {}, source)


def send(base: str, method: str, path: str, headers: dict, source: str = "127.0.0.1") -> Answer:
    """One request from `source` (any loopback address: Linux routes all of 127/8 locally)."""
    address = urlsplit(base)
    connection = http.client.HTTPConnection(
        address.hostname, address.port, timeout=30, source_address=(source, 0)
    )
    try:
        connection.request(method, path, headers={"Host": "localhost", **headers})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read().decode())
    finally:
        connection.close()


@pytest.fixture
def about(home):
    page = StandardPage(title="About us", slug="about", introduction="Who we are.")
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_an_anonymous_page_is_answered_by_varnish(edge, about):
    first = get(edge, "/about/")
    second = get(edge, "/about/", cookie="csrftoken=abc; _ga=visitor")
    assert first.status == second.status == 200
    assert first.edge == "miss"
    assert second.edge == "hit"
    assert second.body == first.body
    assert "Set-Cookie" not in second.headers
    assert "Cache-Tag" not in second.headers  # the edge's own business


def test_a_publish_shows_through_varnish_within_a_second(edge_purges, about):
    edge = edge_purges
    get(edge, "/about/")
    assert get(edge, "/about/").edge == "hit"

    about.title = "About the alliance"
    published = time.monotonic()
    about.save_revision().publish()
    answer = get(edge, "/about/")
    while "About the alliance" not in answer.body and time.monotonic() - published < 1:
        time.sleep(0.05)
        answer = get(edge, "/about/")
    assert "About the alliance" in answer.body
    assert time.monotonic() - published < 1
    assert get(edge, "/about/").edge == "hit"  # and it is kept again


def test_a_signed_in_visitor_is_never_given_a_kept_page_and_nothing_is_kept(
    edge, about, supporter, client
):
    client.force_login(supporter)
    session = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    # First signed in: passed to the site, and what the site answered is not kept.
    signed_in = get(edge, "/about/", cookie=session)
    assert signed_in.status == 200
    assert signed_in.edge == "pass"
    assert "private" in signed_in.headers["Cache-Control"]
    anonymous = get(edge, "/about/")
    assert anonymous.edge == "miss"
    assert supporter.display_name not in anonymous.body

    # With the anonymous page kept, a signed-in visitor is still answered by the site.
    assert get(edge, "/about/").edge == "hit"
    again = get(edge, "/about/", cookie=session)
    assert again.edge == "pass"
    assert "private" in again.headers["Cache-Control"]
    assert again.body != anonymous.body  # their own page (signed in), not the kept one


def test_an_answer_that_sets_a_cookie_is_never_kept(edge, home, stripe_keys):
    crowdfund = make_crowdfund(home)
    donate = f"{crowdfund.url}donate/"
    answers = [get(edge, donate) for _ in range(2)]
    assert [answer.status for answer in answers] == [200, 200]
    assert all(answer.edge != "hit" for answer in answers)
    tokens = [answer.headers["Set-Cookie"] for answer in answers]
    assert tokens[0] != tokens[1]  # each visitor their own CSRF token


def test_a_live_figure_page_is_at_most_its_few_seconds_old(edge, home):
    crowdfund = make_crowdfund(home)
    lifetime = crowdfund.page_cache_seconds
    assert "£0" in get(edge, crowdfund.url).body
    assert get(edge, crowdfund.url).edge == "hit"

    donation = make_donation(crowdfund, amount_pence=12_345)
    with transaction.atomic():
        ledger.record_payment(ledger.lock_donation(donation.pk), 12_345, "pi_edge_test")
    paid = time.monotonic()
    answer = get(edge, crowdfund.url)
    while "£123.45" not in answer.body and time.monotonic() - paid < 30:
        time.sleep(0.2)
        answer = get(edge, crowdfund.url)
    waited = time.monotonic() - paid
    assert "£123.45" in answer.body
    # Kept by the site for its lifetime, and by the edge for the rest of it (Age), each
    # then served stale for at most its grace while one request renders it again.
    assert waited <= lifetime + stale_seconds(lifetime) + 1.5, waited


@pytest.mark.parametrize("method", ["PURGE", "BAN"])
def test_a_purge_from_anywhere_but_the_app_is_refused(edge, about, method):
    get(edge, "/about/")
    refused = send(edge, method, "/about/", {"Cache-Tag": "alliancehub"}, source="127.0.0.2")
    assert refused.status == 405
    assert get(edge, "/about/").edge == "hit"  # still kept

    accepted = send(edge, method, "/about/", {"Cache-Tag": "alliancehub"}, source="127.0.0.1")
    assert accepted.status == 200
    assert get(edge, "/about/").edge == "miss"


def test_the_app_purges_through_the_frontend_cache_backend(edge_purges, about):
    from cms.edge import edge_backends, purge_edge

    assert list(edge_backends()) == ["varnish"]
    get(edge_purges, "/about/")
    assert get(edge_purges, "/about/").edge == "hit"
    purge_edge()
    assert get(edge_purges, "/about/").edge == "miss"


def test_varnish_keeps_what_the_app_says_for_the_app_says_long(edge, about):
    kept = get(edge, "/about/")
    control = kept.headers["Cache-Control"]
    assert f"s-maxage={settings.PAGE_CACHE_SECONDS}" in control
    assert "max-age=0" in control  # browsers ask again: a purge cannot reach them
    again = get(edge, "/about/")
    assert again.edge == "hit"
    assert 0 <= int(again.headers["Age"]) < settings.PAGE_CACHE_SECONDS


def test_tracking_parameters_share_the_kept_page(edge, about):
    get(edge, "/about/")
    shared = get(edge, "/about/?utm_source=newsletter&fbclid=IwAR0abc")
    assert shared.edge == "hit"


def test_text_is_kept_compressed_and_sent_plain_to_a_client_that_does_not_ask(edge, about):
    """Browsers ask for gzip and get the kept, compressed page (a fraction of the bytes);
    a client that does not ask gets the same page uncompressed."""
    import gzip

    def fetch(headers):
        address = urlsplit(edge)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        try:
            connection.request("GET", "/about/", headers={"Host": "localhost", **headers})
            response = connection.getresponse()
            return response.headers, response.read()
        finally:
            connection.close()

    plain_headers, plain = fetch({})
    packed_headers, packed = fetch({"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain_headers
    assert packed_headers["Content-Encoding"] == "gzip"
    assert packed_headers["X-Edge-Cache"] == "hit"
    assert gzip.decompress(packed) == plain
    assert b"Who we are." in plain and len(packed) < len(plain) / 2
