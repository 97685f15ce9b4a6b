"""Apply every stored Stripe event that has not been applied (e.g. after a broker outage).

Run by hand, it tries every waiting event now, whatever its back-off."""

from django.core.management.base import BaseCommand

from crowdfund.stripe_events import apply_pending


class Command(BaseCommand):
    help = "Apply Stripe webhook events still waiting in the inbox."

    def handle(self, *args, **options):
        applied = apply_pending(due_only=False)
        self.stdout.write(f"Applied {applied} pending Stripe event(s).")
