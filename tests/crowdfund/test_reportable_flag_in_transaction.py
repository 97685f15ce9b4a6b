"""The reportable flag is decided inside the transaction that writes the ledger entry.

So it commits with the money or not at all: nothing runs "after commit" that a crash
could skip. Writers take the donor's lock before any donation row, so two gifts of one
person applied at once take turns (no deadlock) and the later one sees the earlier's row.
"""

import threading

import pytest
from django.db import connections, transaction

from crowdfund import ledger, stripe_events
from crowdfund.models import Donation, WebhookEvent
from tests.conftest import postgres_only
from tests.crowdfund.conftest import make_crowdfund, make_donation
from tests.support import stripe_standin as fake_stripe


def give(crowdfund, amount, email="big@example.com"):
    return make_donation(crowdfund, amount_pence=amount, email=email, address="1 High St")


@pytest.mark.django_db
def test_the_flag_is_set_before_anything_runs_after_commit(
    crowdfund, django_capture_on_commit_callbacks
):
    first, second = give(crowdfund, 400_000), give(crowdfund, 400_000)
    with django_capture_on_commit_callbacks(execute=False):
        with transaction.atomic():
            ledger.record_payment(ledger.lock_donation(first.pk), 400_000, "pi_first")
            ledger.record_payment(ledger.lock_donation(second.pk), 400_000, "pi_second")
        # Committed; no on-commit callback has run, and the donor is already flagged.
        assert set(Donation.objects.values_list("reportable", flat=True)) == {True}


@pytest.mark.django_db
def test_a_rolled_back_entry_leaves_no_flag(crowdfund):
    donation = give(crowdfund, 800_000)
    with pytest.raises(RuntimeError), transaction.atomic():
        ledger.record_payment(ledger.lock_donation(donation.pk), 800_000, "pi_big")
        raise RuntimeError("the worker dies before the commit")
    donation.refresh_from_db()
    assert not donation.reportable and not donation.ledger_entries.exists()


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_gifts_of_one_donor_applied_at_once_take_turns_and_flag_both(stripe_standin, home):
    crowdfund = make_crowdfund(home, slug="two-at-once")
    gifts = [give(crowdfund, 400_000) for _ in range(2)]
    stored = []
    for gift in gifts:
        session = fake_stripe.checkout_session(amount=400_000, reference=str(gift.reference))
        event = fake_stripe.event("checkout.session.completed", session)
        stored.append(
            WebhookEvent.objects.create(
                event_id=event["id"], type=event["type"], livemode=False, payload=event
            ).pk
        )
    barrier = threading.Barrier(2)
    outcomes = []

    def apply(pk):
        try:
            barrier.wait()
            outcomes.append(stripe_events.apply_event(pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=apply, args=(pk,)) for pk in stored]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["payment recorded", "payment recorded"]  # none deferred
    assert set(Donation.objects.values_list("reportable", flat=True)) == {True}
