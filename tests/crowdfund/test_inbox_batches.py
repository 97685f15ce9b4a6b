"""The inbox applied in batches (crowdfund/inbox.py): each event exactly once, whatever the
batch holds (duplicates, events before their object, one that fails), however many drains
run at once, and the webhook queues a drain only when none is waiting."""

import json
import threading

import pytest
from django.db import close_old_connections
from django.urls import reverse

from crowdfund import inbox, tasks
from crowdfund.models import Donation, LedgerEntry, WebhookEvent
from tests.conftest import postgres_only
from tests.crowdfund.conftest import make_crowdfund, make_donation, total
from tests.support import stripe_standin as fake_stripe
from tests.support.stripe_standin import WEBHOOK_SECRET, signed_headers


def receipts(outbox) -> list[str]:
    return sorted(m.to[0] for m in outbox if m.subject.startswith("Your receipt"))


def store(*events):
    """Delivered and stored, not applied yet (what a webhook leaves for the drain)."""
    for data in events:
        WebhookEvent.objects.get_or_create(
            event_id=data["id"],
            defaults={"type": data["type"], "livemode": False, "payload": data},
        )


def paid(donation, amount=None):
    """A one-off gift's completed session, and the charge of its payment."""
    amount = amount or donation.amount_pence
    session = fake_stripe.checkout_session(amount=amount, reference=str(donation.reference))
    charge = fake_stripe.charge(amount=amount, payment_intent=session["payment_intent"])
    return session, charge


@pytest.mark.django_db
def test_a_batch_with_duplicates_and_events_before_their_object_applies_each_once(
    stripe_keys, crowdfund, mailoutbox, django_capture_on_commit_callbacks
):
    ada = make_donation(crowdfund, amount_pence=3_000, email="ada@example.com")
    bea = make_donation(crowdfund, amount_pence=6_000, email="bea@example.com")
    cy = make_donation(crowdfund, amount_pence=9_000, email="cy@example.com")
    ada_session, _ = paid(ada)
    bea_session, bea_charge = paid(bea)
    cy_session, cy_charge = paid(cy)
    ada_paid = fake_stripe.event("checkout.session.completed", ada_session)
    # Bea's refund arrives before her payment (the charge proves the payment) ...
    bea_refund = fake_stripe.event(
        "charge.refunded",
        {
            **bea_charge,
            "amount_refunded": 2_000,
            "metadata": {"donation_reference": str(bea.reference)},
        },
    )
    # ... and Cy's dispute before his session, with nothing on it that names his gift:
    # it can only be placed once the session has recorded his payment intent.
    cy_dispute = fake_stripe.event(
        "charge.dispute.created",
        fake_stripe.dispute(
            charge_id=cy_charge["id"],
            payment_intent=cy_session["payment_intent"],
            amount=9_000,
            status="needs_response",
        ),
    )
    arrivals = [
        ada_paid,
        bea_refund,
        cy_dispute,
        fake_stripe.event("checkout.session.async_payment_succeeded", ada_session),
        fake_stripe.event("checkout.session.completed", bea_session),
        fake_stripe.event("checkout.session.completed", cy_session),
    ]
    store(*arrivals)
    store(ada_paid, bea_refund)  # delivered twice: still one row each

    with django_capture_on_commit_callbacks(execute=True):
        applied, emptied = inbox.drain(batch_size=10)

    assert (applied, emptied) == (6, True)
    assert WebhookEvent.objects.count() == 6
    assert not WebhookEvent.objects.filter(applied_at__isnull=True).exists()
    assert total(crowdfund) == 3_000 + (6_000 - 2_000) + (9_000 - 9_000)
    assert sorted(LedgerEntry.objects.values_list("donation__email", "kind", "amount_pence")) == [
        ("ada@example.com", "payment", 3_000),
        ("bea@example.com", "payment", 6_000),
        ("bea@example.com", "refund", -2_000),
        ("cy@example.com", "dispute_lost", -9_000),
        ("cy@example.com", "payment", 9_000),
    ]
    assert receipts(mailoutbox) == ["ada@example.com", "bea@example.com", "cy@example.com"]

    store(*arrivals)  # every one delivered again, after it was applied
    with django_capture_on_commit_callbacks(execute=True):
        assert inbox.drain(batch_size=10) == (0, True)
    assert LedgerEntry.objects.count() == 5
    assert len(receipts(mailoutbox)) == 3


@pytest.mark.django_db
def test_one_failing_event_in_a_batch_loses_none_of_the_others_and_keeps_none_of_its_writes(
    stripe_keys, crowdfund, mailoutbox, django_capture_on_commit_callbacks
):
    ada = make_donation(crowdfund, amount_pence=3_000, email="ada@example.com")
    bea = make_donation(crowdfund, amount_pence=6_000, email="bea@example.com")
    cy = make_donation(crowdfund, amount_pence=9_000, email="cy@example.com")
    ada_session, _ = paid(ada)
    _, bea_charge = paid(bea)
    cy_session, _ = paid(cy)
    # Bea's refund records her payment from the charge, then fails on a charge without
    # `amount_refunded`: the payment it wrote must go with it.
    broken = {**bea_charge, "metadata": {"donation_reference": str(bea.reference)}}
    del broken["amount_refunded"]
    failing = fake_stripe.event("charge.refunded", broken)
    store(
        fake_stripe.event("checkout.session.completed", ada_session),
        failing,
        fake_stripe.event("checkout.session.completed", cy_session),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert inbox.drain(batch_size=10) == (2, True)

    assert total(crowdfund) == 12_000
    assert not LedgerEntry.objects.filter(donation=bea).exists()
    assert Donation.objects.get(pk=bea.pk).status == "pending"
    assert receipts(mailoutbox) == ["ada@example.com", "cy@example.com"]
    waiting = WebhookEvent.objects.get(event_id=failing["id"])
    assert waiting.applied_at is None
    assert waiting.attempts == 1
    assert waiting.last_error.startswith("KeyError")
    assert waiting.next_attempt_at is not None
    assert set(
        WebhookEvent.objects.filter(applied_at__isnull=False).values_list("attempts", flat=True)
    ) == {1}

    # Not due yet: a second drain leaves it waiting and applies nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert inbox.drain(batch_size=10) == (0, True)
    assert LedgerEntry.objects.count() == 2
    assert len(receipts(mailoutbox)) == 2


@pytest.mark.django_db
def test_a_failure_after_the_events_rolls_the_whole_batch_back_and_the_next_drain_applies_it(
    stripe_keys, crowdfund, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    """As a drain killed mid-batch: nothing of the batch commits, every event still waits."""
    donations = [
        make_donation(crowdfund, amount_pence=1_000 * n, email=f"d{n}@example.com")
        for n in (1, 2, 3)
    ]
    store(*(fake_stripe.event("checkout.session.completed", paid(d)[0]) for d in donations))

    def dies(*args, **kwargs):
        raise SystemExit("the worker is gone")

    with monkeypatch.context() as patched:
        patched.setattr(inbox, "_write_down", dies)  # every event applied, not committed
        with pytest.raises(SystemExit), django_capture_on_commit_callbacks(execute=True):
            inbox.drain(batch_size=10)

    assert WebhookEvent.objects.filter(applied_at__isnull=True, attempts=0).count() == 3
    assert not LedgerEntry.objects.exists()
    assert receipts(mailoutbox) == []

    with django_capture_on_commit_callbacks(execute=True):
        assert inbox.drain(batch_size=10) == (3, True)
    assert total(crowdfund) == 6_000
    assert len(receipts(mailoutbox)) == 3


@pytest.mark.django_db
def test_the_webhook_queues_one_drain_while_one_waits_and_again_once_it_started(
    stripe_keys, crowdfund, client, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks.drain_webhook_inbox, "apply_async", lambda *a, **k: queued.append(k))
    donations = [make_donation(crowdfund, amount_pence=1_000 * n) for n in (1, 2, 3, 4)]

    def deliver(donation):
        body = json.dumps(fake_stripe.event("checkout.session.completed", paid(donation)[0]))
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("crowdfund_stripe_webhook"),
                data=body,
                content_type="application/json",
                **signed_headers(body, WEBHOOK_SECRET),
            )
        assert response.status_code == 200

    for donation in donations[:3]:
        deliver(donation)
    assert len(queued) == 1  # one drain waiting covers all three
    assert total(crowdfund) == 0

    assert tasks.drain_webhook_inbox() == 3  # the worker runs it
    assert total(crowdfund) == 6_000

    deliver(donations[3])  # stored after that drain started: asks for another
    assert len(queued) == 2
    assert tasks.drain_webhook_inbox() == 1
    assert total(crowdfund) == 10_000


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_drains_at_once_apply_each_event_once(stripe_keys, home, mailoutbox):
    """Three drains start together on 40 gifts' events (payments, the same payment again
    as another event, refunds), in small batches so that they claim turn about."""
    crowdfund = make_crowdfund(home, slug="drains-at-once", target_pence=10_000_000)
    events, expected, payments = [], 0, 0
    for number in range(40):
        donation = make_donation(
            crowdfund, amount_pence=1_000 + number, email=f"d{number}@example.com"
        )
        session, charge = paid(donation)
        events.append(fake_stripe.event("checkout.session.completed", session))
        expected += donation.amount_pence
        payments += 1
        if number % 3 == 0:
            events.append(fake_stripe.event("checkout.session.async_payment_succeeded", session))
        if number % 4 == 0:
            refunded = {
                **charge,
                "amount_refunded": 500,
                "metadata": {"donation_reference": str(donation.reference)},
            }
            events.append(fake_stripe.event("charge.refunded", refunded))
            expected -= 500
    store(*events)
    barrier = threading.Barrier(3)
    results = []

    def work():
        try:
            barrier.wait()
            results.append(inbox.drain(batch_size=4, max_batches=None))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(applied for applied, _ in results) == len(events)  # each counted by one drain
    assert not WebhookEvent.objects.filter(applied_at__isnull=True).exists()
    assert set(WebhookEvent.objects.values_list("attempts", flat=True)) == {1}
    assert total(crowdfund) == expected
    assert LedgerEntry.objects.filter(kind="payment").count() == payments
    assert LedgerEntry.objects.count() == len(
        set(LedgerEntry.objects.values_list("source_id", "kind"))
    )
    assert len(receipts(mailoutbox)) == payments


@pytest.mark.django_db
def test_a_kept_savepoint_undoes_a_failed_events_writes_and_callbacks_and_keeps_the_others(
    django_capture_on_commit_callbacks,
):
    """Each event's savepoint is kept, not released: one that fails (raising, or with an
    inner block that failed without savepoint) rolls back to its own, and only its own."""
    from django.db import IntegrityError, transaction

    ran = []

    def stored(name):
        WebhookEvent.objects.create(event_id=name, type="t", payload={})
        transaction.on_commit(lambda: ran.append(name))

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with inbox.kept_savepoint():
            stored("first")
        with pytest.raises(ValueError), inbox.kept_savepoint():
            stored("raised")
            raise ValueError
        with inbox.kept_savepoint():
            stored("inner failure")
            try:
                with transaction.atomic(savepoint=False):
                    WebhookEvent.objects.create(event_id="first", type="t", payload={})
            except IntegrityError:
                pass  # the transaction needs a rollback now: the savepoint's
        with inbox.kept_savepoint():
            stored("last")

    assert sorted(WebhookEvent.objects.values_list("event_id", flat=True)) == ["first", "last"]
    assert ran == ["first", "last"]


@pytest.mark.django_db(transaction=True)
def test_a_kept_savepoint_needs_a_transaction():
    from django.db import transaction

    with pytest.raises(transaction.TransactionManagementError), inbox.kept_savepoint():
        pass
