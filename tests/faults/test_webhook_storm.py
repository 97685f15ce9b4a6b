"""A storm of duplicate and out-of-order Stripe webhooks ends with exact totals.

Many donations across several crowdfunds, each with the events Stripe sends for it
(payments, delayed payments that succeed or fail, expiries, partial and full refunds
with Stripe's cumulative amounts, disputes opened, won and lost, monthly invoices,
cancellations), every event delivered several times in a random order, signed, to the
real webhook endpoint. Stripe is the local stand-in; an event that names a payment we
have not seen yet waits in the inbox and the catch-up task (beat in production) applies
it later. Then each crowdfund's total and donor count, each donation's status, the
ledger (no movement twice) and the receipts (one per payment) must equal what is
computed here, independently, from the generated money movements.

Hypothesis draws the donations, how often each event is delivered and the order, and
shrinks any failure to the smallest storm that shows it. A larger storm runs with fixed
seeds, and on PostgreSQL the same storm is posted by eight threads at once.
"""

import json
import random
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.core import mail
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crowdfund.models import (
    CrowdfundPage,
    Donation,
    Frequency,
    LedgerEntry,
    LedgerKind,
    WebhookEvent,
)
from crowdfund.stripe_events import apply_pending
from tests.conftest import postgres_only
from tests.crowdfund.conftest import make_crowdfund
from tests.support import stripe_standin as fake_stripe
from tests.support.stripe_standin import WEBHOOK_SECRET

AMOUNTS = [500, 1_000, 2_500, 10_000, 60_000]
# What can happen to one gift. Each kind lists the events Stripe sends for it.
KINDS = [
    "paid",
    "delayed_then_paid",
    "delayed_then_failed",
    "expired",
    "partly_refunded",
    "refunded_in_two_steps",
    "refunded_in_two_partial_steps",
    "dispute_open",
    "dispute_lost",
    "dispute_won",
    "monthly",
    "monthly_cancelled",
    "monthly_first_payment_failed",
]


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """Sign each event and post it to the webhook, running what it enqueues (eager Celery)."""

    def post_each(events) -> None:
        for event in events:
            body = json.dumps(event)
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(
                    reverse("crowdfund_stripe_webhook"),
                    data=body,
                    content_type="application/json",
                    **fake_stripe.signed_headers(body, WEBHOOK_SECRET),
                )
            assert response.status_code == 200, response.content

    return post_each


@dataclass
class Gift:
    """One donation as the storm generator sees it: what it should end as."""

    kind: str
    amount: int
    crowdfund: int  # index into the storm's crowdfunds
    months: int = 1  # invoices paid, for monthly gifts
    stripe_knows_charge: bool = False  # the stand-in can answer lookups of its charge
    donation: Donation | None = None
    events: list = field(default_factory=list)
    net: int = 0
    payments: int = 0
    status: str = ""


def build_events(gift: Gift, standin) -> None:
    """The events Stripe sends for this gift, and what the gift must end as."""
    donation, amount = gift.donation, gift.amount
    reference = str(donation.reference)
    event = fake_stripe.event

    if gift.kind.startswith("monthly"):
        session = fake_stripe.checkout_session(
            amount=amount, reference=reference, mode="subscription"
        )
        subscription = session["subscription"]
        gift.events.append(event("checkout.session.completed", session))
        if gift.kind == "monthly_first_payment_failed":
            first = fake_stripe.invoice(
                amount=amount,
                subscription=subscription,
                reference=reference,
                billing_reason="subscription_create",
            )
            gift.events.append(event("invoice.payment_failed", first))
            gift.status = "failed"
            return
        for _ in range(gift.months):
            invoice = fake_stripe.invoice(
                amount=amount, subscription=subscription, reference=reference
            )
            gift.events.append(event("invoice.paid", invoice))
        # A later month that fails does not undo the gift.
        late = fake_stripe.invoice(amount=amount, subscription=subscription, reference=reference)
        gift.events.append(event("invoice.payment_failed", late))
        gift.net, gift.payments, gift.status = amount * gift.months, gift.months, "active"
        if gift.kind == "monthly_cancelled":
            ended = fake_stripe.subscription(subscription_id=subscription, reference=reference)
            gift.events.append(event("customer.subscription.deleted", ended))
            gift.status = "cancelled"
        return

    session = fake_stripe.checkout_session(amount=amount, reference=reference)
    unpaid = {**session, "payment_status": "unpaid"}
    charge = fake_stripe.charge(
        amount=amount, payment_intent=session["payment_intent"], reference=reference
    )
    if gift.stripe_knows_charge:
        standin.add_charge(dict(charge))

    if gift.kind == "expired":
        expired = {**unpaid, "status": "expired"}
        gift.events.append(event("checkout.session.expired", expired))
        gift.status = "expired"
        return
    if gift.kind == "delayed_then_failed":
        gift.events += [
            event("checkout.session.completed", unpaid),
            event("checkout.session.async_payment_failed", unpaid),
        ]
        gift.status = "failed"
        return
    if gift.kind == "delayed_then_paid":
        gift.events += [
            event("checkout.session.completed", unpaid),
            event("checkout.session.async_payment_succeeded", session),
        ]
    else:
        gift.events.append(event("checkout.session.completed", session))
    gift.net, gift.payments, gift.status = amount, 1, "paid"

    def refunded_to(cumulative):
        return event("charge.refunded", {**charge, "amount_refunded": cumulative})

    if gift.kind == "partly_refunded":
        gift.events.append(refunded_to(amount // 4))
        gift.net, gift.status = amount - amount // 4, "partially_refunded"
    elif gift.kind == "refunded_in_two_steps":
        gift.events += [refunded_to(amount // 4), refunded_to(amount)]
        gift.net, gift.status = 0, "refunded"
    elif gift.kind == "refunded_in_two_partial_steps":
        gift.events += [refunded_to(amount // 5), refunded_to(amount // 2)]
        gift.net, gift.status = amount - amount // 2, "partially_refunded"
    elif gift.kind.startswith("dispute"):
        dispute = fake_stripe.dispute(
            charge_id=charge["id"],
            payment_intent=session["payment_intent"],
            amount=amount,
            status="needs_response",
        )
        gift.events.append(event("charge.dispute.created", dispute))
        gift.net, gift.status = 0, "disputed"
        if gift.kind != "dispute_open":
            won = gift.kind == "dispute_won"
            closed = {**dispute, "status": "won" if won else "lost"}
            gift.events.append(event("charge.dispute.closed", closed))
            if won:
                gift.net, gift.status = amount, "paid"


@dataclass
class Storm:
    crowdfunds: list
    gifts: list
    label: str

    @property
    def events(self) -> list[dict]:
        return [event for gift in self.gifts for event in gift.events]


def make_storm(home, standin, gifts: list[Gift], crowdfund_count: int) -> Storm:
    label = uuid.uuid4().hex[:8]
    crowdfunds = [
        make_crowdfund(home, slug=f"storm-{label}-{n}", target_pence=50_000)
        for n in range(crowdfund_count)
    ]
    for number, gift in enumerate(gifts):
        gift.donation = Donation.objects.create(
            crowdfund=crowdfunds[gift.crowdfund % crowdfund_count],
            amount_pence=gift.amount,
            frequency=Frequency.MONTHLY if gift.kind.startswith("monthly") else Frequency.ONE_OFF,
            method="card",
            name=f"Storm donor {number}",
            email=f"storm-{label}-{number}@example.com",
        )
        build_events(gift, standin)
    return Storm(crowdfunds, gifts, label)


def catch_up() -> None:
    """What beat does every minute: apply whatever still waits, until nothing changes."""
    for _ in range(10):
        waiting = WebhookEvent.objects.filter(applied_at__isnull=True).count()
        if not waiting:
            return
        apply_pending(due_only=False)  # as if each back-off had passed
        if WebhookEvent.objects.filter(applied_at__isnull=True).count() == waiting:
            return


def assert_storm_ended_exactly(storm: Storm, client) -> None:
    gifts_by_crowdfund = {page.pk: [] for page in storm.crowdfunds}
    for gift in storm.gifts:
        gifts_by_crowdfund[gift.donation.crowdfund_id].append(gift)

    unique_ids = {event["id"] for event in storm.events}
    stored = WebhookEvent.objects.filter(event_id__in=unique_ids)
    assert stored.count() == len(unique_ids)
    waiting = list(stored.filter(applied_at__isnull=True).values_list("type", "last_error"))
    assert not waiting, waiting

    for page in storm.crowdfunds:
        gifts = gifts_by_crowdfund[page.pk]
        expected_total = sum(gift.net for gift in gifts)
        # Donors are people whose money is still held (each storm gift has its own email):
        # a gift refunded in full or withdrawn by a dispute counts no donor.
        expected_donors = sum(1 for gift in gifts if gift.net > 0)
        figures = CrowdfundPage.objects.get(pk=page.pk).totals()
        assert (figures["total"], figures["donors"]) == (expected_total, expected_donors)
        # The figures the public page reads, through the real endpoint.
        shown = client.get(reverse("crowdfund_totals", args=[page.pk])).json()
        assert (shown["total_pence"], shown["donors"]) == (expected_total, expected_donors)

    receipts = Counter(
        message.to[0] for message in mail.outbox if message.subject.startswith("Your receipt")
    )
    for gift in storm.gifts:
        donation = Donation.objects.get(pk=gift.donation.pk)
        entries = LedgerEntry.objects.filter(donation=donation)
        payments = entries.filter(kind=LedgerKind.PAYMENT)
        description = f"{gift.kind} of {gift.amount}"
        assert donation.status == gift.status, description
        assert payments.count() == gift.payments, description
        assert sum(entries.values_list("amount_pence", flat=True)) == gift.net, description
        # One entry per movement of money, whatever was delivered twice.
        keys = list(entries.values_list("kind", "source_id"))
        assert len(keys) == len(set(keys)), description
        assert receipts[donation.email] == gift.payments, description


# --- property-based: hypothesis draws the gifts, the duplicates and the order -----------------
gift_strategy = st.builds(
    Gift,
    kind=st.sampled_from(KINDS),
    amount=st.sampled_from(AMOUNTS),
    crowdfund=st.integers(0, 2),
    months=st.integers(1, 3),
    stripe_knows_charge=st.booleans(),
)


@pytest.mark.django_db
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(gifts=st.lists(gift_strategy, min_size=2, max_size=8), data=st.data())
def test_any_storm_of_duplicate_out_of_order_webhooks_ends_with_exact_totals(
    home, stripe_standin, deliver, client, django_capture_on_commit_callbacks, gifts, data
):
    mail.outbox.clear()
    storm = make_storm(home, stripe_standin, gifts, crowdfund_count=3)
    events = storm.events
    copies = data.draw(st.lists(st.integers(1, 3), min_size=len(events), max_size=len(events)))
    deliveries = [e for e, count in zip(events, copies, strict=True) for _ in range(count)]
    order = data.draw(st.permutations(range(len(deliveries))))

    deliver([deliveries[i] for i in order])
    with django_capture_on_commit_callbacks(execute=True):
        catch_up()

    assert_storm_ended_exactly(storm, client)


# --- a large storm with fixed seeds ---------------------------------------------------------------
def seeded_gifts(seed: int, per_kind: int = 2) -> list[Gift]:
    rng = random.Random(seed)
    return [
        Gift(
            kind=kind,
            amount=rng.choice(AMOUNTS),
            crowdfund=rng.randrange(4),
            months=rng.randint(1, 3),
            stripe_knows_charge=rng.random() < 0.5,
        )
        for kind in KINDS
        for _ in range(per_kind)
    ]


def seeded_deliveries(storm: Storm, seed: int) -> list[dict]:
    """Every event two to four times, all shuffled together."""
    rng = random.Random(seed)
    deliveries = [event for event in storm.events for _ in range(rng.randint(2, 4))]
    rng.shuffle(deliveries)
    return deliveries


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_large_seeded_storm_of_webhooks_ends_with_exact_totals(
    home, stripe_standin, deliver, client, django_capture_on_commit_callbacks, seed
):
    storm = make_storm(home, stripe_standin, seeded_gifts(seed), crowdfund_count=4)
    deliveries = seeded_deliveries(storm, seed)
    assert len(deliveries) > 2 * len(storm.events) > 100

    deliver(deliveries)
    with django_capture_on_commit_callbacks(execute=True):
        catch_up()

    assert_storm_ended_exactly(storm, client)


# --- the same storm from eight threads at once, on PostgreSQL ------------------------------------
@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_storm_posted_by_eight_threads_at_once_ends_with_exact_totals(
    home, stripe_standin, client, mailoutbox
):
    storm = make_storm(home, stripe_standin, seeded_gifts(7), crowdfund_count=3)
    deliveries = seeded_deliveries(storm, 7)
    bodies = [json.dumps(event) for event in deliveries]
    position = iter(range(len(bodies)))
    position_lock = threading.Lock()
    barrier = threading.Barrier(8)
    statuses = Counter()
    url = reverse("crowdfund_stripe_webhook")

    def post_until_done():
        try:
            barrier.wait()
            thread_client = Client()
            while True:
                with position_lock:
                    index = next(position, None)
                if index is None:
                    return
                headers = fake_stripe.signed_headers(bodies[index], WEBHOOK_SECRET)
                response = thread_client.post(
                    url, data=bodies[index], content_type="application/json", **headers
                )
                with position_lock:
                    statuses[response.status_code] += 1
        finally:
            close_old_connections()

    threads = [threading.Thread(target=post_until_done) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == {200: len(bodies)}
    catch_up()
    assert_storm_ended_exactly(storm, client)
