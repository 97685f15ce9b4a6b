"""Admin: offline gifts, read-only ledger, CSV export, checks for moderators, the report."""

import pytest
from django.urls import reverse

from crowdfund import ledger
from crowdfund.models import Donation, LedgerEntry, Method, PermissibilityCheck
from tests.crowdfund.conftest import make_donation, total

pytestmark = pytest.mark.django_db


def test_editor_records_an_offline_gift_that_counts(client, editor, crowdfund):
    client.force_login(editor)
    response = client.post(
        reverse("crowdfund_donations:add"),
        {
            "crowdfund": crowdfund.pk,
            "method": "cheque",
            "amount_pence": "15000",
            "received_on": "2026-11-01",
            "name": "Mary Somerville",
            "email": "mary@example.com",
            "message": "From the Frome group",
            "show_name": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert LedgerEntry.objects.get().kind == "offline"
    donation = Donation.objects.get()
    assert donation.method == Method.CHEQUE and donation.status == "paid"
    assert total(crowdfund) == 15_000


def test_offline_gift_over_500_needs_the_declaration(client, editor, crowdfund):
    client.force_login(editor)
    response = client.post(
        reverse("crowdfund_donations:add"),
        {"crowdfund": crowdfund.pk, "method": "cash", "amount_pence": "60000", "name": "A B"},
    )
    assert response.status_code == 200
    assert not Donation.objects.exists()


def test_editing_a_donation_cannot_change_the_money(client, editor, crowdfund):
    donation = make_donation(crowdfund, amount_pence=1_000, method=Method.CASH)
    ledger.record_offline(donation)
    client.force_login(editor)
    client.post(
        reverse("crowdfund_donations:edit", args=[donation.pk]),
        {"name": "New Name", "amount_pence": "999999", "email": "ada@example.com"},
    )
    donation.refresh_from_db()
    assert donation.name == "New Name" and donation.amount_pence == 1_000
    assert total(crowdfund) == 1_000


def test_ledger_is_read_only_even_for_superusers(client, superuser, crowdfund):
    client.force_login(superuser)
    assert client.get(reverse("crowdfund_ledger:index")).status_code == 200
    assert client.get(reverse("crowdfund_ledger:add")).status_code in (302, 403)


def test_csv_export_of_donations(client, editor, crowdfund):
    ledger.record_offline(make_donation(crowdfund, amount_pence=4_200, method=Method.CASH))
    client.force_login(editor)
    response = client.get(reverse("crowdfund_donations:index") + "?export=csv")
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    header, row = content.splitlines()[:2]
    assert "Amount pence" in header or "amount" in header.lower()
    assert "4200" in row and "ada@example.com" in row


def test_donations_filter_needs_check(client, moderator, crowdfund):
    big = make_donation(crowdfund, amount_pence=60_000, name="Big Giver", method=Method.CHEQUE)
    small = make_donation(crowdfund, amount_pence=1_000, name="Small Giver", method=Method.CHEQUE)
    ledger.record_offline(big)
    ledger.record_offline(small)
    client.force_login(moderator)
    html = client.get(reverse("crowdfund_donations:index") + "?needs_check=true").content.decode()
    assert "Big Giver" in html and "Small Giver" not in html


def test_moderator_completes_a_permissibility_check(client, moderator, crowdfund):
    donation = make_donation(crowdfund, amount_pence=60_000, method=Method.CHEQUE)
    ledger.record_offline(donation)
    check = PermissibilityCheck.objects.get()
    client.force_login(moderator)
    response = client.post(
        reverse("crowdfund_checks:edit", args=[check.pk]),
        {"status": "permissible", "notes": "On the register in Frome"},
    )
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == "permissible" and check.checked_by == moderator


@pytest.mark.parametrize(
    "who,can_see",
    [("supporter", False), ("moderator", True), ("editor", True), ("superuser", True)],
)
def test_who_may_see_donations(client, request, crowdfund, who, can_see):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("crowdfund_donations:index"))
    assert (response.status_code == 200) is can_see


def test_supporters_cannot_change_checks(client, supporter, crowdfund):
    donation = make_donation(crowdfund, amount_pence=60_000, method=Method.CHEQUE)
    ledger.record_offline(donation)
    client.force_login(supporter)
    check = PermissibilityCheck.objects.get()
    client.post(reverse("crowdfund_checks:edit", args=[check.pk]), {"status": "permissible"})
    check.refresh_from_db()
    assert check.status == "open"


def test_report_shows_totals_per_crowdfund_and_reportable_donors(
    client, editor, crowdfund, django_capture_on_commit_callbacks
):
    for amount in (400_000, 400_000):
        with django_capture_on_commit_callbacks(execute=True):
            ledger.record_offline(
                make_donation(crowdfund, amount_pence=amount, method=Method.BANK_TRANSFER)
            )
    client.force_login(editor)
    html = client.get(reverse("crowdfund_report")).content.decode()
    assert "Build the hub" in html and "£8,000" in html
    assert "ada@example.com" in html


def test_personal_data_export_includes_donations(client, supporter, crowdfund):
    from cms.accounts import export_personal_data

    make_donation(crowdfund, email="SUPPORTER@example.com", message="Hello", address="1 Road")
    make_donation(crowdfund, email="someone@example.com")
    [mine] = export_personal_data(supporter)["donations"]
    assert mine["message"] == "Hello" and mine["address"] == "1 Road"
