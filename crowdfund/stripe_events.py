"""Apply stored Stripe events to donations and the ledger, each exactly once.

`apply_event` locks the inbox row (select_for_update) and applies the event in
the same transaction that marks it applied, so two workers given the same event
(a duplicate delivery, a redelivered task after a worker died) take turns and
the second finds it done. Each handler locks the donation it touches and only
records facts that accumulate (money movements keyed by their Stripe object,
timestamps set once), so events arriving out of order end in the same state.
An event whose donation is not known yet (for example a dispute before the
session completed, with no metadata to find it by) is left unapplied with the
reason, and the catch-up task tries it again later.
"""

import logging

import stripe
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from crowdfund import ledger, payments
from crowdfund.models import AutoRefund, Donation, Frequency, LedgerEntry, LedgerKind, WebhookEvent

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 50


class NotYetKnown(Exception):
    """The event refers to a donation we cannot find yet: try again later."""


def apply_event(event_pk: int) -> str:
    """Apply one inbox event if it is not applied yet. Returns what happened."""
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.select_for_update().get(pk=event_pk)
            if event.applied_at is not None:
                return "already applied"
            outcome = dispatch(event)
            event.applied_at = timezone.now()
            event.outcome = outcome[:200]
            event.attempts = F("attempts") + 1
            event.last_error = ""
            event.save(update_fields=["applied_at", "outcome", "attempts", "last_error"])
            return outcome
    except Exception as error:  # noqa: BLE001 - recorded, then retried by the catch-up task
        WebhookEvent.objects.filter(pk=event_pk).update(
            attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        if not isinstance(error, NotYetKnown):
            logger.exception("Stripe event %s could not be applied", event_pk)
        return "deferred"


def apply_pending(limit: int = 1000) -> int:
    """Apply whatever is still unapplied (the catch-up for a lost task or a down broker)."""
    pending = (
        WebhookEvent.objects.filter(applied_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    applied = 0
    for pk in list(pending):
        if apply_event(pk) != "deferred":
            applied += 1
    return applied


def dispatch(event: WebhookEvent) -> str:
    if event.livemode != payments.expected_livemode():
        return "ignored: other mode"
    handler = HANDLERS.get(event.type)
    if handler is None:
        return "ignored: type not handled"
    obj = event.payload.get("data", {}).get("object", {})
    currency = obj.get("currency")
    if currency and currency.lower() != "gbp":
        logger.warning("Stripe event %s is in %s, not GBP: ignored", event.event_id, currency)
        return "ignored: not GBP"
    return handler(obj, event.event_id) or "applied"


# --- finding the donation ---------------------------------------------------------
def _metadata_reference(*metadatas) -> str:
    for metadata in metadatas:
        if metadata and metadata.get("donation_reference"):
            return metadata["donation_reference"]
    return ""


def _locked(query: Q):
    donation = Donation.objects.select_for_update().filter(query).first()
    if donation is None:
        raise NotYetKnown(f"no donation matches {query}")
    return donation


def _by_reference_or(reference: str, fallback: Q):
    if reference:
        return _locked(Q(reference=reference))
    return _locked(fallback)


def _invoice_subscription(invoice: dict) -> tuple[str, dict]:
    """Subscription id and its metadata, wherever this API version puts them."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    legacy = invoice.get("subscription_details") or {}
    subscription = invoice.get("subscription") or details.get("subscription") or ""
    if isinstance(subscription, dict):
        subscription = subscription.get("id", "")
    line_metadata = [line.get("metadata") for line in (invoice.get("lines") or {}).get("data", [])]
    metadata = details.get("metadata") or legacy.get("metadata") or {}
    if not metadata.get("donation_reference"):
        metadata = next((m for m in line_metadata if m and m.get("donation_reference")), {})
    return subscription, metadata


# --- checkout sessions ---------------------------------------------------------------
def _donation_for_session(session: dict):
    reference = _metadata_reference(session.get("metadata")) or (
        session.get("client_reference_id") or ""
    )
    return _by_reference_or(reference, Q(stripe_checkout_session_id=session["id"]))


def _remember_session(donation, session: dict) -> None:
    donation.stripe_checkout_session_id = session["id"]
    donation.stripe_customer_id = donation.stripe_customer_id or (session.get("customer") or "")
    if session.get("payment_intent"):
        donation.stripe_payment_intent_id = session["payment_intent"]
    if session.get("subscription"):
        donation.stripe_subscription_id = session["subscription"]


def session_completed(session: dict, event_id: str = "") -> str:
    donation = _donation_for_session(session)
    _remember_session(donation, session)
    if session.get("mode") == "payment" and session.get("payment_status") == "paid":
        ledger.record_payment(
            donation,
            session["amount_total"],
            session.get("payment_intent") or session["id"],
            event_id=event_id,
        )
        return "payment recorded"
    # Unpaid (a delayed method: wait for async_payment_succeeded) or a subscription
    # (its money arrives with invoice.paid).
    ledger.refresh_status(donation)
    return "session recorded"


def session_async_failed(session: dict, event_id: str = "") -> str:
    donation = _donation_for_session(session)
    _remember_session(donation, session)
    donation.failed_at = donation.failed_at or timezone.now()
    ledger.refresh_status(donation)
    return "payment failed"


def session_expired(session: dict, event_id: str = "") -> str:
    donation = _donation_for_session(session)
    _remember_session(donation, session)
    donation.expired_at = donation.expired_at or timezone.now()
    ledger.refresh_status(donation)
    return "session expired"


# --- charges: refunds and disputes ------------------------------------------------------
def _donation_for_charge(charge_id: str, payment_intent: str, metadata: dict | None):
    """The donation a charge paid: from what we hold, else by asking Stripe."""
    try:
        return _donation_for_charge_locally(charge_id, payment_intent, metadata)
    except NotYetKnown:
        if not payments.card_payments_enabled():
            raise
    return _donation_for_charge_from_stripe(charge_id, payment_intent)


def _donation_for_charge_locally(charge_id: str, payment_intent: str, metadata: dict | None):
    reference = _metadata_reference(metadata)
    fallback = Q(pk__in=LedgerEntry.objects.filter(stripe_charge_id=charge_id).values("donation"))
    fallback |= Q(pk__in=AutoRefund.objects.filter(charge=charge_id).values("donation"))
    if payment_intent:
        fallback |= Q(stripe_payment_intent_id=payment_intent)
        fallback |= Q(
            pk__in=LedgerEntry.objects.filter(source_id=payment_intent).values("donation")
        )
        fallback |= Q(
            pk__in=AutoRefund.objects.filter(payment_intent=payment_intent).values("donation")
        )
    return _by_reference_or(reference, fallback)


def _donation_for_charge_from_stripe(charge_id: str, payment_intent: str):
    """Follow charge → payment intent → invoice → subscription → donation at Stripe.

    A monthly payment's charge carries no metadata of ours and, on current API
    versions, no invoice either: the invoice is found through its InvoicePayment.
    Once found, the charge is written on the invoice's payment ledger entry so the
    next event about this charge is matched without asking. Any failure leaves the
    event in the inbox (NotYetKnown, with the reason) for the catch-up task.
    """
    try:
        if not payment_intent:
            charge = payments.retrieve("charges", charge_id)
            payment_intent = charge.get("payment_intent") or ""
            if isinstance(payment_intent, dict):
                payment_intent = payment_intent.get("id", "")
            reference = _metadata_reference(charge.get("metadata"))
            if reference:
                return _locked(Q(reference=reference))
        if not payment_intent:
            raise NotYetKnown(f"charge {charge_id} has no payment intent")
        intent = payments.retrieve("payment_intents", payment_intent)
        reference = _metadata_reference(intent.get("metadata"))
        if reference:
            return _locked(Q(reference=reference))
        invoice_id = payments.invoice_for_payment_intent(payment_intent)
        if not invoice_id:
            raise NotYetKnown(f"no invoice or donation reference for {payment_intent}")
        invoice = payments.retrieve("invoices", invoice_id)
    except stripe.StripeError as error:
        raise NotYetKnown(f"Stripe lookup for charge {charge_id} failed: {error}") from error
    subscription, metadata = _invoice_subscription(invoice)
    donation = _by_reference_or(
        _metadata_reference(metadata), Q(stripe_subscription_id=subscription or "-")
    )
    LedgerEntry.objects.filter(
        source_id=invoice_id, kind=LedgerKind.PAYMENT, stripe_charge_id=""
    ).update(stripe_charge_id=charge_id)
    return donation


def _ensure_charge_payment_recorded(donation, charge: dict, event_id: str) -> None:
    """A refund can arrive before the payment's own event: the charge proves the payment."""
    payment_intent = charge.get("payment_intent") or ""
    this_payment = Q(stripe_charge_id=charge["id"])
    if payment_intent:
        this_payment |= Q(source_id=payment_intent)
    if LedgerEntry.objects.filter(this_payment, kind=LedgerKind.PAYMENT).exists():
        return
    if donation.frequency == Frequency.MONTHLY:
        # Monthly payments are keyed by invoice, which newer API versions do not link
        # from the charge: refund against the gift once any of its payments is recorded.
        if not donation.ledger_entries.filter(kind=LedgerKind.PAYMENT).exists():
            raise NotYetKnown(f"no monthly payment recorded yet for charge {charge['id']}")
        return
    if charge.get("paid") and charge.get("status") == "succeeded":
        ledger.record_payment(
            donation,
            charge["amount"],
            payment_intent or charge["id"],
            charge_id=charge["id"],
            event_id=event_id,
        )


def charge_refunded(charge: dict, event_id: str = "") -> str:
    payment_intent = charge.get("payment_intent") or ""
    donation = _donation_for_charge(charge["id"], payment_intent, charge.get("metadata"))
    _ensure_charge_payment_recorded(donation, charge, event_id)
    ledger.record_refund(donation, charge["id"], charge["amount_refunded"], event_id=event_id)
    return "refund recorded"


def charge_dispute(dispute: dict, event_id: str = "") -> str:
    charge = dispute.get("charge")
    charge_id = charge.get("id") if isinstance(charge, dict) else charge
    payment_intent = dispute.get("payment_intent") or ""
    donation = _donation_for_charge(charge_id, payment_intent, dispute.get("metadata"))
    ledger.record_dispute(
        donation,
        dispute["id"],
        charge_id,
        dispute["amount"],
        dispute.get("status", ""),
        event_id=event_id,
    )
    return f"dispute {dispute.get('status', '')}"


# --- monthly gifts ---------------------------------------------------------------------
def _donation_for_invoice(invoice: dict):
    subscription, metadata = _invoice_subscription(invoice)
    if not subscription and not metadata:
        raise NotYetKnown("invoice not for a subscription")
    return _by_reference_or(
        _metadata_reference(metadata), Q(stripe_subscription_id=subscription or "-")
    ), subscription


def invoice_paid(invoice: dict, event_id: str = "") -> str:
    donation, subscription = _donation_for_invoice(invoice)
    if subscription and not donation.stripe_subscription_id:
        donation.stripe_subscription_id = subscription
    charge = invoice.get("charge") or ""
    ledger.record_payment(
        donation,
        invoice.get("amount_paid", 0),
        invoice["id"],
        charge_id=charge if isinstance(charge, str) else charge.get("id", ""),
        event_id=event_id,
    )
    return "monthly payment recorded"


def invoice_payment_failed(invoice: dict, event_id: str = "") -> str:
    donation, _ = _donation_for_invoice(invoice)
    if invoice.get("billing_reason") == "subscription_create":
        donation.failed_at = donation.failed_at or timezone.now()
    ledger.refresh_status(donation)
    return "monthly payment failed"


def subscription_deleted(subscription: dict, event_id: str = "") -> str:
    donation = _by_reference_or(
        _metadata_reference(subscription.get("metadata")),
        Q(stripe_subscription_id=subscription["id"]),
    )
    donation.stripe_subscription_id = subscription["id"]
    donation.cancelled_at = donation.cancelled_at or timezone.now()
    ledger.refresh_status(donation)
    return "monthly gift ended"


HANDLERS = {
    "checkout.session.completed": session_completed,
    "checkout.session.async_payment_succeeded": session_completed,
    "checkout.session.async_payment_failed": session_async_failed,
    "checkout.session.expired": session_expired,
    "charge.refunded": charge_refunded,
    "charge.dispute.created": charge_dispute,
    "charge.dispute.closed": charge_dispute,
    "charge.dispute.updated": charge_dispute,
    "invoice.paid": invoice_paid,
    "invoice.payment_failed": invoice_payment_failed,
    "customer.subscription.deleted": subscription_deleted,
}
