"""A dispute on a monthly payment is matched to its donation by asking Stripe if need be."""

from datetime import timedelta

import pytest

from crowdfund.models import Frequency, LedgerEntry, WebhookEvent
from crowdfund.tasks import apply_pending_webhook_events
from tests.crowdfund.conftest import make_donation, total
from tests.support import stripe_standin as fake_stripe

pytestmark = pytest.mark.django_db


@pytest.fixture
def monthly_payment(crowdfund, stripe_standin, post_event):
    """A monthly gift with one paid invoice; Stripe's charge says nothing about us."""
    donation = make_donation(crowdfund, amount_pence=3_000, frequency=Frequency.MONTHLY)
    session = fake_stripe.checkout_session(
        amount=3_000, reference=str(donation.reference), mode="subscription"
    )
    post_event(fake_stripe.event("checkout.session.completed", session))
    invoice = fake_stripe.invoice(
        amount=3_000, subscription=session["subscription"], reference=str(donation.reference)
    )
    post_event(fake_stripe.event("invoice.paid", invoice))
    charge = fake_stripe.charge(amount=3_000, payment_intent=fake_stripe.new_id("pi"))
    assert total(crowdfund) == 3_000
    return donation, invoice, charge


def stripe_gets(standin):
    return [r for r in standin.requests if r["method"] == "GET"]


def test_dispute_on_a_monthly_payment_is_matched_through_its_invoice(
    crowdfund, stripe_standin, post_event, monthly_payment
):
    donation, invoice, charge = monthly_payment
    stripe_standin.invoices[invoice["id"]] = invoice
    stripe_standin.add_charge(charge, invoice_id=invoice["id"])
    # Only the charge id: the handler must walk charge → payment intent → invoice.
    dispute = fake_stripe.dispute(charge_id=charge["id"], amount=3_000, status="needs_response")

    post_event(fake_stripe.event("charge.dispute.created", dispute))

    assert total(crowdfund) == 0
    donation.refresh_from_db()
    assert donation.status == "disputed"
    assert LedgerEntry.objects.get(source_id=invoice["id"]).stripe_charge_id == charge["id"]
    asked = len(stripe_gets(stripe_standin))
    assert {r["path"].split("/")[2] for r in stripe_gets(stripe_standin)} >= {
        "charges",
        "payment_intents",
        "invoice_payments",
        "invoices",
    }

    post_event(fake_stripe.event("charge.dispute.closed", {**dispute, "status": "won"}))
    assert total(crowdfund) == 3_000
    assert len(stripe_gets(stripe_standin)) == asked  # now matched by the stored charge


def test_unmatched_dispute_waits_in_the_inbox_and_the_catch_up_applies_it(
    crowdfund, stripe_standin, post_event, monthly_payment
):
    donation, invoice, charge = monthly_payment
    dispute = fake_stripe.dispute(
        charge_id=charge["id"],
        payment_intent=charge["payment_intent"],
        amount=3_000,
        status="needs_response",
    )
    post_event(fake_stripe.event("charge.dispute.created", dispute))

    stored = WebhookEvent.objects.get(type="charge.dispute.created")
    assert stored.applied_at is None
    assert "Stripe lookup" in stored.last_error
    assert total(crowdfund) == 3_000

    # Stripe can answer now (the lookup failed for a moment, or the objects were late).
    stripe_standin.invoices[invoice["id"]] = invoice
    stripe_standin.add_charge(charge, invoice_id=invoice["id"])
    assert stored.next_attempt_at is not None
    WebhookEvent.objects.update(next_attempt_at=stored.next_attempt_at - timedelta(minutes=2))
    apply_pending_webhook_events()  # the beat task, once the back-off has passed

    stored.refresh_from_db()
    assert stored.applied_at is not None
    assert stored.last_error == ""
    assert total(crowdfund) == 0


def test_refund_of_a_monthly_payment_is_matched_the_same_way(
    crowdfund, stripe_standin, post_event, monthly_payment
):
    donation, invoice, charge = monthly_payment
    stripe_standin.invoices[invoice["id"]] = invoice
    stripe_standin.add_charge(charge, invoice_id=invoice["id"])
    refunded = {**charge, "amount_refunded": 1_000}
    post_event(fake_stripe.event("charge.refunded", refunded))
    post_event(fake_stripe.event("charge.refunded", refunded))
    assert total(crowdfund) == 2_000
    donation.refresh_from_db()
    assert donation.status == "partially_refunded"
