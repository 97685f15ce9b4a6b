"""Send every email still waiting in the outbox (e.g. after a broker outage)."""

from django.core.management.base import BaseCommand

from cms.delivery import deliver_pending


class Command(BaseCommand):
    help = "Send the emails still waiting in the outbox."

    def handle(self, *args, **options):
        sent = deliver_pending()
        self.stdout.write(f"Sent {sent} pending email(s).")
