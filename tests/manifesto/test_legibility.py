"""Testing that the manifesto's public pages can be read: rankings in words, party bars,
orders as links, distinct vote buttons, a way in for visitors, and a cacheable fair order."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from cms.models import NavigationSettings
from manifesto.actions import cast_vote, propose
from manifesto.ranking_store import recompute_page_rankings
from tests.conftest import PASSWORD, make_user
from tests.manifesto.test_views import make_amendments

A_YEAR_AGO = timezone.now() - timedelta(days=365)  # old enough for any minimum account age
BARE_DECIMAL = re.compile(r"(?<![\d.])-?0\.\d{2,}")


@pytest.fixture
def amendment(manifesto, clause, other_supporter):
    return propose(manifesto, clause, other_supporter, "replace", "A Green New Deal now.", "Short.")


@pytest.fixture
def voted(manifesto, amendment):
    """Labour and Green supporters agree, SNP ones disagree, a few supporters of no party."""
    plan = {"labour": "agree", "green": "agree", "snp": "disagree", "none": "agree"}
    for slug, choice in plan.items():
        for i in range(6):  # five decided votes each: the scoring minimum per party
            voter = make_user(f"{slug}{i}@example.org", party_slug=slug, date_joined=A_YEAR_AGO)
            cast_vote(amendment, voter, choice if i else "pass")
    recompute_page_rankings(manifesto)
    amendment.refresh_from_db()
    return amendment


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_an_amendment_says_in_words_where_it_is_supported(client, manifesto, voted):
    html = html_of(client, f"{manifesto.url}amendment/{voted.pk}/")
    assert "Supported in two of three parties; strongest among" in html
    assert "opposed among SNP" in html
    assert "Among supporters of no party, 100% of those who took a side agree." in html
    assert not BARE_DECIMAL.search(re.sub(r"<svg.*?</svg>", "", html, flags=re.S))


def test_party_bars_are_drawn_on_the_server_with_the_numbers_in_a_table(client, manifesto, voted):
    html = html_of(client, f"{manifesto.url}amendment/{voted.pk}/")
    table = html[html.index('<table class="party-bars">') : html.index("</table>")]
    assert "<caption>How supporters of each party voted</caption>" in table
    assert table.count('<svg class="vote-bar"') == 4
    assert all(svg.count('aria-hidden="true"') for svg in re.findall(r"<svg.*?>", table))
    rows = re.findall(r'<th scope="row"><span class="group-name">(.*?)</span>', table)
    assert rows == ["Green", "Labour", "SNP", "No party"]  # parties first, no party last
    assert "not a party, so never counted as one" in table


def test_early_scores_are_marked_as_early(client, manifesto, amendment, supporter):
    cast_vote(amendment, supporter, "agree")
    recompute_page_rankings(manifesto)
    html = html_of(client, f"{manifesto.url}amendment/{amendment.pk}/")
    assert '<span class="tag early">Early</span>' in html
    assert "not enough votes from two or more parties yet" in html


def test_the_clause_page_orders_by_links_and_explains_the_default_order(
    client, manifesto, clause, amendment
):
    html = html_of(client, f"{manifesto.url}clause/{clause.key}/")
    assert "<select" not in html and 'class="filters"' not in html
    start = html.index('<nav class="order-links"')
    order = html[start : html.index("</nav>", start)]
    assert 'aria-current="true" class="current">Fair random order</a>' in order
    assert '?sort=common&amp;status=open"' in order
    assert "so that the first amendments get no head start" in html
    assert f'href="{manifesto.url}how-ranking-works/"' in html
    chosen = html_of(client, f"{manifesto.url}clause/{clause.key}/?sort=popular&status=open")
    assert 'aria-current="true" class="current">Popular</a>' in chosen
    assert "most voters agree with first" in chosen


def test_vote_buttons_differ_by_icon_and_word_and_mark_the_chosen_one(
    client, manifesto, clause, amendment, supporter
):
    cast_vote(amendment, supporter, "disagree")
    client.force_login(supporter)
    html = html_of(client, f"{manifesto.url}clause/{clause.key}/")
    for choice, icon in (("agree", "&#10003;"), ("disagree", "&#10007;"), ("pass", "&ndash;")):
        button = re.search(rf'<button[^>]*value="{choice}"[^>]*>(.*?)</button>', html).group(0)
        assert f"vote-{choice}" in button and icon in button and choice.capitalize() in button
        assert ('aria-pressed="true"' in button) == (choice == "disagree")
        assert (" chosen" in button) == (choice == "disagree")
    # The "vote saved" line is shown, not only announced: it is not visually hidden.
    assert '<p class="vote-status" role="status" aria-live="polite"></p>' in html


@pytest.mark.parametrize("where", ["clause", "amendment"])
def test_anonymous_visitors_are_told_how_to_take_part_and_come_back(
    client, manifesto, clause, amendment, where
):
    url = (
        f"{manifesto.url}clause/{clause.key}/?sort=common"
        if where == "clause"
        else f"{manifesto.url}amendment/{amendment.pk}/"
    )
    html = html_of(client, url)
    back = quote(url)
    assert f'href="/accounts/login/?next={back}">Sign in</a>' in html
    assert f'href="/accounts/signup/?next={back}">create an account</a>' in html
    assert "to vote and propose amendments." in html


def test_signing_in_from_the_prompt_returns_to_the_page(client, manifesto, amendment, supporter):
    url = f"{manifesto.url}amendment/{amendment.pk}/"
    response = client.post(
        f"/accounts/login/?next={url}", {"login": supporter.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == url


@pytest.fixture
def page_cache_on(settings, home):
    settings.PAGE_CACHE_SECONDS = 600
    NavigationSettings.for_site(home.get_site())


def test_the_fair_random_order_makes_no_session_and_is_served_from_the_page_cache(
    page_cache_on, manifesto, clause, other_supporter
):
    make_amendments(manifesto, clause, other_supporter, 25)
    url = f"{manifesto.url}clause/{clause.key}/"
    visitor = Client()
    first = visitor.get(url)
    assert first.status_code == 200 and not first.cookies
    assert Session.objects.count() == 0
    second = Client().get(url)
    assert second["X-Page-Cache"] == "hit" and second.content == first.content
    # The next page keeps the same order: its link carries the seed.
    seed = re.search(r"seed=(\d+)&amp;page=2", first.content.decode()).group(1)
    page_two = visitor.get(f"{url}?sort=random&status=open&seed={seed}&page=2")
    assert page_two.status_code == 200 and Session.objects.count() == 0
    assert Client().get(f"{url}?sort=random&status=open&seed={seed}&page=2")["X-Page-Cache"] == (
        "hit"
    )


def test_a_seed_in_the_address_gives_everyone_the_same_order(manifesto, clause, other_supporter):
    make_amendments(manifesto, clause, other_supporter, 12)
    url = f"{manifesto.url}clause/{clause.key}/?sort=random&seed="

    def order(seed):
        html = Client().get(url + seed).content.decode()
        return re.findall(r'<article class="amendment card" id="amendment-(\d+)"', html)

    assert order("17") == order("17")
    assert order("17") != order("18") or order("17") != order("19")
    assert sorted(order("17")) == sorted(order("nonsense"))  # a bad seed is just ignored


def test_where_we_agree_shows_broad_agreement_divisions_and_opinion_groups(
    client, manifesto, clause, other_supporter
):
    """Two camps of voters: both agree with one amendment, they split on the others."""
    broad = propose(manifesto, clause, other_supporter, "replace", "Jobs in every town.", "x")
    left = propose(manifesto, clause, other_supporter, "replace", "Public ownership now.", "x")
    right = propose(manifesto, clause, other_supporter, "replace", "Lower taxes first.", "x")
    for i in range(12):
        camp = "labour" if i % 2 else "snp"
        voter = make_user(f"camp{i}@example.org", party_slug=camp, date_joined=A_YEAR_AGO)
        cast_vote(broad, voter, "agree")
        cast_vote(left, voter, "agree" if camp == "labour" else "disagree")
        cast_vote(right, voter, "disagree" if camp == "labour" else "agree")
    recompute_page_rankings(manifesto)
    for url in (
        f"{manifesto.url}where-we-agree/",
        f"{manifesto.url}clause/{clause.key}/where-we-agree/",
    ):
        html = html_of(client, url)
        agreed = html[html.index('id="broad-heading"') : html.index('id="divided-heading"')]
        divides = html[html.index('id="divided-heading"') : html.index('id="groups-heading"')]
        assert f"amendment/{broad.pk}/" in agreed and f"amendment/{left.pk}/" not in agreed
        assert f"amendment/{left.pk}/" in divides and f"amendment/{right.pk}/" in divides
        table = html[html.index('<table class="opinion-groups">') : html.index("</table>")]
        rows = re.findall(r'amendment/(\d+)/">.*?</th>\s*<td>(\d+)%.*?<td>(\d+)%', table, re.S)
        shares = {int(pk): (int(a), int(b)) for pk, a, b in rows}
        assert shares[broad.pk] == (100, 100)  # both groups agree: listed first
        assert sorted([shares[left.pk], shares[right.pk]]) == [(0, 100), (100, 0)]
        assert int(rows[0][0]) == broad.pk
        assert table.count('<svg class="group-bars"') == 3


def test_where_we_agree_has_sensible_empty_states(client, manifesto, clause):
    html = html_of(client, f"{manifesto.url}where-we-agree/")
    assert "Nothing divides the parties yet." in html
    assert "Not enough votes yet to find opinion groups" in html
    assert client.get(f"{manifesto.url}clause/nope/where-we-agree/").status_code == 404
