"""Ask Stripe for what we may have missed and apply it.

1. Every event of the last 30 days (Stripe keeps no more) is stored in the inbox
   if it is not there yet, then EVERY unapplied event is tried now, whatever its
   back-off (an event that waited out an outage is applied here at once).
2. Every card donation still pending with a Checkout Session is looked up: a
   completed and paid session records its payment, an expired one is marked.
3. Every donor's reportable flag is decided again from their ledger rows. Each
   ledger entry already decides it in its own transaction; this catches a change
   of the reporting period setting or an editor correcting a donor's email.
Every step is idempotent, so the command can run as often as you like; if Stripe
fails during one step, the others still run and the command says what failed.
"""

import logging
import time

import stripe
from django.core.management.base import BaseCommand
from django.db import transaction

from crowdfund import ledger, payments, stripe_events
from crowdfund.models import Donation, DonationStatus, Method, WebhookEvent

HANDLED = set(stripe_events.HANDLERS)
logger = logging.getLogger(__name__)


def store_missing_events(days: int = 30) -> int:
    since = int(time.time()) - days * 24 * 3600
    stored = 0
    for event in payments.list_events_since(since).auto_paging_iter():
        data = event.to_dict()
        if data["type"] not in HANDLED:
            continue
        _, created = WebhookEvent.objects.get_or_create(
            event_id=data["id"],
            defaults={
                "type": data["type"],
                "livemode": bool(data.get("livemode")),
                "payload": data,
            },
        )
        stored += created
    return stored


def check_pending_sessions() -> int:
    changed = 0
    pending = Donation.objects.filter(status=DonationStatus.PENDING, method=Method.CARD).exclude(
        stripe_checkout_session_id=""
    )
    for donation in pending:
        try:
            session = payments.retrieve_checkout_session(
                donation.stripe_checkout_session_id
            ).to_dict()
        except stripe.StripeError:
            logger.warning("Session of donation %s could not be looked up", donation.pk)
            continue
        with transaction.atomic():
            if session.get("status") == "complete":
                stripe_events.session_completed(session)
                changed += 1
            elif session.get("status") == "expired":
                stripe_events.session_expired(session)
                changed += 1
    return changed


class Command(BaseCommand):
    help = (
        "Fetch Stripe events of the last 30 days and pending sessions; apply every waiting "
        "event; decide every donor's reportable flag again."
    )

    def handle(self, *args, **options):
        if not payments.card_payments_enabled():
            self.stdout.write("Stripe is not configured (STRIPE_SECRET_KEY): nothing to do.")
            return
        try:
            stored = store_missing_events()
        except stripe.StripeError as error:
            stored = 0
            self.stderr.write(f"Could not list Stripe's events ({error}); applying what we hold.")
        applied = stripe_events.apply_pending(limit=None, due_only=False)
        sessions = check_pending_sessions()
        waiting = WebhookEvent.objects.filter(applied_at__isnull=True).count()
        flagged = ledger.refresh_all_reportable()
        self.stdout.write(
            f"Stored {stored} missed event(s), applied {applied}, "
            f"brought {sessions} pending session(s) up to date; "
            f"{waiting} event(s) still waiting; {flagged} reportable donor(s)."
        )
