"""The 650 constituencies are loaded from the hexmap file kept in the repository."""

import json
from collections import Counter

import pytest

from cms.constituencies import HEXMAP_FILE, load_constituencies, read_hexmap
from cms.models import Constituency
from cms.regions import Region

pytestmark = pytest.mark.django_db


def test_the_migration_loads_all_650_with_unique_codes_names_and_slugs():
    assert Constituency.objects.count() == 650
    for field in ("code", "name", "slug"):
        values = list(Constituency.objects.values_list(field, flat=True))
        assert len(set(values)) == 650, field


def test_each_nation_has_its_seats():
    by_nation = Counter(c.nation for c in Constituency.objects.all())
    assert by_nation == {"England": 543, "Scotland": 57, "Wales": 32, "Northern Ireland": 18}


def test_rows_match_the_file():
    hexes = json.loads(HEXMAP_FILE.read_text(encoding="utf-8"))["hexes"]
    ynys_mon = Constituency.objects.get(name="Ynys Môn")
    entry = hexes[ynys_mon.code]
    assert (ynys_mon.hex_q, ynys_mon.hex_r, ynys_mon.region) == (
        entry["q"],
        entry["r"],
        Region.WALES,
    )
    assert ynys_mon.slug == "ynys-mon"


def test_loading_again_creates_nothing_and_restores_a_changed_row():
    Constituency.objects.filter(code="E14001074").update(name="Renamed", hex_q=0)
    assert load_constituencies(Constituency) == 0
    barnsley = Constituency.objects.get(code="E14001074")
    assert (barnsley.name, barnsley.hex_q) == ("Barnsley North", 57)


def test_loading_into_an_empty_table_creates_every_row():
    Constituency.objects.all().delete()
    assert load_constituencies(Constituency, read_hexmap()) == 650
