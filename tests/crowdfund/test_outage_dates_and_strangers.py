"""Three things Stripe's real life throws at the inbox, through signed webhooks.

- A long outage: an event that needs a Stripe lookup while Stripe answers 500 waits,
  backing off to hours, for days (well past the 50 attempts it once gave up after), is
  never dropped, and is applied once Stripe answers again.
- 31 December: a payment made at 23:59 on New Year's Eve and applied after midnight
  counts in the year it was made, and its receipt says 31 December.
- A session of another application on our Stripe account is ignored quietly: marked
  ignored at its first look, no traceback, never tried again.

Time passes by moving Django's clock (`timezone.now`), never by sleeping.
"""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from crowdfund import ledger
from crowdfund.models import (
    Donation,
    Frequency,
    LedgerEntry,
    LedgerKind,
    PermissibilityCheck,
    WebhookEvent,
)
from crowdfund.stripe_events import LONGEST_WAIT_SECONDS
from crowdfund.tasks import apply_pending_webhook_events
from tests.crowdfund.conftest import make_donation, total
from tests.support import stripe_standin as fake_stripe

pytestmark = pytest.mark.django_db


class Clock:
    """Django's notion of now, moved by the test (the database and Stripe are real)."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", clock)
    return clock


# --- a long outage ---------------------------------------------------------------------------
@pytest.fixture
def refund_needing_a_lookup(crowdfund, stripe_standin, post_event):
    """A monthly payment of £25 whose charge.refunded names nothing of ours: only Stripe
    can say which invoice (and so which donation) the charge paid."""
    donation = make_donation(crowdfund, amount_pence=2_500, frequency=Frequency.MONTHLY)
    session = fake_stripe.checkout_session(
        amount=2_500, reference=str(donation.reference), mode="subscription"
    )
    post_event(fake_stripe.event("checkout.session.completed", session))
    invoice = fake_stripe.invoice(
        amount=2_500, subscription=session["subscription"], reference=str(donation.reference)
    )
    post_event(fake_stripe.event("invoice.paid", invoice))
    charge = fake_stripe.charge(amount=2_500, payment_intent=fake_stripe.new_id("pi"))
    stripe_standin.invoices[invoice["id"]] = invoice
    stripe_standin.add_charge(charge, invoice_id=invoice["id"])
    assert total(crowdfund) == 2_500
    return fake_stripe.event("charge.refunded", {**charge, "amount_refunded": 2_500})


def test_an_event_deferred_through_a_long_outage_is_applied_when_stripe_answers_again(
    settings, crowdfund, stripe_standin, post_event, refund_needing_a_lookup, clock, caplog
):
    settings.STRIPE_MAX_NETWORK_RETRIES = 0  # each attempt asks once; the back-off is ours
    caplog.set_level(logging.INFO)
    stripe_standin.outage = True
    post_event(refund_needing_a_lookup)
    stored = WebhookEvent.objects.get(event_id=refund_needing_a_lookup["id"])
    assert stored.applied_at is None and stored.attempts == 1
    assert "Stripe is failing" in stored.last_error

    # Beat runs the catch-up every minute for eight days; Stripe fails all along.
    started = clock.now
    waits = []
    while clock.now < started + timedelta(days=8):
        stored.refresh_from_db()
        due = stored.next_attempt_at
        clock.advance(minutes=1)
        before = stored.attempts
        apply_pending_webhook_events()
        stored.refresh_from_db()
        if clock.now < due:
            assert stored.attempts == before, "tried before its back-off had passed"
        elif stored.attempts > before:
            waits.append(stored.next_attempt_at - clock.now)
        if clock.now < due - timedelta(minutes=2):
            clock.now = due - timedelta(minutes=1)  # skip the quiet minutes
    stored.refresh_from_db()
    assert stored.applied_at is None  # still waiting, never dropped
    assert stored.attempts > 50
    assert waits[0] == timedelta(minutes=2)
    assert max(waits) == timedelta(seconds=LONGEST_WAIT_SECONDS)  # backs off to hours
    assert total(crowdfund) == 2_500  # the refund is not guessed at
    assert not [r for r in caplog.records if r.exc_info], "an expected wait logged a traceback"

    # Stripe is back: the next catch-up applies it, once.
    stripe_standin.outage = False
    clock.now = stored.next_attempt_at + timedelta(seconds=1)
    apply_pending_webhook_events()
    stored.refresh_from_db()
    assert stored.applied_at is not None and stored.last_error == ""
    assert total(crowdfund) == 0
    assert LedgerEntry.objects.filter(kind=LedgerKind.REFUND).count() == 1
    apply_pending_webhook_events()
    assert total(crowdfund) == 0


def test_reconcile_applies_a_waiting_event_at_once_whatever_its_back_off(
    crowdfund, stripe_standin, post_event, refund_needing_a_lookup, settings
):
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    stripe_standin.outage = True
    post_event(refund_needing_a_lookup)
    WebhookEvent.objects.update(next_attempt_at=timezone.now() + timedelta(hours=4))
    stripe_standin.outage = False

    apply_pending_webhook_events()  # the beat respects the back-off: not yet
    assert total(crowdfund) == 2_500
    call_command("reconcile_stripe")  # the operator after an outage: everything, now

    assert WebhookEvent.objects.get(type="charge.refunded").applied_at is not None
    assert total(crowdfund) == 0


def test_reconcile_repairs_a_stale_reportable_flag(crowdfund, stripe_standin):
    """A flag out of step with the rows (a changed period setting, an edited email)."""
    donation = make_donation(crowdfund, amount_pence=800_000, address="1 High St")
    ledger.record_payment(ledger.lock_donation(donation.pk), 800_000, "pi_big")
    Donation.objects.filter(pk=donation.pk).update(reportable=False)  # out of step

    call_command("reconcile_stripe")

    donation.refresh_from_db()
    assert donation.reportable


# --- 31 December ------------------------------------------------------------------------------
def test_a_payment_at_2359_on_new_years_eve_applied_after_midnight_stays_in_its_year(
    settings, crowdfund, stripe_standin, post_event, clock, mailoutbox
):
    settings.CROWDFUND_REGULATED_PERIOD_START = "2025-01-01"
    settings.CROWDFUND_REGULATED_PERIOD_END = "2026-01-01"  # end exclusive
    made = datetime(2025, 12, 31, 23, 59, tzinfo=UTC)  # 23:59 in London too (GMT)
    donor = {"email": "donor@example.com", "name": "Ada Lovelace", "address": "1 High St"}

    # Earlier that year: £7,000, a donation in law on its own.
    clock.now = datetime(2025, 6, 1, 12, tzinfo=UTC)
    earlier = make_donation(crowdfund, amount_pence=700_000, **donor)
    session = fake_stripe.checkout_session(amount=700_000, reference=str(earlier.reference))
    created = int(clock.now.timestamp())
    post_event(fake_stripe.event("checkout.session.completed", session, created=created))

    # £600 at 23:59 on 31 December; Stripe is slow and its webhook is applied at 00:30.
    late = make_donation(crowdfund, amount_pence=60_000, **donor)
    session = fake_stripe.checkout_session(amount=60_000, reference=str(late.reference))
    clock.now = datetime(2026, 1, 1, 0, 30, tzinfo=UTC)
    mail.outbox.clear()
    created = int(made.timestamp())
    post_event(fake_stripe.event("checkout.session.completed", session, created=created))

    entry = LedgerEntry.objects.get(donation=late, kind=LedgerKind.PAYMENT)
    assert entry.moved_at == made
    applied = WebhookEvent.objects.get(payload__data__object__id=session["id"]).applied_at
    assert applied == clock.now  # applied after midnight, yet dated when the money moved
    # Both gifts fall in the 2025 period: £7,600 > £7,500, so the donor is reportable.
    late.refresh_from_db()
    earlier.refresh_from_db()
    assert late.reportable and earlier.reportable
    check = PermissibilityCheck.objects.get(payment_entry=entry)
    assert check.due_by == made + timedelta(days=30)  # 30 days from receipt
    [receipt] = [m for m in mail.outbox if m.subject.startswith("Your receipt")]
    assert "Date: 31 December 2025" in receipt.body
    assert "1 January 2026" not in receipt.body


# --- a session that is not ours -------------------------------------------------------------------
@pytest.mark.parametrize(
    "reference",
    ["order-8812", "9b2f6c1e-3a52-4c1e-8f0e-5a4b2c1d0e9f"],
    ids=["another-apps-reference", "a-uuid-that-is-no-donation-of-ours"],
)
def test_a_session_of_another_application_is_ignored_quietly_after_the_first_look(
    crowdfund, stripe_standin, post_event, caplog, reference
):
    caplog.set_level(logging.DEBUG)
    session = fake_stripe.checkout_session(amount=1_000, reference=reference)
    session["metadata"] = {"order": "8812"}  # nothing of ours
    completed = fake_stripe.event("checkout.session.completed", session)
    expired = fake_stripe.event("checkout.session.expired", {**session, "status": "expired"})

    for event in [completed, expired]:
        assert post_event(event).status_code == 200
    apply_pending_webhook_events()
    stripe_standin.events = [completed, expired]
    call_command("reconcile_stripe")  # the daily catch-up looks at everything again

    for event in [completed, expired]:
        stored = WebhookEvent.objects.get(event_id=event["id"])
        assert stored.applied_at is not None
        assert stored.outcome.startswith("ignored")
        assert stored.attempts == 1 and stored.last_error == ""
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]
    assert total(crowdfund) == 0
    assert not Donation.objects.exists()
