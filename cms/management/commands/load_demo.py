"""Build the whole demo site. Safe to run again: it changes nothing the second time."""

from django.core.management.base import BaseCommand
from django.db import transaction

from cms.demo import DEMO_PASSWORD, load_demo_site


class Command(BaseCommand):
    help = "Load the demo content and logins (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            logins = load_demo_site()
        self.stdout.write(self.style.SUCCESS("Demo content is loaded."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, email in logins:
            self.stdout.write(f"  {role:<12} {email}")
