"""Refunds and disputes move the total by exactly the money that moved, at every step."""

import pytest

from tests.crowdfund.conftest import make_donation, total
from tests.support import stripe_standin as fake_stripe

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(post_event, crowdfund):
    donation = make_donation(crowdfund, amount_pence=10_000)
    session = fake_stripe.checkout_session(amount=10_000, reference=str(donation.reference))
    post_event(fake_stripe.event("checkout.session.completed", session))
    charge = fake_stripe.charge(
        amount=10_000, payment_intent=session["payment_intent"], reference=str(donation.reference)
    )
    return donation, charge


def refunded(charge, cumulative):
    return fake_stripe.event("charge.refunded", {**charge, "amount_refunded": cumulative})


def test_partial_then_full_refund(post_event, crowdfund, paid):
    donation, charge = paid
    assert total(crowdfund) == 10_000
    post_event(refunded(charge, 3_000))
    assert total(crowdfund) == 7_000
    donation.refresh_from_db()
    assert donation.status == "partially_refunded"
    post_event(refunded(charge, 10_000))
    assert total(crowdfund) == 0
    donation.refresh_from_db()
    assert donation.status == "refunded"


def test_refund_events_out_of_order_or_repeated_are_idempotent(post_event, crowdfund, paid):
    _, charge = paid
    full, partial = refunded(charge, 10_000), refunded(charge, 3_000)
    post_event(full)
    post_event(partial)  # older, smaller cumulative figure: nothing new
    post_event(full)
    assert total(crowdfund) == 0


def test_dispute_lost(post_event, crowdfund, paid):
    donation, charge = paid
    dispute = fake_stripe.dispute(
        charge_id=charge["id"],
        payment_intent=charge["payment_intent"],
        amount=10_000,
        status="needs_response",
    )
    post_event(fake_stripe.event("charge.dispute.created", dispute))
    assert total(crowdfund) == 0  # Stripe withdraws the money when the dispute opens
    donation.refresh_from_db()
    assert donation.status == "disputed"
    post_event(fake_stripe.event("charge.dispute.closed", {**dispute, "status": "lost"}))
    assert total(crowdfund) == 0


def test_dispute_won_restores_the_total(post_event, crowdfund, paid):
    donation, charge = paid
    dispute = fake_stripe.dispute(
        charge_id=charge["id"],
        payment_intent=charge["payment_intent"],
        amount=10_000,
        status="needs_response",
    )
    post_event(fake_stripe.event("charge.dispute.created", dispute))
    assert total(crowdfund) == 0
    post_event(fake_stripe.event("charge.dispute.closed", {**dispute, "status": "won"}))
    assert total(crowdfund) == 10_000
    donation.refresh_from_db()
    assert donation.status == "paid"


def test_dispute_closed_before_created_ends_the_same(post_event, crowdfund, paid):
    _, charge = paid
    dispute = fake_stripe.dispute(
        charge_id=charge["id"], payment_intent=charge["payment_intent"], amount=10_000, status="won"
    )
    post_event(fake_stripe.event("charge.dispute.closed", dispute))
    post_event(fake_stripe.event("charge.dispute.created", {**dispute, "status": "needs_response"}))
    assert total(crowdfund) == 10_000


def test_an_inquiry_moves_no_money(post_event, crowdfund, paid):
    _, charge = paid
    inquiry = fake_stripe.dispute(
        charge_id=charge["id"],
        payment_intent=charge["payment_intent"],
        amount=10_000,
        status="warning_needs_response",
    )
    post_event(fake_stripe.event("charge.dispute.created", inquiry))
    assert total(crowdfund) == 10_000
