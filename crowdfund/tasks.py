"""Background work: applying Stripe events and settling all-or-nothing crowdfunds.

Every task is idempotent. Applying an event uses acks_late (set globally and
here): if a worker dies mid-task the broker redelivers it, and the inbox row
lock plus `applied_at` make the second run a no-op if the first had committed.
The emails (receipts, milestones, updates) are tasks of `crowdfund/emails.py`,
imported here so that every worker registers them.
"""

import logging

import stripe
from celery import shared_task
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from crowdfund import emails, inbox, payments
from crowdfund.figures import crowdfund_totals
from crowdfund.models import (
    AutoRefund,
    CrowdfundPage,
    Donation,
    Frequency,
    FundingModel,
    LedgerEntry,
    LedgerKind,
    Method,
    Milestone,
)
from crowdfund.stripe_events import apply_event

logger = logging.getLogger(__name__)
EMAIL_TASKS = (
    emails.send_receipt,
    emails.send_receipts,
    emails.announce_milestone,
    emails.email_update,
)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def apply_webhook_event(event_pk: int) -> str:
    return apply_event(event_pk)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def drain_webhook_inbox() -> int:
    """Apply the inbox's due events in batches (crowdfund/inbox.py). Queued by the webhook
    at most once while one waits; a drain killed mid-batch commits nothing and is
    redelivered. While batches come back full it asks for another drain to share the
    backlog (the worker's other processes), and one that stopped with work left asks
    again. Events that may need Stripe are applied by tasks of their own."""
    inbox.clear_drain_request()
    applied, emptied = inbox.drain(apply_alone=_apply_alone, more_waiting=request_drain)
    if not emptied:
        request_drain()
    return applied


def request_drain() -> bool:
    """Queue a drain unless one is already waiting to start. Whether one was queued."""
    if not inbox.claim_drain_request():
        return False
    drain_webhook_inbox.apply_async(retry=False)
    return True


def _apply_alone(event_pk: int) -> None:
    apply_webhook_event.apply_async((event_pk,), retry=False)


@shared_task
def apply_pending_webhook_events() -> int:
    """Beat: apply whatever the inbox still holds (broker was down, a task was lost)."""
    return inbox.drain(max_batches=None)[0]


@shared_task
def settle_finished_crowdfunds() -> int:
    """All-or-nothing crowdfunds past their deadline below target: refund card gifts, once."""
    settled = 0
    for page_id in CrowdfundPage.objects.filter(
        funding_model=FundingModel.ALL_OR_NOTHING, deadline__lt=timezone.now()
    ).values_list("pk", flat=True):
        settled += refund_missed_target(page_id)
    return settled


def refund_missed_target(page_id: int) -> int:
    """Refund every card payment of an all-or-nothing crowdfund that missed its target.

    The decision is taken once: the `refunds` milestone row (unique, created under the
    crowdfund's page lock). After that, every run (beat, a re-run, the run after a
    crash) cancels the monthly gifts still running and refunds each card payment in
    the ledger that has no finished `AutoRefund`, so a payment that arrives late is
    refunded too and nothing is refunded twice. Returns how many refunds Stripe made.
    """
    with transaction.atomic():
        Page.objects.select_for_update().filter(pk=page_id).first()
        page = CrowdfundPage.objects.get(pk=page_id)
        decided = Milestone.objects.filter(crowdfund_id=page_id, kind=Milestone.Kind.REFUNDS)
        if not decided.exists():
            if page.deadline is None or page.deadline > timezone.now():
                return 0
            if crowdfund_totals(page_id)["total"] >= page.target_pence:
                return 0
            Milestone.objects.create(
                crowdfund_id=page_id,
                kind=Milestone.Kind.REFUNDS,
                threshold_pence=page.target_pence,
                total_pence_then=crowdfund_totals(page_id)["total"],
            )
    cancel_monthly_gifts(page_id)
    refunded = 0
    for entry_pk in card_payments_to_refund(page_id):
        refunded += refund_one_payment(entry_pk)
    return refunded


def cancel_monthly_gifts(page_id: int) -> None:
    """Stop monthly card gifts first, so no new payment is taken while refunding."""
    running = Donation.objects.filter(
        crowdfund_id=page_id,
        method=Method.CARD,
        frequency=Frequency.MONTHLY,
        cancelled_at__isnull=True,
    ).exclude(stripe_subscription_id="")
    for donation in running:
        try:
            payments.cancel_subscription(donation.stripe_subscription_id)
        except stripe.InvalidRequestError:
            # Already cancelled at Stripe: customer.subscription.deleted records it.
            logger.info("Subscription %s already cancelled", donation.stripe_subscription_id)


def card_payments_to_refund(page_id: int) -> list[int]:
    return list(
        LedgerEntry.objects.filter(
            crowdfund_id=page_id, kind=LedgerKind.PAYMENT, donation__method=Method.CARD
        )
        .exclude(auto_refund__status=AutoRefund.Status.REFUNDED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def refund_one_payment(entry_pk: int) -> int:
    """Refund one payment ledger entry in full, at most once. Returns 1 if Stripe refunded."""
    entry = LedgerEntry.objects.get(pk=entry_pk)
    # The durable record, committed before Stripe is asked anything.
    AutoRefund.objects.get_or_create(
        payment_entry=entry,
        defaults={
            "crowdfund_id": entry.crowdfund_id,
            "donation_id": entry.donation_id,
            "idempotency_key": f"crowdfund-aon-refund-{entry.source_id}",
            "charge": entry.stripe_charge_id,
        },
    )
    with transaction.atomic():
        # Held while Stripe is asked: a concurrent run waits, then finds it refunded.
        record = AutoRefund.objects.select_for_update().get(payment_entry=entry)
        if record.status == AutoRefund.Status.REFUNDED:
            return 0
        record.attempts += 1
        try:
            if not record.payment_intent:
                record.payment_intent = payment_intent_of(entry)
            refund = payments.refund_payment(
                record.payment_intent,
                record.idempotency_key,
                charge_id=record.charge,
                metadata={"donation_reference": str(entry.donation.reference)},
            ).to_dict()
        except stripe.InvalidRequestError as error:
            if getattr(error, "code", None) != "charge_already_refunded":
                return _refund_failed(record, error)
            refund = {}
        except stripe.StripeError as error:
            return _refund_failed(record, error)
        record.status = AutoRefund.Status.REFUNDED
        record.refunded_at = timezone.now()
        record.stripe_refund_id = refund.get("id") or ""
        record.charge = record.charge or (refund.get("charge") or "")
        record.last_error = ""
        record.save()
        if record.charge and not entry.stripe_charge_id:
            # Lets charge.refunded (and disputes) find this payment by its charge.
            LedgerEntry.objects.filter(pk=entry.pk).update(stripe_charge_id=record.charge)
    return 1


def payment_intent_of(entry) -> str:
    """One-off payments are keyed by payment intent; monthly ones by invoice: ask Stripe."""
    if entry.source_id.startswith("pi_"):
        return entry.source_id
    if entry.source_id.startswith("in_"):
        return payments.payment_intent_for_invoice(entry.source_id)
    return ""


def _refund_failed(record, error) -> int:
    """Keep the reason; the row stays `requested` and the next run asks again (same key)."""
    record.last_error = f"{type(error).__name__}: {error}"[:2000]
    if record.attempts >= 10:
        record.status = record.Status.FAILED
    record.save()
    logger.warning("All-or-nothing refund of %s failed: %s", record.payment_entry_id, error)
    return 0
