"""The home page features a page only while the public may see it."""

import pytest
from wagtail.models import PageViewRestriction

from cms.models import HomePage, StandardPage

pytestmark = pytest.mark.django_db


def feature(home, page):
    home.featured_page = page
    home.save_revision().publish()


@pytest.fixture
def campaign(home):
    return home.add_child(instance=StandardPage(title="Our secret plan", slug="plan"))


def test_a_public_featured_page_is_linked_under_the_hero(client, home, campaign):
    feature(home, campaign)

    html = client.get("/").content.decode()

    assert 'href="/plan/">Our secret plan</a>' in html


@pytest.mark.parametrize("restriction", [PageViewRestriction.LOGIN, PageViewRestriction.PASSWORD])
def test_a_private_featured_page_leaks_neither_title_nor_address(
    client, home, campaign, restriction
):
    PageViewRestriction.objects.create(page=campaign, restriction_type=restriction, password="x")
    feature(home, campaign)

    html = client.get("/").content.decode()

    assert "Our secret plan" not in html and 'href="/plan/"' not in html


def test_an_unpublished_featured_page_is_not_shown(client, home, campaign):
    feature(home, campaign)
    campaign.unpublish()

    html = client.get("/").content.decode()

    assert "Our secret plan" not in html
    assert HomePage.objects.get().featured_page_id == campaign.pk
