"""Applying an event costs few round trips to the database, and each shortcut keeps its word.

On a busy machine the round trips, not the work in them, are what applying an event costs
(docs/crowdfund.md, "Round trips"). These tests hold the counts and check that each
shortcut (the insert that lets the unique constraint decide, the threshold check without a
lock once every threshold is announced, the donor's flag from one query, the status from
the rows that query read) gives the same answer as the long way.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from crowdfund import ledger
from crowdfund.models import Donation, LedgerEntry, Milestone, StretchTarget, WebhookEvent
from crowdfund.stripe_events import apply_event
from tests.conftest import postgres_only
from tests.crowdfund.conftest import make_crowdfund, make_donation, total
from tests.support import stripe_standin as fake_stripe


def stored_payment_event(donation, amount):
    data = fake_stripe.event(
        "checkout.session.completed",
        fake_stripe.checkout_session(amount=amount, reference=str(donation.reference)),
    )
    return WebhookEvent.objects.create(
        event_id=data["id"], type=data["type"], livemode=False, payload=data
    )


def statements(queries) -> list[str]:
    """The statements sent, without the transaction's own BEGIN/COMMIT/SAVEPOINT lines."""
    control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")
    return [q["sql"] for q in queries if not q["sql"].strip().upper().startswith(control)]


@postgres_only
@pytest.mark.django_db
def test_a_payment_is_applied_in_at_most_eleven_statements(stripe_keys, home):
    """Inbox lock, donation and donor locks, ledger insert with the donor's rows for the
    flag, thresholds (below target: read, page lock, read again, sum), donation and inbox
    updates."""
    crowdfund = make_crowdfund(home, slug="round-trips", target_pence=1_000_000)
    Milestone.objects.create(crowdfund=crowdfund, kind="halfway", threshold_pence=500_000)
    event = stored_payment_event(make_donation(crowdfund, amount_pence=2_000), 2_000)

    with CaptureQueriesContext(connection) as queries:
        assert apply_event(event.pk) == "payment recorded"

    assert len(statements(queries)) <= 11, statements(queries)
    # One savepoint: apply_event's own transaction inside the test's; none around the insert.
    assert sum(q["sql"].startswith("SAVEPOINT") for q in queries) == 1
    assert total(crowdfund) == 2_000


@postgres_only
@pytest.mark.django_db
def test_once_every_threshold_is_announced_a_payment_takes_no_page_lock(stripe_keys, home):
    crowdfund = make_crowdfund(home, slug="all-announced", target_pence=10_000)
    for kind, threshold in (("halfway", 5_000), ("target", 10_000)):
        Milestone.objects.create(crowdfund=crowdfund, kind=kind, threshold_pence=threshold)
    event = stored_payment_event(make_donation(crowdfund, amount_pence=2_000), 2_000)

    with CaptureQueriesContext(connection) as queries:
        apply_event(event.pk)

    assert not any("wagtailcore_page" in q["sql"] and "FOR UPDATE" in q["sql"] for q in queries)
    assert not any("SUM(" in q["sql"] for q in queries)
    assert len(statements(queries)) <= 7, statements(queries)


@pytest.mark.django_db
def test_a_new_stretch_target_is_still_announced_when_passed(stripe_keys, home, post_event):
    """Everything announced, then an editor adds a stretch target: the next payment checks."""
    crowdfund = make_crowdfund(home, slug="new-stretch", target_pence=10_000)
    for kind, threshold in (("halfway", 5_000), ("target", 10_000)):
        Milestone.objects.create(crowdfund=crowdfund, kind=kind, threshold_pence=threshold)
    post_event(stored_payment_event(make_donation(crowdfund, amount_pence=12_000), 12_000).payload)
    StretchTarget.objects.create(page=crowdfund, amount_pence=15_000, description="Leaflets")

    post_event(stored_payment_event(make_donation(crowdfund, amount_pence=4_000), 4_000).payload)

    assert Milestone.objects.filter(crowdfund=crowdfund, kind="stretch").count() == 1
    assert Milestone.objects.get(crowdfund=crowdfund, kind="stretch").threshold_pence == 15_000


@pytest.mark.django_db
def test_the_same_movement_written_twice_is_one_entry(crowdfund):
    donation = make_donation(crowdfund, amount_pence=3_000)
    with transaction.atomic():
        donation = ledger.lock_donation(donation.pk)
        first = ledger.record_payment(donation, 3_000, "pi_same_movement")
        second = ledger.record_payment(donation, 3_000, "pi_same_movement")

    assert first is not None and first.pk is not None
    assert second is None
    assert list(LedgerEntry.objects.values_list("source_id", "amount_pence")) == [
        ("pi_same_movement", 3_000)
    ]
    assert Donation.objects.get(pk=donation.pk).status == "paid"


@pytest.mark.django_db
def test_a_movement_of_nothing_writes_nothing(crowdfund):
    donation = make_donation(crowdfund, amount_pence=3_000)
    with transaction.atomic():
        donation = ledger.lock_donation(donation.pk)
        ledger.record_payment(donation, 3_000, "pi_then_nothing", charge_id="ch_nothing")
        ledger.record_dispute(donation, "dp_nothing", "ch_nothing", 0, "needs_response")

    assert LedgerEntry.objects.count() == 1
    assert Donation.objects.get(pk=donation.pk).status == "paid"


@pytest.mark.django_db
def test_status_and_flag_follow_every_entry_of_the_donor(crowdfund):
    """Two gifts of one donor over £7,500 together: both flagged; a refund unflags both; the
    status of each follows its own rows, whichever writer ran last."""
    first = make_donation(crowdfund, amount_pence=400_000, email="Big@Example.com")
    second = make_donation(crowdfund, amount_pence=400_000, email="big@example.com ")
    with transaction.atomic():
        donation = ledger.lock_donation(first.pk)
        ledger.record_payment(donation, 400_000, "pi_big_one", charge_id="ch_big_one")
    with transaction.atomic():
        donation = ledger.lock_donation(second.pk)
        ledger.record_payment(donation, 400_000, "pi_big_two", charge_id="ch_big_two")

    assert set(Donation.objects.values_list("reportable", "status")) == {(True, "paid")}

    with transaction.atomic():
        donation = ledger.lock_donation(first.pk)
        ledger.record_refund(donation, "ch_big_one", 100_000)

    assert dict(Donation.objects.values_list("pk", "status")) == {
        first.pk: "partially_refunded",
        second.pk: "paid",
    }
    assert set(Donation.objects.values_list("reportable", flat=True)) == {False}


@postgres_only
@pytest.mark.django_db
def test_a_batch_of_payments_costs_four_statements_each_and_a_few_for_the_batch(stripe_keys, home):
    """Per payment: its savepoint (kept until the batch commits: never released), the
    donation found and locked (donor too), the ledger insert with the donor's rows for the
    flag, the donation's update. Per batch: the claim, one UPDATE for its outcome, one
    threshold read for its crowdfund."""
    from crowdfund import inbox

    crowdfund = make_crowdfund(home, slug="batch-round-trips", target_pence=10_000)
    for kind, threshold in (("halfway", 5_000), ("target", 10_000)):
        Milestone.objects.create(crowdfund=crowdfund, kind=kind, threshold_pence=threshold)
    for number in range(10):
        donation = make_donation(crowdfund, amount_pence=1_000, email=f"d{number}@example.com")
        stored_payment_event(donation, 1_000)

    with CaptureQueriesContext(connection) as queries:
        batch = inbox.apply_batch(50)

    assert (batch.claimed, batch.applied) == (10, 10)
    assert len(statements(queries)) == 10 * 3 + 3, statements(queries)
    # One savepoint per event, and the batch's own transaction inside the test's: only
    # that one is released.
    assert sum(q["sql"].startswith("SAVEPOINT") for q in queries) == 10 + 1
    assert sum(q["sql"].startswith("RELEASE SAVEPOINT") for q in queries) == 1
    assert total(crowdfund) == 10_000


@postgres_only
@pytest.mark.django_db
def test_a_batchs_events_are_marked_applied_in_one_statement_whatever_their_outcomes(
    stripe_keys, home
):
    """Each event gets its own outcome, one more attempt, no error and no next attempt."""
    from datetime import timedelta

    from django.utils import timezone

    from crowdfund import inbox

    crowdfund = make_crowdfund(home, slug="marked-applied", target_pence=10_000)
    paid = stored_payment_event(make_donation(crowdfund, email="paid@example.com"), 2_500)
    unpaid_session = fake_stripe.checkout_session(
        amount=2_500,
        reference=str(make_donation(crowdfund, email="unpaid@example.com").reference),
        payment_status="unpaid",
    )
    expired_session = fake_stripe.checkout_session(
        amount=2_500,
        reference=str(make_donation(crowdfund, email="gone@example.com").reference),
        status="expired",
        payment_status="unpaid",
    )
    stored = {"payment recorded": paid}
    for outcome, data in (
        ("session recorded", fake_stripe.event("checkout.session.completed", unpaid_session)),
        ("session expired", fake_stripe.event("checkout.session.expired", expired_session)),
        ("ignored: type not handled", fake_stripe.event("customer.created", {"id": "cus_1"})),
    ):
        stored[outcome] = WebhookEvent.objects.create(
            event_id=data["id"], type=data["type"], livemode=False, payload=data
        )
    # One of them was tried before, and failed.
    WebhookEvent.objects.filter(pk=stored["session expired"].pk).update(
        attempts=2, last_error="OperationalError: gone", next_attempt_at=timezone.now()
    )
    later = timezone.now() + timedelta(seconds=1)

    with CaptureQueriesContext(connection) as queries:
        batch = inbox.apply_batch(50, now=later)

    assert (batch.claimed, batch.applied) == (4, 4)
    updates = [q for q in statements(queries) if "UPDATE crowdfund_webhookevent" in q]
    assert len(updates) == 1, updates
    for outcome, event in stored.items():
        event.refresh_from_db()
        assert (event.outcome, event.last_error, event.next_attempt_at) == (outcome, "", None)
        assert event.applied_at is not None
    assert stored["session expired"].attempts == 3
    assert {e.attempts for o, e in stored.items() if o != "session expired"} == {1}
    assert len({e.applied_at for e in stored.values()}) == 1
