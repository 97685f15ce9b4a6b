"""Testing that the manifesto's shared page parts are shared only where nothing is personal.

The manifesto page's clause list and a clause's amendments in a fixed order (as anyone
who cannot vote sees them) are rendered once and shared for a few seconds, so their vote
figures are never staler than that; lists with vote buttons or in a visitor's own random
order are never shared.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from manifesto.actions import cast_vote, propose
from tests.manifesto.test_views import make_amendments


@pytest.fixture
def parts_on(settings):
    settings.FRAGMENT_CACHE_SECONDS = 600


@pytest.fixture
def amendment(manifesto, clause, other_supporter):
    return propose(manifesto, clause, other_supporter, "replace", "A Green New Deal now.", "Short.")


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_clause_list_is_shared_and_its_figures_live_five_seconds(
    client, parts_on, part_lifetimes, manifesto, amendment, supporter
):
    cast_vote(amendment, supporter, "agree")
    first, html = queries(client, manifesto.url)
    second, again = queries(client, manifesto.url)
    assert second < first and again == html  # the second time from the shared part
    assert part_lifetimes == {"clauses": 5}


def test_moderators_keep_their_links_beside_the_shared_clause_list(
    client, parts_on, manifesto, amendment, moderator
):
    Client().get(manifesto.url)  # an anonymous visitor fills the part
    client.force_login(moderator)
    html = client.get(manifesto.url).content.decode()
    assert f'href="{manifesto.url}moderate/"' in html
    assert f'href="{manifesto.url}moderate/"' not in Client().get(manifesto.url).content.decode()


def test_a_ranked_list_without_vote_buttons_is_shared_for_five_seconds(
    client, parts_on, part_lifetimes, manifesto, clause, other_supporter
):
    make_amendments(manifesto, clause, other_supporter, 25)
    url = f"{manifesto.url}clause/{clause.key}/?sort=common"
    first, html = queries(client, url)
    second, again = queries(client, url)
    assert second < first and again == html
    assert part_lifetimes == {f"clause-{clause.pk}-common-open-1": 5}
    page_two = client.get(url + "&page=2").content.decode()
    assert "Page 2 of 2" in page_two and page_two != html


def test_a_voters_list_is_their_own(client, parts_on, manifesto, clause, amendment, supporter):
    url = f"{manifesto.url}clause/{clause.key}/?sort=common"
    Client().get(url)  # an anonymous visitor fills the shared part
    cast_vote(amendment, supporter, "disagree")
    client.force_login(supporter)
    mine = client.get(url).content.decode()
    assert "you chose disagree" in mine and 'name="csrfmiddlewaretoken"' in mine
    theirs = Client().get(url).content.decode()
    assert "you chose" not in theirs and 'name="csrfmiddlewaretoken"' not in theirs


@pytest.mark.parametrize(
    "query",
    ["sort=random", "sort=common&page=2x", "sort=common&page=123456"],
)
def test_personal_orders_and_odd_page_numbers_are_never_shared(
    client, parts_on, part_lifetimes, manifesto, clause, amendment, query
):
    assert client.get(f"{manifesto.url}clause/{clause.key}/?{query}").status_code == 200
    assert part_lifetimes == {}


def test_an_unknown_status_is_shown_as_all_and_shares_that_part(
    client, parts_on, part_lifetimes, manifesto, clause, amendment
):
    html = client.get(f"{manifesto.url}clause/{clause.key}/?sort=common&status=<b>x</b>")
    assert "&lt;b&gt;" not in html.content.decode() and "<b>x</b>" not in html.content.decode()
    assert part_lifetimes == {f"clause-{clause.pk}-common-all-1": 5}


def test_an_amendments_change_and_figures_are_shared_for_five_seconds(
    client, parts_on, part_lifetimes, manifesto, amendment, supporter
):
    cast_vote(amendment, supporter, "agree")
    url = f"{manifesto.url}amendment/{amendment.pk}/"
    first, html = queries(client, url)
    second, again = queries(client, url)
    assert second < first and again == html
    assert "<ins>" in again and "Green" in again and "1 agree" in again.replace("</span>", "")
    assert part_lifetimes == {
        f"amendment-{amendment.pk}-change": 5,
        f"amendment-{amendment.pk}-results": 5,
    }


def test_a_voters_amendment_page_is_their_own(
    client, parts_on, part_lifetimes, manifesto, amendment, supporter
):
    url = f"{manifesto.url}amendment/{amendment.pk}/"
    Client().get(url)  # an anonymous visitor fills the shared parts
    part_lifetimes.clear()
    client.force_login(supporter)
    mine = client.get(url).content.decode()
    assert 'name="csrfmiddlewaretoken"' in mine and "Green" in mine
    assert part_lifetimes == {}


def test_an_amendment_the_public_cannot_see_is_never_shared(
    client, parts_on, part_lifetimes, manifesto, clause, other_supporter
):
    manifesto.screening = True
    manifesto.save()
    waiting = propose(manifesto, clause, other_supporter, "replace", "Awaiting screening.", "Why.")
    client.force_login(other_supporter)
    html = client.get(f"{manifesto.url}amendment/{waiting.pk}/").content.decode()
    assert "Awaiting" in html
    assert part_lifetimes == {}
