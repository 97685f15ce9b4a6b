"""A refusal is a page that says why, in the site's own layout, with a way forward."""

import pytest

from manifesto.actions import propose
from tests.manifesto.conftest import set_phase

pytestmark = pytest.mark.django_db


@pytest.fixture
def amendment(manifesto, clause, other_supporter):
    return propose(manifesto, clause, other_supporter, "replace", "A Green New Deal now.", "Short.")


def test_a_signed_out_voter_is_told_why_and_offered_sign_in_back_to_the_page(
    client, manifesto, amendment
):
    url = f"{manifesto.url}amendment/{amendment.pk}/vote/"
    amendment_page = f"{manifesto.url}amendment/{amendment.pk}/"
    response = client.post(
        url, {"choice": "agree"}, headers={"referer": f"http://testserver{amendment_page}"}
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "Sign in as a verified supporter to do this." in body
    # Back to the amendment the vote was cast on, not to the vote's POST-only address.
    assert f'href="/accounts/login/?next={amendment_page}"' in body


def test_a_refusal_never_sends_people_back_to_another_site(client, manifesto, amendment):
    url = f"{manifesto.url}amendment/{amendment.pk}/vote/"
    response = client.post(url, {"choice": "agree"}, headers={"referer": "https://evil.example/x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "evil.example" not in body
    assert 'href="/accounts/login/?next=/"' in body
    assert "<footer" in body  # the site's layout, not a bare error


def test_a_supporter_refused_by_the_phase_sees_the_reason_and_no_sign_in_link(
    client, manifesto, amendment, supporter
):
    set_phase(manifesto, "closed")
    client.force_login(supporter)
    response = client.post(f"{manifesto.url}amendment/{amendment.pk}/vote/", {"choice": "agree"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "This is not open to you in the current phase." in body
    assert "/accounts/login/" not in body.split("<main", 1)[-1].split("</main>", 1)[0]
