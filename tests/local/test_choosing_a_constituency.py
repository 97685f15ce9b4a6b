"""A supporter's home area and a story's constituency, chosen by typing the name."""

import pytest

from cms.forms import ConstituencyNameField, ProfileForm
from cms.models import Constituency

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["Stroud", "  stroud ", "STROUD"])
def test_a_name_however_typed_finds_the_constituency(typed):
    assert ConstituencyNameField().clean(typed) == Constituency.objects.get(name="Stroud")


def test_a_name_without_accents_finds_it():
    assert ConstituencyNameField().clean("Ynys Mon").name == "Ynys Môn"


def test_an_unknown_name_is_a_clear_error(supporter):
    form = ProfileForm({"constituency": "Atlantis <b>"}, instance=supporter)
    assert not form.is_valid()
    assert form.errors["constituency"] == [
        "There is no constituency called “Atlantis <b>”. Check the spelling, or pick a name "
        "from the suggestions."
    ]


def test_the_profile_page_saves_the_constituency_and_suggests_names(client, supporter):
    client.force_login(supporter)
    page = client.get("/account/")
    html = page.content.decode()
    assert '<datalist id="id_constituency-names">' in html
    assert '<option value="Stroud">' in html
    assert 'list="id_constituency-names"' in html
    data = {"display_name": "Sam", "first_name": "", "last_name": "", "party": "", "home_area": ""}
    client.post("/account/", {**data, "constituency": "stroud"})
    supporter.refresh_from_db()
    assert supporter.constituency.name == "Stroud"
    assert 'value="Stroud"' in client.get("/account/").content.decode()
    response = client.post("/account/", {**data, "constituency": "Nowhere"})
    assert "There is no constituency called “Nowhere”" in response.content.decode()
    client.post("/account/", {**data, "constituency": ""})
    supporter.refresh_from_db()
    assert supporter.constituency is None
