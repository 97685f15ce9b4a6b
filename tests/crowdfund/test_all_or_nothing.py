"""All or nothing: a missed target refunds every card payment once, monthly ones included."""

import threading
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crowdfund import ledger, payments
from crowdfund.models import (
    AutoRefund,
    Donation,
    Frequency,
    FundingModel,
    LedgerEntry,
    Method,
)
from crowdfund.tasks import settle_finished_crowdfunds
from tests.conftest import postgres_only
from tests.crowdfund.conftest import make_crowdfund, make_donation, total
from tests.support import stripe_standin as fake_stripe

pytestmark = pytest.mark.django_db


@pytest.fixture
def missed(home, stripe_standin, post_event):
    """A one-off gift, a monthly gift with two payments and a cheque; the target is missed."""
    crowdfund = make_crowdfund(
        home,
        slug="all-or-nothing",
        funding_model=FundingModel.ALL_OR_NOTHING,
        deadline=timezone.now() + timedelta(days=1),
    )
    one_off = make_donation(crowdfund, amount_pence=5_000)
    session = fake_stripe.checkout_session(amount=5_000, reference=str(one_off.reference))
    post_event(fake_stripe.event("checkout.session.completed", session))
    stripe_standin.add_charge(
        fake_stripe.charge(
            amount=5_000, payment_intent=session["payment_intent"], reference=str(one_off.reference)
        )
    )

    monthly = make_donation(
        crowdfund, amount_pence=2_000, frequency=Frequency.MONTHLY, email="m@example.com"
    )
    session = fake_stripe.checkout_session(
        amount=2_000, reference=str(monthly.reference), mode="subscription"
    )
    post_event(fake_stripe.event("checkout.session.completed", session))
    subscription = session["subscription"]
    for _ in range(2):
        invoice = fake_stripe.invoice(
            amount=2_000, subscription=subscription, reference=str(monthly.reference)
        )
        stripe_standin.invoices[invoice["id"]] = invoice
        # Current API versions: no charge on the invoice event, no metadata on the charge.
        stripe_standin.add_charge(
            fake_stripe.charge(amount=2_000, payment_intent=fake_stripe.new_id("pi")),
            invoice_id=invoice["id"],
        )
        post_event(fake_stripe.event("invoice.paid", invoice))

    cheque = make_donation(
        crowdfund, amount_pence=1_000, method=Method.CHEQUE, name="Grace Hopper", email=""
    )
    ledger.record_offline(cheque)
    assert total(crowdfund) == 10_000
    crowdfund.deadline = timezone.now() - timedelta(minutes=1)
    crowdfund.save()
    return crowdfund, subscription


def refund_events(standin):
    return [fake_stripe.event("charge.refunded", dict(c)) for c in standin.charges.values()]


def test_missed_target_refunds_every_card_payment_once(missed, stripe_standin, post_event):
    crowdfund, subscription = missed

    assert settle_finished_crowdfunds() == 3
    assert settle_finished_crowdfunds() == 0  # the second run asks Stripe for nothing

    refunds = stripe_standin.posts_to("/v1/refunds")
    assert len(refunds) == 3
    assert len({r["idempotency_key"] for r in refunds}) == 3
    assert all(c["amount_refunded"] == c["amount"] for c in stripe_standin.charges.values())
    assert stripe_standin.subscriptions[subscription]["status"] == "canceled"
    assert AutoRefund.objects.filter(status="refunded").count() == 3
    # Stripe has refunded, but the ledger moves only when Stripe says so.
    assert total(crowdfund) == 10_000

    for event in refund_events(stripe_standin):
        post_event(event)
        post_event(event)  # delivered twice
    sub = fake_stripe.subscription(subscription_id=subscription, reference="")
    post_event(fake_stripe.event("customer.subscription.deleted", sub))

    assert total(crowdfund) == 1_000  # the cheque only
    assert LedgerEntry.objects.filter(kind="refund").count() == 3
    card = Donation.objects.filter(crowdfund=crowdfund, method=Method.CARD)
    assert set(card.values_list("status", flat=True)) == {"refunded"}


def test_a_crash_after_stripe_refunded_does_not_refund_again(missed, stripe_standin, monkeypatch):
    real_refund = payments.refund_payment
    calls = []

    def refund_then_crash(*args, **kwargs):
        answer = real_refund(*args, **kwargs)
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt("worker killed after Stripe answered")
        return answer

    monkeypatch.setattr(payments, "refund_payment", refund_then_crash)
    with pytest.raises(KeyboardInterrupt):
        settle_finished_crowdfunds()
    assert AutoRefund.objects.filter(status="requested").count() == 1  # the durable record

    settle_finished_crowdfunds()
    stripe_standin._idempotent.clear()  # a day later Stripe has forgotten the keys
    settle_finished_crowdfunds()

    assert AutoRefund.objects.filter(status="refunded").count() == 3
    refund_ids = {
        r["idempotency_key"] for r in stripe_standin.posts_to("/v1/refunds")
    }  # retried with the same key, so Stripe answered with the same refund
    assert len(refund_ids) == 3
    assert all(c["amount_refunded"] == c["amount"] for c in stripe_standin.charges.values())


def test_a_payment_arriving_after_the_refunds_is_refunded_too(missed, stripe_standin, post_event):
    crowdfund, subscription = missed
    settle_finished_crowdfunds()
    monthly = Donation.objects.get(crowdfund=crowdfund, frequency=Frequency.MONTHLY)
    late = fake_stripe.invoice(
        amount=2_000, subscription=subscription, reference=str(monthly.reference)
    )
    stripe_standin.invoices[late["id"]] = late
    stripe_standin.add_charge(
        fake_stripe.charge(amount=2_000, payment_intent=fake_stripe.new_id("pi")),
        invoice_id=late["id"],
    )
    post_event(fake_stripe.event("invoice.paid", late))

    assert settle_finished_crowdfunds() == 1
    assert len(stripe_standin.posts_to("/v1/refunds")) == 4


def test_offline_gifts_are_listed_for_editors_to_return(missed, client, editor):
    settle_finished_crowdfunds()
    client.force_login(editor)
    response = client.get(reverse("crowdfund_report"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Offline gifts to return by hand" in body
    assert "Grace Hopper" in body
    assert "<td>£10</td>" in body


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_settling_from_four_workers_at_once_refunds_each_payment_once(stripe_standin, home):
    from django.db import close_old_connections, transaction

    crowdfund = make_crowdfund(
        home,
        slug="aon-concurrent",
        funding_model=FundingModel.ALL_OR_NOTHING,
        deadline=timezone.now() - timedelta(minutes=1),
    )
    for amount in (1_000, 2_000, 3_000):
        donation = make_donation(crowdfund, amount_pence=amount, email=f"{amount}@example.com")
        payment_intent = fake_stripe.new_id("pi")
        stripe_standin.add_charge(fake_stripe.charge(amount=amount, payment_intent=payment_intent))
        with transaction.atomic():
            ledger.record_payment(ledger.lock_donation(donation.pk), amount, payment_intent)
    barrier = threading.Barrier(4)
    errors = []

    def work():
        try:
            barrier.wait()
            settle_finished_crowdfunds()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(stripe_standin.posts_to("/v1/refunds")) == 3
    assert AutoRefund.objects.filter(status="refunded").count() == 3
    assert all(c["amount_refunded"] == c["amount"] for c in stripe_standin.charges.values())
