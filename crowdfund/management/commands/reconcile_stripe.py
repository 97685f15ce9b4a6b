"""Ask Stripe for what we may have missed and apply it.

1. Every event of the last 30 days (Stripe keeps no more) is stored in the inbox
   if it is not there yet, then everything unapplied is applied.
2. Every card donation still pending with a Checkout Session is looked up: a
   completed and paid session records its payment, an expired one is marked.
Both steps are idempotent, so the command can run as often as you like.
"""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from crowdfund import payments, stripe_events
from crowdfund.models import Donation, DonationStatus, Method, WebhookEvent

HANDLED = set(stripe_events.HANDLERS)


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
        session = payments.retrieve_checkout_session(donation.stripe_checkout_session_id).to_dict()
        with transaction.atomic():
            if session.get("status") == "complete":
                stripe_events.session_completed(session)
                changed += 1
            elif session.get("status") == "expired":
                stripe_events.session_expired(session)
                changed += 1
    return changed


class Command(BaseCommand):
    help = "Fetch Stripe events of the last 30 days and pending sessions; apply what is missing."

    def handle(self, *args, **options):
        if not payments.card_payments_enabled():
            self.stdout.write("Stripe is not configured (STRIPE_SECRET_KEY): nothing to do.")
            return
        stored = store_missing_events()
        applied = stripe_events.apply_pending()
        sessions = check_pending_sessions()
        self.stdout.write(
            f"Stored {stored} missed event(s), applied {applied}, "
            f"brought {sessions} pending session(s) up to date."
        )
