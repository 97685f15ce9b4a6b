"""The one place that talks to Stripe's API (Checkout Sessions, refunds, events).

Everything goes through a `stripe.StripeClient` built from settings, so the
tests (and the benchmark) point it at a local stand-in with STRIPE_API_BASE and
nothing ever reaches Stripe from a test run.
"""

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError

# Stripe refuses to charge less than this in GBP (its "minimum charge amounts" table).
STRIPE_MINIMUM_CHARGE_PENCE = 30


class PaymentsNotConfigured(Exception):
    """No Stripe secret key: card payments are switched off, the page still works."""


def validate_chargeable_amount(pence: int) -> None:
    """A crowdfund's smallest gift must be one Stripe will take (30p in GBP)."""
    if pence is not None and pence < STRIPE_MINIMUM_CHARGE_PENCE:
        raise ValidationError(
            f"Our card processor (Stripe) cannot take a gift under "
            f"{STRIPE_MINIMUM_CHARGE_PENCE}p: set the smallest gift to "
            f"{STRIPE_MINIMUM_CHARGE_PENCE} pence or more.",
            code="below_stripe_minimum",
        )


def card_payments_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def expected_livemode() -> bool:
    return bool(settings.STRIPE_LIVE_MODE)


def webhook_secrets() -> list[str]:
    """Every secret we accept; more than one while a secret is being rotated."""
    return [s.strip() for s in settings.STRIPE_WEBHOOK_SECRET.split(",") if s.strip()]


def client() -> stripe.StripeClient:
    if not card_payments_enabled():
        raise PaymentsNotConfigured("STRIPE_SECRET_KEY is not set")
    base_addresses = {}
    if settings.STRIPE_API_BASE:
        base_addresses["api"] = settings.STRIPE_API_BASE
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base_addresses,
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        http_client=http_client(),
    )


def http_client() -> stripe.HTTPClient:
    """The HTTP client with our timeout (stripe-python's own default is 80 seconds).

    A slow Stripe then holds a worker (never a row lock: lookups happen before the
    transaction) for at most STRIPE_TIMEOUT_SECONDS per try.
    """
    return stripe.new_default_http_client(timeout=settings.STRIPE_TIMEOUT_SECONDS)


def idempotency_key_for(donation) -> str:
    """Deterministic per donation attempt: a retried request can never open a second session."""
    return f"crowdfund-checkout-{donation.reference}"


def checkout_params(donation, page, success_url: str, cancel_url: str) -> dict:
    """The Checkout Session for a one-off (payment) or monthly (subscription) gift."""
    metadata = {"donation_reference": str(donation.reference), "crowdfund_id": str(page.pk)}
    price_data = {
        "currency": "gbp",
        "unit_amount": donation.amount_pence,
        "product_data": {"name": f"Donation to {page.title}"},
    }
    params = {
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": str(donation.reference),
        "metadata": metadata,
        "line_items": [{"quantity": 1, "price_data": price_data}],
    }
    if donation.email:
        params["customer_email"] = donation.email
    if donation.frequency == "monthly":
        price_data["recurring"] = {"interval": "month"}
        params["mode"] = "subscription"
        params["subscription_data"] = {"metadata": metadata}
    else:
        # Stripe refuses submit_type in subscription mode, so only here.
        params["mode"] = "payment"
        params["submit_type"] = "donate"
        params["payment_intent_data"] = {"metadata": metadata}
    return params


def create_checkout_session(donation, page, success_url: str, cancel_url: str):
    return client().v1.checkout.sessions.create(
        params=checkout_params(donation, page, success_url, cancel_url),
        options={"idempotency_key": idempotency_key_for(donation)},
    )


def refund_payment(payment_intent_id: str, key: str, *, charge_id: str = "", metadata=None):
    """Refund a payment in full (by payment intent, or by charge when that is all we know)."""
    params = {"reason": "requested_by_customer", "metadata": metadata or {}}
    if payment_intent_id:
        params["payment_intent"] = payment_intent_id
    else:
        params["charge"] = charge_id
    return client().v1.refunds.create(params=params, options={"idempotency_key": key})


def retrieve(kind: str, object_id: str) -> dict:
    """A charge, payment intent or invoice as a plain dict ("charges", "invoices", ...)."""
    service = getattr(client().v1, kind)
    return service.retrieve(object_id).to_dict()


def invoice_for_payment_intent(payment_intent_id: str) -> str:
    """The invoice a payment intent paid, however this API version links them.

    Older API versions put `invoice` on the payment intent; since 2025-03-31 the
    link is an InvoicePayment, listed by payment intent.
    """
    payment_intent = retrieve("payment_intents", payment_intent_id)
    legacy = payment_intent.get("invoice")
    if legacy:
        return legacy if isinstance(legacy, str) else legacy.get("id", "")
    found = client().v1.invoice_payments.list(
        params={"payment": {"type": "payment_intent", "payment_intent": payment_intent_id}}
    )
    for invoice_payment in found.to_dict()["data"]:
        invoice = invoice_payment.get("invoice")
        if invoice:
            return invoice if isinstance(invoice, str) else invoice.get("id", "")
    return ""


def payment_intent_for_invoice(invoice_id: str) -> str:
    """The payment intent that paid an invoice (legacy field, else its InvoicePayments)."""
    invoice = retrieve("invoices", invoice_id)
    legacy = invoice.get("payment_intent")
    if legacy:
        return legacy if isinstance(legacy, str) else legacy.get("id", "")
    found = client().v1.invoice_payments.list(params={"invoice": invoice_id, "status": "paid"})
    for invoice_payment in found.to_dict()["data"]:
        payment = invoice_payment.get("payment") or {}
        if payment.get("payment_intent"):
            intent = payment["payment_intent"]
            return intent if isinstance(intent, str) else intent.get("id", "")
    return ""


def cancel_subscription(subscription_id: str):
    return client().v1.subscriptions.cancel(subscription_id)


def list_events_since(created_gte: int):
    """Every event Stripe holds since `created_gte` (it keeps 30 days), all pages."""
    return client().v1.events.list(params={"created": {"gte": created_gte}, "limit": 100})


def retrieve_checkout_session(session_id: str):
    return client().v1.checkout.sessions.retrieve(session_id)


def create_portal_session(customer_id: str, return_url: str):
    """A Stripe customer portal session, where a monthly donor changes their card or
    amount or cancels (the portal's features are chosen in Stripe's dashboard)."""
    return client().v1.billing_portal.sessions.create(
        params={"customer": customer_id, "return_url": return_url}
    )
