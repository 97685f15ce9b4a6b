"""Build the whole demo site. Safe to run again: it changes nothing the second time."""

from urllib.parse import urlsplit

from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.models import Site

from cms.demo import DEMO_PASSWORD, load_demo_site


class Command(BaseCommand):
    help = "Load the demo content and logins (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--address",
            help="The address the demo is served on (http://127.0.0.1:8106/): the site's "
            "hostname and port are set from it, so canonical URLs and links point there.",
        )

    def handle(self, *args, **options):
        with transaction.atomic():
            logins = load_demo_site()
            if options.get("address"):
                serve_site_at(options["address"])
        self.stdout.write(self.style.SUCCESS("Demo content is loaded."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, email in logins:
            self.stdout.write(f"  {role:<12} {email}")


def serve_site_at(address: str) -> None:
    """Point the default site at `address`, so Wagtail's full URLs use it."""
    parts = urlsplit(address)
    site = Site.objects.get(is_default_site=True)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if (site.hostname, site.port) != (parts.hostname, port):
        site.hostname, site.port = parts.hostname, port
        site.save()
