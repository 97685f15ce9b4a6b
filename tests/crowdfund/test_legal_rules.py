"""UK rules for a non-party campaigner: declarations over £500, checks, reportable donors."""

from datetime import timedelta

import pytest

from crowdfund import bookkeeping, law, ledger
from crowdfund.forms import OVER_LIMIT_MESSAGE
from crowdfund.models import Donation, PermissibilityCheck
from tests.crowdfund.conftest import make_donation
from tests.support import stripe_standin as fake_stripe

pytestmark = pytest.mark.django_db


def donate_url(crowdfund):
    return crowdfund.url + crowdfund.reverse_subpage("donate")


def form_data(**overrides):
    data = {
        "amount": "25",
        "frequency": "one_off",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "message": "Good luck",
        "show_name": "on",
        "address": "",
    }
    data.update(overrides)
    return data


def test_over_500_without_declaration_is_refused_with_a_clear_message(
    client, stripe_standin, crowdfund
):
    response = client.post(donate_url(crowdfund), form_data(amount="750"))
    assert response.status_code == 200
    assert OVER_LIMIT_MESSAGE in response.content.decode()
    assert 'value="750"' in response.content.decode()  # nothing typed is lost
    assert not Donation.objects.exists()
    assert stripe_standin.posts_to("/v1/checkout/sessions") == []


def test_over_500_with_address_and_declaration_is_accepted(client, stripe_standin, crowdfund):
    response = client.post(
        donate_url(crowdfund),
        form_data(amount="750", address="1 High Street, Frome BA11 1AA", permissible_donor="on"),
    )
    assert response.status_code == 303
    assert Donation.objects.get().permissible_donor_declared


def test_exactly_500_needs_no_declaration(client, stripe_standin, crowdfund):
    response = client.post(donate_url(crowdfund), form_data(amount="500"))
    assert response.status_code == 303


def test_paid_gift_over_500_opens_a_check_due_in_30_days(post_event, crowdfund):
    donation = make_donation(
        crowdfund, amount_pence=60_000, address="1 High St", permissible_donor_declared=True
    )
    session = fake_stripe.checkout_session(amount=60_000, reference=str(donation.reference))
    post_event(fake_stripe.event("checkout.session.completed", session))
    check = PermissibilityCheck.objects.get(donation=donation)
    assert check.status == "open"
    assert check.due_by == check.payment_entry.moved_at + timedelta(days=30)


def test_gift_of_500_or_less_opens_no_check(post_event, crowdfund):
    donation = make_donation(crowdfund, amount_pence=50_000)
    session = fake_stripe.checkout_session(amount=50_000, reference=str(donation.reference))
    post_event(fake_stripe.event("checkout.session.completed", session))
    assert not PermissibilityCheck.objects.exists()


def test_one_donors_gifts_crossing_7500_are_flagged_reportable(post_event, crowdfund):
    """Matched by normalised email; only gifts over £500 (donations in law) count."""
    amounts_and_emails = [
        (400_000, "Big.Giver@Example.com"),
        (300_000, " big.giver@example.com"),
        (40_000, "big.giver@example.com"),  # £400: not a donation in law
    ]
    donations = []
    for amount, email in amounts_and_emails:
        donation = make_donation(crowdfund, amount_pence=amount, email=email, address="1 High St")
        session = fake_stripe.checkout_session(amount=amount, reference=str(donation.reference))
        post_event(fake_stripe.event("checkout.session.completed", session))
        donations.append(donation)
    assert not Donation.objects.filter(reportable=True).exists()  # £7,000 in law so far

    last = make_donation(crowdfund, amount_pence=60_000, email="BIG.giver@example.com")
    session = fake_stripe.checkout_session(amount=60_000, reference=str(last.reference))
    post_event(fake_stripe.event("checkout.session.completed", session))
    assert Donation.objects.filter(reportable=True).count() == 4
    assert not make_donation(crowdfund, email="someone.else@example.com").reportable


def test_pure_rules():
    assert not law.is_donation_in_law(50_000)
    assert law.is_donation_in_law(50_001)
    assert not law.is_reportable_sum(750_000)
    assert law.is_reportable_sum(750_001)
    assert law.normalise_email("  Ada@Example.COM ") == "ada@example.com"
    assert bookkeeping.refund_still_to_record(3_000, 0) == 3_000
    assert bookkeeping.refund_still_to_record(3_000, 10_000) == 0


def test_reportable_sum_is_over_the_configured_regulated_period(
    client, editor, crowdfund, settings, django_capture_on_commit_callbacks
):
    """With a regulated period set, £4,000 before it and £4,000 inside it are not £8,000."""
    from datetime import date

    from django.urls import reverse

    from crowdfund.models import Method

    settings.CROWDFUND_REGULATED_PERIOD_START = "2026-01-01"
    settings.CROWDFUND_REGULATED_PERIOD_END = "2027-01-01"

    def cheque(on):
        gift = make_donation(
            crowdfund,
            amount_pence=400_000,
            method=Method.CHEQUE,
            email="Big.Giver@example.com",
            received_on=on,
        )
        with django_capture_on_commit_callbacks(execute=True):
            ledger.record_offline(gift)
        return gift

    cheque(date(2025, 12, 31))
    cheque(date(2026, 1, 1))
    assert not Donation.objects.filter(reportable=True).exists()
    client.force_login(editor)
    assert "big.giver@example.com" not in client.get(reverse("crowdfund_report")).content.decode()

    cheque(date(2026, 3, 2))  # £8,000 inside the period: reportable

    assert Donation.objects.filter(reportable=True).count() == 3  # the donor, every gift
    body = client.get(reverse("crowdfund_report")).content.decode()
    assert '<th scope="row">big.giver@example.com</th><td>1 January 2026</td>' in body
    assert "<td>2</td><td>£8,000</td>" in body


def test_reportable_is_rolling_365_days_by_default(crowdfund, django_capture_on_commit_callbacks):
    from datetime import date

    from crowdfund.models import Method

    def cheque(on):
        gift = make_donation(crowdfund, amount_pence=400_000, method=Method.CHEQUE, received_on=on)
        with django_capture_on_commit_callbacks(execute=True):
            ledger.record_offline(gift)

    cheque(date(2025, 12, 31))
    cheque(date(2026, 12, 31))  # 365 days later: not within one period
    assert not Donation.objects.filter(reportable=True).exists()
    cheque(date(2026, 6, 1))  # within 365 days of both
    assert Donation.objects.filter(reportable=True).count() == 3
