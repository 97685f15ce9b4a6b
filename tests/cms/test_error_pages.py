"""Error pages offer a way on that makes sense for the error."""

import re

import pytest

pytestmark = pytest.mark.django_db


def sign_in_links(html: str) -> list[str]:
    return re.findall(r'href="(/accounts/(?:login|signup)/[^"]*)"', html)


def test_page_not_found_offers_sign_in_without_returning_to_the_missing_address(client, home):
    response = client.get("/no-such-page/?ref=mail")

    assert response.status_code == 404
    links = sign_in_links(response.content.decode())
    assert links == ["/accounts/login/", "/accounts/signup/"]


def test_a_real_page_still_brings_the_visitor_back(client, home):
    from cms.models import StandardPage

    page = home.add_child(instance=StandardPage(title="About us", slug="about-us"))

    links = sign_in_links(client.get(page.url).content.decode())

    assert links == ["/accounts/login/?next=/about-us/", "/accounts/signup/?next=/about-us/"]
