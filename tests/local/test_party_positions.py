"""Where parties campaign: entered by moderators in the admin, always with a source."""

import pytest
from django.db import IntegrityError, transaction

from cms.models import Constituency, Party
from local.models import PartyPosition, Position

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/snippets/local/partyposition/add/"


def form(**changes):
    return {
        "constituency": Constituency.objects.get(name="Stroud").pk,
        "party": Party.objects.get(slug="labour").pk,
        "position": Position.STANDING_ASIDE,
        "in_favour_of": Party.objects.get(slug="green").pk,
        "as_of": "2026-11-01",
        "source_url": "https://example.org/labour-stroud",
        "note": "",
        **changes,
    }


def test_a_moderator_adds_a_position_with_its_source(client, moderator):
    client.force_login(moderator)
    assert client.get(ADD_URL).status_code == 200
    response = client.post(ADD_URL, form())
    assert response.status_code == 302
    position = PartyPosition.objects.get()
    assert position.describe() == "Standing aside for Green"
    assert position.source_url == "https://example.org/labour-stroud"


@pytest.mark.parametrize(
    "changes",
    [
        {"source_url": ""},
        {"source_url": "javascript:alert(1)"},
        {"in_favour_of": ""},  # standing aside for whom?
        {"position": Position.STANDING},  # names another party without standing aside
    ],
)
def test_a_position_without_a_source_or_with_a_muddle_is_refused(client, moderator, changes):
    client.force_login(moderator)
    response = client.post(ADD_URL, form(**changes))
    assert response.status_code == 200  # the form again, with its error
    assert not PartyPosition.objects.exists()


def test_the_database_refuses_a_position_without_a_source():
    with pytest.raises(IntegrityError), transaction.atomic():
        PartyPosition.objects.create(
            constituency=Constituency.objects.get(name="Stroud"),
            party=Party.objects.get(slug="green"),
            position=Position.STANDING,
            as_of="2026-11-01",
            source_url="",
        )


@pytest.mark.parametrize("who", ["supporter", "editor"])
def test_only_moderators_enter_positions(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(ADD_URL).status_code in (302, 403)
    client.post(ADD_URL, form())
    assert not PartyPosition.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(ADD_URL).status_code == 302


def test_moderators_list_and_filter_positions(client, moderator):
    stroud = Constituency.objects.get(name="Stroud")
    PartyPosition.objects.create(
        constituency=stroud,
        party=Party.objects.get(slug="green"),
        position=Position.STANDING,
        as_of="2026-11-01",
        source_url="https://example.org/green-stroud",
    )
    client.force_login(moderator)
    listing = "/admin/snippets/local/partyposition/"
    green = Party.objects.get(slug="green").pk
    labour = Party.objects.get(slug="labour").pk
    assert "Stroud" in client.get(f"{listing}?party={green}").content.decode()
    response = client.get(f"{listing}?party={labour}&constituency__region=south-west")
    assert response.status_code == 200
    assert "Stroud" not in response.content.decode()
