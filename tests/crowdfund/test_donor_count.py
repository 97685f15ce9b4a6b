"""The donor count ("N donors") counts people whose money is still held, from the ledger.

A person giving twice is one donor (matched by normalised email, else their Stripe
customer); a gift refunded in full or withdrawn by a dispute (open or lost) counts no
donor; a dispute won brings the donor back. Through signed webhooks, as Stripe sends them.
"""

import pytest
from django.urls import reverse

from crowdfund import ledger
from crowdfund.figures import crowdfund_totals, donor_counts
from crowdfund.models import Method
from tests.crowdfund.conftest import make_crowdfund, make_donation
from tests.support import stripe_standin as fake_stripe

pytestmark = pytest.mark.django_db


def pay(post_event, crowdfund, amount, **fields):
    """A one-off card gift paid through checkout.session.completed; returns its charge."""
    donation = make_donation(crowdfund, amount_pence=amount, **fields)
    session = fake_stripe.checkout_session(amount=amount, reference=str(donation.reference))
    post_event(fake_stripe.event("checkout.session.completed", session))
    return fake_stripe.charge(
        amount=amount, payment_intent=session["payment_intent"], reference=str(donation.reference)
    )


def donors(client, crowdfund) -> int:
    shown = client.get(reverse("crowdfund_totals", args=[crowdfund.pk])).json()["donors"]
    assert shown == crowdfund_totals(crowdfund.pk)["donors"]
    return shown


def test_one_person_giving_twice_is_one_donor(client, post_event, crowdfund):
    pay(post_event, crowdfund, 1_000, email="Ada@Example.com")
    pay(post_event, crowdfund, 2_000, email=" ada@example.com ")
    pay(post_event, crowdfund, 500, email="grace@example.com")
    assert donors(client, crowdfund) == 2
    assert client.get(crowdfund.url).content.decode().count(">2 donors<") == 1


def test_a_gift_refunded_in_full_counts_no_donor(client, post_event, crowdfund):
    charge = pay(post_event, crowdfund, 1_000, email="ada@example.com")
    pay(post_event, crowdfund, 1_000, email="grace@example.com")
    post_event(fake_stripe.event("charge.refunded", {**charge, "amount_refunded": 400}))
    assert donors(client, crowdfund) == 2  # part of the gift is still held
    post_event(fake_stripe.event("charge.refunded", {**charge, "amount_refunded": 1_000}))
    assert donors(client, crowdfund) == 1


def test_a_dispute_lost_counts_no_donor_and_a_dispute_won_brings_them_back(
    client, post_event, crowdfund
):
    lost = pay(post_event, crowdfund, 1_000, email="lost@example.com")
    won = pay(post_event, crowdfund, 1_000, email="won@example.com")
    disputes = {}
    for charge, outcome in [(lost, "lost"), (won, "won")]:
        disputes[outcome] = fake_stripe.dispute(
            charge_id=charge["id"],
            payment_intent=charge["payment_intent"],
            amount=1_000,
            status="needs_response",
        )
        post_event(fake_stripe.event("charge.dispute.created", disputes[outcome]))
    assert donors(client, crowdfund) == 0  # both held back while the disputes are open
    for outcome, dispute in disputes.items():
        post_event(fake_stripe.event("charge.dispute.closed", {**dispute, "status": outcome}))
    assert donors(client, crowdfund) == 1


def test_a_donor_with_one_gift_refunded_and_one_held_still_counts(client, post_event, crowdfund):
    refunded = pay(post_event, crowdfund, 1_000, email="ada@example.com")
    pay(post_event, crowdfund, 300, email="ada@example.com")
    post_event(fake_stripe.event("charge.refunded", {**refunded, "amount_refunded": 1_000}))
    assert donors(client, crowdfund) == 1


def test_offline_gifts_without_email_are_each_their_own_donor(client, crowdfund):
    for name in ["Cash at the stall", "Another cash gift"]:
        ledger.record_offline(
            make_donation(crowdfund, amount_pence=1_000, method=Method.CASH, name=name, email="")
        )
    assert donors(client, crowdfund) == 2


def test_gifts_without_email_by_one_stripe_customer_are_one_donor(client, crowdfund):
    for _ in range(2):
        donation = make_donation(
            crowdfund, amount_pence=1_000, email="", stripe_customer_id="cus_same_person"
        )
        ledger.record_payment(ledger.lock_donation(donation.pk), 1_000, fake_stripe.new_id("pi"))
    assert donors(client, crowdfund) == 1


def test_donors_are_counted_per_crowdfund_in_the_report(client, post_event, home, crowdfund):
    other = make_crowdfund(home, slug="another")
    pay(post_event, crowdfund, 1_000, email="ada@example.com")
    pay(post_event, other, 1_000, email="ada@example.com")
    pay(post_event, other, 1_000, email="grace@example.com")
    assert donor_counts([crowdfund.pk, other.pk]) == {crowdfund.pk: 1, other.pk: 2}
