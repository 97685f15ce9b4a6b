"""Reconciliation with Stripe (via the stand-in) and all-or-nothing refunds, exactly once."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from crowdfund import ledger
from crowdfund.models import FundingModel, LedgerEntry, Method, Milestone, WebhookEvent
from crowdfund.tasks import settle_finished_crowdfunds
from tests.crowdfund.conftest import make_crowdfund, make_donation, total
from tests.support import stripe_standin as fake_stripe

pytestmark = pytest.mark.django_db


def test_reconcile_fetches_missed_events_and_applies_them(stripe_standin, crowdfund, capsys):
    donation = make_donation(crowdfund, amount_pence=3_300)
    session = fake_stripe.checkout_session(amount=3_300, reference=str(donation.reference))
    missed = fake_stripe.event("checkout.session.completed", session)
    old = fake_stripe.event("customer.created", {"id": "cus_1", "object": "customer"})
    stripe_standin.events = [missed, old]

    call_command("reconcile_stripe")
    call_command("reconcile_stripe")  # twice: nothing more

    assert total(crowdfund) == 3_300
    assert WebhookEvent.objects.count() == 1  # unhandled types are not stored
    [events_request, *_] = [r for r in stripe_standin.requests if r["path"] == "/v1/events"]
    thirty_days_ago = timezone.now().timestamp() - 30 * 24 * 3600
    assert abs(int(events_request["params"]["created[gte]"]) - thirty_days_ago) < 60
    assert "Stored 1 missed event" in capsys.readouterr().out


def test_reconcile_brings_pending_sessions_up_to_date(stripe_standin, crowdfund):
    paid = make_donation(crowdfund, amount_pence=2_000)
    expired = make_donation(crowdfund, amount_pence=2_000, email="b@example.com")
    for donation, status, payment_status in [
        (paid, "complete", "paid"),
        (expired, "expired", "unpaid"),
    ]:
        session = fake_stripe.checkout_session(
            amount=2_000,
            reference=str(donation.reference),
            status=status,
            payment_status=payment_status,
        )
        stripe_standin.sessions[session["id"]] = session
        donation.stripe_checkout_session_id = session["id"]
        donation.save()

    call_command("reconcile_stripe")

    paid.refresh_from_db()
    expired.refresh_from_db()
    assert (paid.status, expired.status) == ("paid", "expired")
    assert total(crowdfund) == 2_000


def test_reconcile_without_keys_does_nothing(settings, capsys):
    settings.STRIPE_SECRET_KEY = ""
    call_command("reconcile_stripe")
    assert "not configured" in capsys.readouterr().out


def test_all_or_nothing_missed_target_refunds_card_gifts_once(stripe_standin, home, post_event):
    crowdfund = make_crowdfund(
        home,
        slug="all-or-nothing",
        funding_model=FundingModel.ALL_OR_NOTHING,
        deadline=timezone.now() + timedelta(days=1),
    )
    donation = make_donation(crowdfund, amount_pence=5_000)
    session = fake_stripe.checkout_session(amount=5_000, reference=str(donation.reference))
    post_event(fake_stripe.event("checkout.session.completed", session))
    ledger.record_offline(make_donation(crowdfund, amount_pence=1_000, method=Method.CHEQUE))

    assert settle_finished_crowdfunds() == 0  # not past the deadline yet
    crowdfund.deadline = timezone.now() - timedelta(minutes=1)
    crowdfund.save()
    settle_finished_crowdfunds()
    settle_finished_crowdfunds()

    refunds = stripe_standin.posts_to("/v1/refunds")
    assert len(refunds) == 1
    assert refunds[0]["params"]["payment_intent"] == session["payment_intent"]
    assert refunds[0]["idempotency_key"] == f"crowdfund-aon-refund-{session['payment_intent']}"
    assert Milestone.objects.filter(kind="refunds").count() == 1
    # The ledger moves when Stripe confirms the refund.
    assert total(crowdfund) == 6_000
    charge = fake_stripe.charge(
        amount=5_000,
        payment_intent=session["payment_intent"],
        amount_refunded=5_000,
        reference=str(donation.reference),
    )
    post_event(fake_stripe.event("charge.refunded", charge))
    assert total(crowdfund) == 1_000
    assert LedgerEntry.objects.filter(kind="refund").count() == 1


def test_all_or_nothing_that_met_its_target_refunds_nothing(stripe_standin, home):
    crowdfund = make_crowdfund(
        home,
        slug="met-target",
        target_pence=1_000,
        funding_model=FundingModel.ALL_OR_NOTHING,
        deadline=timezone.now() - timedelta(days=1),
    )
    ledger.record_offline(make_donation(crowdfund, amount_pence=1_000, method=Method.CHEQUE))
    assert settle_finished_crowdfunds() == 0
    assert stripe_standin.posts_to("/v1/refunds") == []
