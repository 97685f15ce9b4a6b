"""Events in any order end in the right state; delayed payments count only when they succeed."""

import pytest

from crowdfund.models import LedgerEntry, WebhookEvent
from crowdfund.stripe_events import apply_pending
from tests.crowdfund.conftest import make_donation, total
from tests.support import stripe_standin as fake_stripe

pytestmark = pytest.mark.django_db


def status_of(donation):
    donation.refresh_from_db()
    return donation.status


def test_refund_arriving_before_the_payment_ends_right(post_event, crowdfund):
    donation = make_donation(crowdfund, amount_pence=5_000)
    session = fake_stripe.checkout_session(amount=5_000, reference=str(donation.reference))
    charge = fake_stripe.charge(
        amount=5_000,
        payment_intent=session["payment_intent"],
        amount_refunded=2_000,
        reference=str(donation.reference),
    )

    post_event(fake_stripe.event("charge.refunded", charge))
    # The charge itself proves the payment, so it is counted with the refund at once.
    assert total(crowdfund) == 3_000

    post_event(fake_stripe.event("checkout.session.completed", session))
    assert total(crowdfund) == 3_000
    assert LedgerEntry.objects.filter(kind="payment").count() == 1
    assert status_of(donation) == "partially_refunded"


def test_refund_that_cannot_be_matched_yet_waits_and_applies_after_the_payment(
    post_event, crowdfund
):
    """A charge without our metadata is matched through the session's payment intent."""
    donation = make_donation(crowdfund, amount_pence=5_000)
    session = fake_stripe.checkout_session(amount=5_000, reference=str(donation.reference))
    charge = fake_stripe.charge(
        amount=5_000, payment_intent=session["payment_intent"], amount_refunded=5_000
    )

    post_event(fake_stripe.event("charge.refunded", charge))
    waiting = WebhookEvent.objects.get(type="charge.refunded")
    assert waiting.applied_at is None
    assert "NotYetKnown" in waiting.last_error
    assert total(crowdfund) == 0

    post_event(fake_stripe.event("checkout.session.completed", session))
    assert total(crowdfund) == 5_000
    apply_pending(due_only=False)  # as if the back-off had passed
    assert total(crowdfund) == 0
    assert status_of(donation) == "refunded"


def test_async_failure_before_completion_never_counts(post_event, crowdfund):
    donation = make_donation(crowdfund)
    session = fake_stripe.checkout_session(
        amount=2_500, reference=str(donation.reference), payment_status="unpaid"
    )
    post_event(fake_stripe.event("checkout.session.async_payment_failed", session))
    post_event(fake_stripe.event("checkout.session.completed", session))
    assert total(crowdfund) == 0
    assert status_of(donation) == "failed"


def test_subscription_cancelled_before_its_first_invoice(post_event, crowdfund):
    donation = make_donation(crowdfund, amount_pence=1_000, frequency="monthly")
    session = fake_stripe.checkout_session(
        amount=1_000, reference=str(donation.reference), mode="subscription"
    )
    sub_id = session["subscription"]
    reference = str(donation.reference)

    post_event(
        fake_stripe.event(
            "customer.subscription.deleted",
            fake_stripe.subscription(subscription_id=sub_id, reference=reference),
        )
    )
    assert status_of(donation) == "cancelled"
    assert total(crowdfund) == 0

    # The first invoice had been paid: the money arrived even though the gift has ended.
    post_event(
        fake_stripe.event(
            "invoice.paid",
            fake_stripe.invoice(
                amount=1_000,
                subscription=sub_id,
                reference=reference,
                billing_reason="subscription_create",
            ),
        )
    )
    post_event(fake_stripe.event("checkout.session.completed", session))
    assert total(crowdfund) == 1_000
    assert status_of(donation) == "cancelled"


def test_monthly_gift_counts_each_invoice_once(post_event, crowdfund):
    donation = make_donation(crowdfund, amount_pence=1_000, frequency="monthly")
    reference = str(donation.reference)
    session = fake_stripe.checkout_session(amount=1_000, reference=reference, mode="subscription")
    post_event(fake_stripe.event("checkout.session.completed", session))
    assert total(crowdfund) == 0  # a subscription's money arrives with invoice.paid
    first = fake_stripe.invoice(
        amount=1_000, subscription=session["subscription"], reference=reference
    )
    second = fake_stripe.invoice(
        amount=1_000, subscription=session["subscription"], reference=reference
    )
    for invoice in (first, first, second):
        post_event(fake_stripe.event("invoice.paid", invoice))
    assert total(crowdfund) == 2_000
    assert status_of(donation) == "active"


def test_first_monthly_payment_failing_marks_the_gift_failed(post_event, crowdfund):
    donation = make_donation(crowdfund, amount_pence=1_000, frequency="monthly")
    invoice = fake_stripe.invoice(
        amount=1_000,
        subscription="sub_test_x",
        reference=str(donation.reference),
        billing_reason="subscription_create",
    )
    post_event(fake_stripe.event("invoice.payment_failed", invoice))
    assert status_of(donation) == "failed"
    assert total(crowdfund) == 0


def test_unpaid_delayed_session_is_pending_and_counts_only_when_it_succeeds(post_event, crowdfund):
    donation = make_donation(crowdfund, amount_pence=3_000)
    unpaid = fake_stripe.checkout_session(
        amount=3_000, reference=str(donation.reference), payment_status="unpaid"
    )
    post_event(fake_stripe.event("checkout.session.completed", unpaid))
    assert status_of(donation) == "pending"
    assert total(crowdfund) == 0

    paid = {**unpaid, "payment_status": "paid"}
    post_event(fake_stripe.event("checkout.session.async_payment_succeeded", paid))
    assert status_of(donation) == "paid"
    assert total(crowdfund) == 3_000


def test_unpaid_delayed_session_that_fails_never_counts(post_event, crowdfund):
    donation = make_donation(crowdfund, amount_pence=3_000)
    unpaid = fake_stripe.checkout_session(
        amount=3_000, reference=str(donation.reference), payment_status="unpaid"
    )
    post_event(fake_stripe.event("checkout.session.completed", unpaid))
    post_event(fake_stripe.event("checkout.session.async_payment_failed", unpaid))
    assert status_of(donation) == "failed"
    assert total(crowdfund) == 0


def test_expired_session_marks_the_donation_expired(post_event, crowdfund):
    donation = make_donation(crowdfund)
    session = fake_stripe.checkout_session(
        amount=2_500, reference=str(donation.reference), status="expired", payment_status="unpaid"
    )
    post_event(fake_stripe.event("checkout.session.expired", session))
    assert status_of(donation) == "expired"
    assert total(crowdfund) == 0


def test_unknown_event_types_are_acknowledged_and_ignored(post_event, crowdfund):
    response = post_event(
        fake_stripe.event("customer.created", {"id": "cus_1", "object": "customer"})
    )
    assert response.status_code == 200
    assert WebhookEvent.objects.get().outcome == "ignored: type not handled"


def test_events_from_the_other_mode_are_ignored(post_event, crowdfund):
    donation = make_donation(crowdfund)
    session = fake_stripe.checkout_session(amount=2_500, reference=str(donation.reference))
    post_event(fake_stripe.event("checkout.session.completed", session, livemode=True))
    assert WebhookEvent.objects.get().outcome == "ignored: other mode"
    assert total(crowdfund) == 0


def test_live_mode_ignores_test_events(post_event, stripe_keys, crowdfund):
    stripe_keys.STRIPE_LIVE_MODE = True
    donation = make_donation(crowdfund)
    session = fake_stripe.checkout_session(amount=2_500, reference=str(donation.reference))
    post_event(fake_stripe.event("checkout.session.completed", session, livemode=False))
    assert total(crowdfund) == 0


def test_payments_in_other_currencies_are_not_counted(post_event, crowdfund):
    donation = make_donation(crowdfund)
    session = fake_stripe.checkout_session(amount=2_500, reference=str(donation.reference))
    session["currency"] = "eur"
    post_event(fake_stripe.event("checkout.session.completed", session))
    assert total(crowdfund) == 0
    assert WebhookEvent.objects.get().outcome == "ignored: not GBP"


def test_monthly_refund_waits_for_a_payment_then_applies(post_event, crowdfund):
    donation = make_donation(crowdfund, amount_pence=1_000, frequency="monthly")
    reference = str(donation.reference)
    charge = fake_stripe.charge(
        amount=1_000, payment_intent="pi_test_monthly", amount_refunded=1_000, reference=reference
    )
    post_event(fake_stripe.event("charge.refunded", charge))
    assert WebhookEvent.objects.get(type="charge.refunded").applied_at is None
    invoice = fake_stripe.invoice(amount=1_000, subscription="sub_test_m", reference=reference)
    post_event(fake_stripe.event("invoice.paid", invoice))
    apply_pending(due_only=False)  # as if the back-off had passed
    assert total(crowdfund) == 0
    assert status_of(donation) == "refunded"
