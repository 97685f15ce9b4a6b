"""A card gift from the donate form: its pending donation and its Stripe Checkout session.

The view hands over the form's cleaned data; this records the donation (pending until
Stripe says the money moved) and opens the session, so a gift is created in one place.
"""

import logging

import stripe

from crowdfund import payments, rules
from crowdfund.models import Donation, Method

logger = logging.getLogger(__name__)


class CheckoutUnavailable(Exception):
    """Stripe could not open a Checkout session; no donation is left behind."""


def record_card_gift(page, data: dict, amount_pence: int) -> Donation:
    """The pending card donation for the donate form's cleaned data."""
    donation = Donation.objects.create(
        crowdfund=page,
        frequency=rules.gift_frequency(page, data["frequency"]),
        method=Method.CARD,
        amount_pence=amount_pence,
        name=data["name"].strip(),
        email=data["email"],
        message=data.get("message", ""),
        show_name=data.get("show_name", False),
        show_amount=data.get("show_amount", False),
        updates_opt_in=data.get("updates_opt_in", False),
        address=data.get("address", ""),
        permissible_donor_declared=data.get("permissible_donor", False),
    )
    donation.idempotency_key = payments.idempotency_key_for(donation)
    return donation


def start_card_gift(page, data: dict, amount_pence: int, *, page_address: str):
    """Record the gift and open its Checkout session: (donation, session).

    `page_address` is the crowdfund page's absolute address; Stripe sends the donor
    back to its thank-you or cancelled sub-page. If Stripe cannot be reached the
    donation is deleted (no payment can ever name it: the next attempt records a new
    one with its own idempotency key) and CheckoutUnavailable is raised.
    """
    donation = record_card_gift(page, data, amount_pence)
    try:
        session = payments.create_checkout_session(
            donation,
            page,
            success_url=page_address
            + page.reverse_subpage("success")
            + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=page_address + page.reverse_subpage("cancel"),
        )
    except stripe.StripeError as error:
        logger.exception("Checkout Session for donation %s failed", donation.reference)
        donation.delete()
        raise CheckoutUnavailable from error
    donation.stripe_checkout_session_id = session.id
    donation.save(update_fields=["idempotency_key", "stripe_checkout_session_id"])
    return donation, session
