"""The same event delivered twice (in turn or at once) counts once and sends one receipt."""

import threading

import pytest
from django.db import close_old_connections
from django.test import Client

from crowdfund.models import LedgerEntry, WebhookEvent
from crowdfund.stripe_events import apply_event
from tests.conftest import postgres_only
from tests.crowdfund.conftest import make_donation, total
from tests.support import stripe_standin as fake_stripe


def receipt_count(outbox):
    return sum(1 for message in outbox if message.subject.startswith("Your receipt"))


@pytest.mark.django_db
def test_same_event_twice_in_sequence_counts_once(post_event, crowdfund, mailoutbox):
    donation = make_donation(crowdfund, amount_pence=4_000)
    session = fake_stripe.checkout_session(amount=4_000, reference=str(donation.reference))
    event = fake_stripe.event("checkout.session.completed", session)

    first, second = post_event(event), post_event(event)

    assert first.status_code == second.status_code == 200
    assert second.json()["duplicate"] is True
    assert LedgerEntry.objects.count() == 1
    assert total(crowdfund) == 4_000
    assert receipt_count(mailoutbox) == 1
    donation.refresh_from_db()
    assert donation.status == "paid"


@pytest.mark.django_db
def test_same_payment_in_two_different_events_counts_once(post_event, crowdfund):
    """completed and async_payment_succeeded both describe one payment intent."""
    donation = make_donation(crowdfund, amount_pence=4_000)
    session = fake_stripe.checkout_session(amount=4_000, reference=str(donation.reference))
    post_event(fake_stripe.event("checkout.session.completed", session))
    post_event(fake_stripe.event("checkout.session.async_payment_succeeded", session))
    assert total(crowdfund) == 4_000


@pytest.mark.django_db
def test_applying_an_applied_event_again_is_a_no_op(post_event, crowdfund):
    donation = make_donation(crowdfund)
    session = fake_stripe.checkout_session(amount=2_500, reference=str(donation.reference))
    post_event(fake_stripe.event("checkout.session.completed", session))
    stored = WebhookEvent.objects.get()
    assert apply_event(stored.pk) == "already applied"
    assert LedgerEntry.objects.count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_same_event_delivered_concurrently_counts_once(stripe_keys, home, mailoutbox, settings):
    """Eight simultaneous deliveries of one event, each applied by its own thread."""
    import json

    from tests.crowdfund.conftest import make_crowdfund
    from tests.support.stripe_standin import WEBHOOK_SECRET

    crowdfund = make_crowdfund(home, slug="concurrent-duplicates")
    donation = make_donation(crowdfund, amount_pence=7_500)
    session = fake_stripe.checkout_session(amount=7_500, reference=str(donation.reference))
    body = json.dumps(fake_stripe.event("checkout.session.completed", session))
    headers = fake_stripe.signed_headers(body, WEBHOOK_SECRET)
    barrier = threading.Barrier(8)
    statuses = []

    def deliver():
        try:
            barrier.wait()
            response = Client().post(
                "/crowdfund/stripe/webhook/", data=body, content_type="application/json", **headers
            )
            statuses.append(response.status_code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 8
    assert WebhookEvent.objects.count() == 1
    assert LedgerEntry.objects.filter(crowdfund=crowdfund).count() == 1
    assert total(crowdfund) == 7_500
    assert receipt_count(mailoutbox) == 1


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_stored_event_applied_by_two_workers_at_once_counts_once(stripe_keys, home):
    """A redelivered task (acks_late after a worker died) racing the original."""
    from tests.crowdfund.conftest import make_crowdfund

    crowdfund = make_crowdfund(home, slug="two-workers")
    donation = make_donation(crowdfund, amount_pence=1_000)
    session = fake_stripe.checkout_session(amount=1_000, reference=str(donation.reference))
    data = fake_stripe.event("checkout.session.completed", session)
    stored = WebhookEvent.objects.create(
        event_id=data["id"], type=data["type"], livemode=False, payload=data
    )
    barrier = threading.Barrier(4)
    outcomes = []

    def work():
        try:
            barrier.wait()
            outcomes.append(apply_event(stored.pk))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes).count("already applied") == 3
    assert LedgerEntry.objects.filter(crowdfund=crowdfund).count() == 1
