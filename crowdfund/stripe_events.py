"""Apply stored Stripe events to donations and the ledger, each exactly once.

`apply_event` locks the inbox row (select_for_update) and applies the event in
the same transaction that marks it applied, so two workers given the same event
(a duplicate delivery, a redelivered task after a worker died) take turns and
the second finds it done. Each handler locks the donation it touches and only
records facts that accumulate (money movements keyed by their Stripe object,
timestamps set once), so events arriving out of order end in the same state.
The one state that is replaced, a monthly gift's amount and end as changed in the
customer portal (`customer.subscription.updated`), is replaced only by an event
created no earlier than the one it holds (`subscription_changed_at`).
An event whose donation is not known yet (for example a dispute before the
session completed, with no metadata to find it by), or that needs Stripe while
Stripe is failing, is left unapplied with the reason and a `next_attempt_at`
that backs off exponentially to a few hours: the catch-up task (and
reconcile_stripe) keep trying it for as long as it takes; nothing accepted is
ever given up on.

Stripe is asked BEFORE the transaction opens (`look_up_before_lock`): a slow
Stripe API then holds no row lock and stalls no other worker. The transaction
only reads what was looked up.

A Checkout Session whose reference is not one of our donations (another
application on the same Stripe account) is marked ignored on its first look.
"""

import logging
import uuid
from datetime import UTC, datetime, timedelta

import stripe
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from crowdfund import ledger, payments
from crowdfund.models import AutoRefund, Donation, Frequency, LedgerEntry, LedgerKind, WebhookEvent

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 60
LONGEST_WAIT_SECONDS = 4 * 3600


class NotYetKnown(Exception):
    """The event refers to a donation we cannot find yet: try again later."""


class NotOurs(Exception):
    """A session of another application on the same Stripe account: nothing to apply."""


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after each failed attempt, never more than four hours."""
    exponent = min(max(attempts - 1, 0), 20)
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2**exponent, LONGEST_WAIT_SECONDS))


class _AskStripeFirst(Exception):
    """Raised inside the transaction: roll back (releasing the row lock), ask Stripe, retry."""


def apply_event(event_pk: int) -> str:
    """Apply one inbox event if it is not applied yet. Returns what happened.

    The inbox row is locked first (the already-applied check is made under the lock).
    An event that needs Stripe (a charge we cannot place from what we hold) rolls back
    at once, releasing the lock, asks Stripe outside any transaction, and starts again
    with the answer.
    """
    looked_up = None
    try:
        while True:
            try:
                return _apply_locked(event_pk, looked_up)
            except _AskStripeFirst:
                event = WebhookEvent.objects.only("pk", "type", "payload").get(pk=event_pk)
                looked_up = look_up_before_lock(event)
    except Exception as error:  # noqa: BLE001 - recorded, then retried by the catch-up task
        _defer(event_pk, error)
        if not isinstance(error, NotYetKnown):
            logger.exception("Stripe event %s could not be applied", event_pk)
        return "deferred"


def _apply_locked(event_pk: int, looked_up: dict | None) -> str:
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=event_pk)
        if event.applied_at is not None:
            return "already applied"
        if looked_up is None:
            if needs_stripe(event):
                raise _AskStripeFirst
            looked_up = {}
        try:
            outcome = dispatch(event, looked_up)
        except NotOurs as not_ours:
            outcome = f"ignored: {not_ours}"
            logger.info("Stripe event %s ignored: %s", event.event_id, not_ours)
        event.applied_at = timezone.now()
        event.outcome = outcome[:200]
        event.attempts = F("attempts") + 1
        event.last_error = ""
        event.next_attempt_at = None
        event.save(
            update_fields=["applied_at", "outcome", "attempts", "last_error", "next_attempt_at"]
        )
        return outcome


def _defer(event_pk: int, error: Exception) -> None:
    """Keep the reason and when to try again; the event stays in the inbox, always."""
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().filter(pk=event_pk).first()
        if event is None or event.applied_at is not None:
            return
        event.attempts += 1
        event.last_error = f"{type(error).__name__}: {error}"[:2000]
        event.next_attempt_at = timezone.now() + retry_delay(event.attempts)
        event.save(update_fields=["attempts", "last_error", "next_attempt_at"])


def apply_pending(limit: int | None = 1000, *, now=None, due_only: bool = True) -> int:
    """Apply what is still unapplied and due (the catch-up for a lost task, a down
    broker, an event that had to wait). `due_only=False` (reconcile_stripe) tries
    every waiting event now, whatever its back-off."""
    pending = WebhookEvent.objects.filter(applied_at__isnull=True)
    if due_only:
        pending = pending.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now or timezone.now())
        )
    applied = 0
    for pk in list(pending.order_by("received_at", "pk").values_list("pk", flat=True)[:limit]):
        if apply_event(pk) != "deferred":
            applied += 1
    return applied


def stuck_events(older_than: timedelta):
    """Events accepted longer ago than `older_than` and still not applied (the admin alert)."""
    return WebhookEvent.objects.filter(
        applied_at__isnull=True, received_at__lt=timezone.now() - older_than
    ).order_by("received_at", "pk")


def dispatch(event: WebhookEvent, looked_up: dict | None = None) -> str:
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
    extra = {"looked_up": looked_up or {}} if handler in LOOKS_UP else {}
    at = moment(event.payload.get("created"))
    return handler(obj, event.event_id, at=at, **extra) or "applied"


def moment(timestamp) -> datetime | None:
    """A Stripe timestamp (seconds since the epoch, UTC) as an aware datetime."""
    if not timestamp:
        return None
    return datetime.fromtimestamp(int(timestamp), tz=UTC)


def _first_moment(*timestamps) -> datetime | None:
    return next((moment(t) for t in timestamps if t), None)


# --- finding the donation ---------------------------------------------------------
def _metadata_reference(*metadatas) -> str:
    for metadata in metadatas:
        if metadata and metadata.get("donation_reference"):
            return metadata["donation_reference"]
    return ""


def _locked(query: Q, found: tuple[str, list] | None = None):
    """The donor's lock, then the donation's row (ledger.lock_donation_where)."""
    donation = ledger.lock_donation_where(query, found)
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
    """Our sessions name one of our donations (created before the session); others are not ours."""
    reference = _metadata_reference(session.get("metadata")) or (
        session.get("client_reference_id") or ""
    )
    ours = Q(stripe_checkout_session_id=session["id"])
    if _is_uuid(reference):
        ours |= Q(reference=reference)
    donation = ledger.lock_donation_where(ours)
    if donation is None:
        raise NotOurs(f"session {session['id']} is not for a donation of ours")
    return donation


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _remember_session(donation, session: dict) -> None:
    donation.stripe_checkout_session_id = session["id"]
    donation.stripe_customer_id = donation.stripe_customer_id or (session.get("customer") or "")
    if session.get("payment_intent"):
        donation.stripe_payment_intent_id = session["payment_intent"]
    if session.get("subscription"):
        donation.stripe_subscription_id = session["subscription"]


def session_completed(session: dict, event_id: str = "", at=None) -> str:
    """A paid session: the money moved when Stripe completed it (the event's time)."""
    donation = _donation_for_session(session)
    _remember_session(donation, session)
    if session.get("mode") == "payment" and session.get("payment_status") == "paid":
        ledger.record_payment(
            donation,
            session["amount_total"],
            session.get("payment_intent") or session["id"],
            event_id=event_id,
            moved_at=at or moment(session.get("created")),
        )
        return "payment recorded"
    # Unpaid (a delayed method: wait for async_payment_succeeded) or a subscription
    # (its money arrives with invoice.paid).
    ledger.refresh_status(donation)
    return "session recorded"


def session_async_failed(session: dict, event_id: str = "", at=None) -> str:
    donation = _donation_for_session(session)
    _remember_session(donation, session)
    donation.failed_at = donation.failed_at or timezone.now()
    ledger.refresh_status(donation)
    return "payment failed"


def session_expired(session: dict, event_id: str = "", at=None) -> str:
    donation = _donation_for_session(session)
    _remember_session(donation, session)
    donation.expired_at = donation.expired_at or timezone.now()
    ledger.refresh_status(donation)
    return "session expired"


# --- charges: refunds and disputes ------------------------------------------------------
def _charge_of(obj: dict) -> tuple[str, str, dict | None]:
    """(charge id, payment intent, metadata) of a charge or a dispute."""
    if obj.get("object") == "dispute":
        charge = obj.get("charge")
        charge_id = charge.get("id") if isinstance(charge, dict) else charge
        return charge_id, obj.get("payment_intent") or "", obj.get("metadata")
    return obj["id"], obj.get("payment_intent") or "", obj.get("metadata")


def needs_stripe(event: WebhookEvent) -> bool:
    """Whether a charge event names a charge that none of our donations can be placed by.

    A read only: inside the transaction it costs one query, and only for charge events.
    """
    if HANDLERS.get(event.type) not in LOOKS_UP or not payments.card_payments_enabled():
        return False
    obj = event.payload.get("data", {}).get("object", {})
    charge_id, payment_intent, metadata = _charge_of(obj)
    return not Donation.objects.filter(_charge_query(charge_id, payment_intent, metadata)).exists()


def look_up_before_lock(event: WebhookEvent) -> dict:
    """Ask Stripe what a charge event needs, before any transaction or row lock.

    Only when what we hold cannot place the charge (a read without locks). Any
    Stripe failure defers the event (NotYetKnown) with no lock ever held.
    """
    if not needs_stripe(event):
        return {}
    obj = event.payload.get("data", {}).get("object", {})
    charge_id, payment_intent, _ = _charge_of(obj)
    return _look_up_charge_at_stripe(charge_id, payment_intent)


def _donation_for_charge(charge_id: str, payment_intent: str, metadata: dict | None, looked_up):
    """The donation a charge paid: from what we hold, else from what Stripe told us."""
    query = _charge_query(charge_id, payment_intent, metadata)
    found = None
    if not _metadata_reference(metadata):
        found = charge_found_sql(charge_id, payment_intent)
    try:
        return _locked(query, found)
    except NotYetKnown:
        if not looked_up:
            raise
    return _donation_from_lookup(charge_id, looked_up)


# `_charge_query` without a reference, written out (Django compiles its five subqueries
# at some length, for every dispute): the donation's id, from a stored charge or payment
# intent, lowest first, as `ledger.found_sql` gives it.
CHARGE_FOUND_SQL = (
    'SELECT "crowdfund_donation"."id", "crowdfund_donation"."email_normalised" '
    'FROM "crowdfund_donation" WHERE ({where}) ORDER BY "crowdfund_donation"."id" ASC LIMIT 1'
)
BY_CHARGE = (
    '"crowdfund_donation"."id" IN '
    '(SELECT "donation_id" FROM "crowdfund_ledgerentry" WHERE "stripe_charge_id" = %s) '
    'OR "crowdfund_donation"."id" IN '
    '(SELECT "donation_id" FROM "crowdfund_autorefund" WHERE "charge" = %s)'
)
BY_PAYMENT_INTENT = (
    ' OR "crowdfund_donation"."stripe_payment_intent_id" = %s '
    'OR "crowdfund_donation"."id" IN '
    '(SELECT "donation_id" FROM "crowdfund_ledgerentry" WHERE "source_id" = %s) '
    'OR "crowdfund_donation"."id" IN '
    '(SELECT "donation_id" FROM "crowdfund_autorefund" WHERE "payment_intent" = %s)'
)


def charge_found_sql(charge_id: str, payment_intent: str) -> tuple[str, list]:
    """The SQL of `_charge_query` for a charge without our reference (`ledger.found_sql`)."""
    if payment_intent:
        where = BY_CHARGE + BY_PAYMENT_INTENT
        return CHARGE_FOUND_SQL.format(where=where), [charge_id] * 2 + [payment_intent] * 3
    return CHARGE_FOUND_SQL.format(where=BY_CHARGE), [charge_id] * 2


def _charge_query(charge_id: str, payment_intent: str, metadata: dict | None) -> Q:
    reference = _metadata_reference(metadata)
    if reference:
        return Q(reference=reference) if _is_uuid(reference) else Q(pk__in=[])
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
    return fallback


def _look_up_charge_at_stripe(charge_id: str, payment_intent: str) -> dict:
    """Follow charge → payment intent → invoice → subscription at Stripe.

    A monthly payment's charge carries no metadata of ours and, on current API
    versions, no invoice either: the invoice is found through its InvoicePayment.
    Returns {"reference"} or {"invoice_id", "subscription", "reference"}.
    """
    try:
        if not payment_intent:
            charge = payments.retrieve("charges", charge_id)
            payment_intent = charge.get("payment_intent") or ""
            if isinstance(payment_intent, dict):
                payment_intent = payment_intent.get("id", "")
            reference = _metadata_reference(charge.get("metadata"))
            if reference:
                return {"reference": reference}
        if not payment_intent:
            raise NotYetKnown(f"charge {charge_id} has no payment intent")
        intent = payments.retrieve("payment_intents", payment_intent)
        reference = _metadata_reference(intent.get("metadata"))
        if reference:
            return {"reference": reference}
        invoice_id = payments.invoice_for_payment_intent(payment_intent)
        if not invoice_id:
            raise NotYetKnown(f"no invoice or donation reference for {payment_intent}")
        invoice = payments.retrieve("invoices", invoice_id)
    except stripe.StripeError as error:
        raise NotYetKnown(f"Stripe lookup for charge {charge_id} failed: {error}") from error
    subscription, metadata = _invoice_subscription(invoice)
    return {
        "invoice_id": invoice_id,
        "subscription": subscription or "",
        "reference": _metadata_reference(metadata),
    }


def _donation_from_lookup(charge_id: str, looked_up: dict):
    """Lock the donation Stripe pointed at; remember the charge on its invoice's payment."""
    reference = looked_up.get("reference") or ""
    if reference and not _is_uuid(reference):
        raise NotYetKnown(f"charge {charge_id} names no donation of ours")
    donation = _by_reference_or(
        reference, Q(stripe_subscription_id=looked_up.get("subscription") or "-")
    )
    if looked_up.get("invoice_id"):
        # The next event about this charge is then matched without asking Stripe.
        LedgerEntry.objects.filter(
            source_id=looked_up["invoice_id"], kind=LedgerKind.PAYMENT, stripe_charge_id=""
        ).update(stripe_charge_id=charge_id)
    return donation


# Whether a payment is recorded for a charge (by its id, or its payment intent when it has
# one), or for a donation: read for every refund, so written out rather than compiled.
PAYMENT_OF_CHARGE_SQL = (
    "SELECT EXISTS (SELECT 1 FROM crowdfund_ledgerentry WHERE kind = 'payment' "
    "AND (stripe_charge_id = %s OR source_id = %s))"
)
PAYMENT_OF_DONATION_SQL = (
    "SELECT EXISTS (SELECT 1 FROM crowdfund_ledgerentry WHERE kind = 'payment' "
    "AND donation_id = %s)"
)


def _payment_recorded(sql: str, params: list) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return bool(cursor.fetchone()[0])


def _ensure_charge_payment_recorded(donation, charge: dict, event_id: str) -> None:
    """A refund can arrive before the payment's own event: the charge proves the payment."""
    payment_intent = charge.get("payment_intent") or ""
    if _payment_recorded(PAYMENT_OF_CHARGE_SQL, [charge["id"], payment_intent or None]):
        return
    if donation.frequency == Frequency.MONTHLY:
        # Monthly payments are keyed by invoice, which newer API versions do not link
        # from the charge: refund against the gift once any of its payments is recorded.
        if not _payment_recorded(PAYMENT_OF_DONATION_SQL, [donation.pk]):
            raise NotYetKnown(f"no monthly payment recorded yet for charge {charge['id']}")
        return
    if charge.get("paid") and charge.get("status") == "succeeded":
        ledger.record_payment(
            donation,
            charge["amount"],
            payment_intent or charge["id"],
            charge_id=charge["id"],
            event_id=event_id,
            moved_at=moment(charge.get("created")),
        )


def charge_refunded(charge: dict, event_id: str = "", at=None, looked_up=None) -> str:
    """Dated by the newest refund's own `created` when the charge lists them, else the event."""
    donation = _donation_for_charge(*_charge_of(charge), looked_up)
    _ensure_charge_payment_recorded(donation, charge, event_id)
    refunds = (charge.get("refunds") or {}).get("data") or []
    newest = max((r.get("created") or 0 for r in refunds), default=0)
    ledger.record_refund(
        donation,
        charge["id"],
        charge["amount_refunded"],
        event_id=event_id,
        moved_at=_first_moment(newest) or at,
    )
    return "refund recorded"


def charge_dispute(dispute: dict, event_id: str = "", at=None, looked_up=None) -> str:
    """Funds leave when the dispute opens (its `created`) and return when it is won."""
    charge_id, _, _ = _charge_of(dispute)
    donation = _donation_for_charge(*_charge_of(dispute), looked_up)
    ledger.record_dispute(
        donation,
        dispute["id"],
        charge_id,
        dispute["amount"],
        dispute.get("status", ""),
        event_id=event_id,
        opened_at=_first_moment(dispute.get("created")) or at,
        moved_at=_dispute_won_at(dispute) or at,
    )
    return f"dispute {dispute.get('status', '')}"


def _dispute_won_at(dispute: dict) -> datetime | None:
    """The reinstating balance transaction's time, when Stripe includes it."""
    returned = [
        t.get("created")
        for t in dispute.get("balance_transactions") or []
        if isinstance(t, dict) and (t.get("amount") or 0) > 0
    ]
    return _first_moment(max(returned, default=0))


# --- monthly gifts ---------------------------------------------------------------------
def _donation_for_invoice(invoice: dict):
    subscription, metadata = _invoice_subscription(invoice)
    if not subscription and not metadata:
        raise NotYetKnown("invoice not for a subscription")
    return _by_reference_or(
        _metadata_reference(metadata), Q(stripe_subscription_id=subscription or "-")
    ), subscription


def invoice_paid(invoice: dict, event_id: str = "", at=None) -> str:
    """A monthly payment, dated when the invoice was paid (else the event, else created)."""
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
        moved_at=_first_moment((invoice.get("status_transitions") or {}).get("paid_at"))
        or at
        or moment(invoice.get("created")),
    )
    return "monthly payment recorded"


def invoice_payment_failed(invoice: dict, event_id: str = "", at=None) -> str:
    donation, _ = _donation_for_invoice(invoice)
    if invoice.get("billing_reason") == "subscription_create":
        donation.failed_at = donation.failed_at or timezone.now()
    ledger.refresh_status(donation)
    return "monthly payment failed"


def _our_monthly_gift(subscription: dict):
    """The monthly gift a subscription event is about, locked; NotOurs for any other.

    Renewals and cancellations of another application's subscriptions on the same Stripe
    account arrive too: they are ignored, never retried. Ours carry the donation's
    reference from Checkout, and the donation exists before its subscription does.
    """
    reference = _metadata_reference(subscription.get("metadata"))
    ours = Q(stripe_subscription_id=subscription["id"])
    if _is_uuid(reference):
        ours |= Q(reference=reference)
    donation = ledger.lock_donation_where(ours)
    if donation is None:
        raise NotOurs(f"subscription {subscription['id']} is not a monthly gift of ours")
    return donation


SUBSCRIPTION_FIELDS = [
    "stripe_subscription_id",
    "monthly_amount_pence",
    "ends_at",
    "subscription_status",
    "subscription_changed_at",
]


def _newer_than_held(donation, at) -> bool:
    """Whether an event of time `at` may replace the subscription state held.

    Stripe's `created` is in whole seconds: an event of the same second as the held
    one applies (the later arrival wins a tie; a duplicate never gets here).
    """
    held = donation.subscription_changed_at
    return at is None or held is None or at >= held


def subscription_monthly_pence(subscription: dict) -> int | None:
    """The subscription's amount per month: its items' price x quantity, in pence."""
    items = (subscription.get("items") or {}).get("data") or []
    total = 0
    for item in items:
        price = item.get("price") or item.get("plan") or {}
        unit = price.get("unit_amount")
        if unit is None:
            unit = price.get("amount")
        if unit is None:
            return None  # a price we cannot read (tiered): keep what we hold
        quantity = item.get("quantity")
        total += int(unit) * (1 if quantity is None else int(quantity))
    return total or None


def subscription_ends_at(subscription: dict) -> datetime | None:
    """When the gift ends: ended, `cancel_at`, or the period's end if cancelling then."""
    if subscription.get("ended_at"):
        return moment(subscription["ended_at"])
    if subscription.get("cancel_at"):
        return moment(subscription["cancel_at"])
    if subscription.get("cancel_at_period_end"):
        # Top level on older API versions, on each item since 2025-03-31.
        items = (subscription.get("items") or {}).get("data") or []
        ends = [subscription.get("current_period_end")]
        ends += [item.get("current_period_end") for item in items]
        return _first_moment(max((e for e in ends if e), default=0))
    return None


def subscription_updated(subscription: dict, event_id: str = "", at=None) -> str:
    """A change in the customer portal: the monthly amount, or a scheduled end.

    Recorded on the donation for donors and editors to see; never money (payments come
    only from invoices). An event older than the newest one applied changes nothing.
    """
    donation = _our_monthly_gift(subscription)
    if not _newer_than_held(donation, at):
        return "older than the change held: not applied"
    donation.stripe_subscription_id = subscription["id"]
    pence = subscription_monthly_pence(subscription)
    if pence is not None:
        donation.monthly_amount_pence = None if pence == donation.amount_pence else pence
    donation.ends_at = subscription_ends_at(subscription)
    donation.subscription_status = (subscription.get("status") or "")[:30]
    donation.subscription_changed_at = at or donation.subscription_changed_at
    donation.save(update_fields=SUBSCRIPTION_FIELDS)
    if donation.ends_at:
        return "monthly gift change recorded: ends"
    return "monthly gift change recorded"


def subscription_deleted(subscription: dict, event_id: str = "", at=None) -> str:
    donation = _our_monthly_gift(subscription)
    donation.stripe_subscription_id = subscription["id"]
    donation.cancelled_at = donation.cancelled_at or timezone.now()
    if _newer_than_held(donation, at):
        donation.ends_at = subscription_ends_at(subscription) or donation.cancelled_at
        donation.subscription_status = (subscription.get("status") or "canceled")[:30]
        donation.subscription_changed_at = at or donation.subscription_changed_at
        donation.save(update_fields=SUBSCRIPTION_FIELDS)
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
    "customer.subscription.updated": subscription_updated,
    "customer.subscription.deleted": subscription_deleted,
}
# Handlers that may need Stripe: looked up before the transaction, passed in.
LOOKS_UP = {charge_refunded, charge_dispute}
