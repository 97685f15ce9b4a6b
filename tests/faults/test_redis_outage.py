"""Testing that Redis dying mid-traffic loses nothing: pages serve, votes and stories are
stored, gifts are recorded, and the queued work catches up when Redis returns.

Needs PostgreSQL (a real worker shares the test database) and the redis-server binary.
Redis here is a private redis-server that is both the cache and the Celery broker, as in
production (one REDIS_URL). It is killed while an anonymous visitor keeps loading pages,
then started again, empty, on the same port. Mail goes to a local SMTP stand-in.
"""

import json
import threading

import pytest
from django.core import mail
from django.db import connections
from django.test import Client
from django.urls import reverse

from cms import redis_cache
from cms.models import NavigationSettings, OutgoingEmail
from cms.tasks import send_pending_emails
from crowdfund.models import Donation, LedgerEntry, WebhookEvent
from crowdfund.tasks import apply_pending_webhook_events
from manifesto.actions import propose
from manifesto.models import Vote
from stories.models import StoryPage
from tests.conftest import ON_POSTGRES, make_user
from tests.faults.conftest import needs_redis_server
from tests.faults.standins import publishing_to, start_worker, stop_worker, wait_for
from tests.stories.conftest import submit_url
from tests.support import stripe_standin as fake_stripe
from tests.support.stripe_standin import WEBHOOK_SECRET

pytestmark = [
    needs_redis_server,
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (set DATABASE_URL)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Browsing(threading.Thread):
    """An anonymous visitor loading pages over and over until told to stop."""

    def __init__(self, urls):
        super().__init__(daemon=True)
        self.urls, self.statuses, self.done = urls, [], threading.Event()

    def run(self):
        client = Client()
        try:
            while not self.done.is_set():
                for url in self.urls:
                    self.statuses.append((url, client.get(url).status_code))
        finally:
            connections.close_all()

    def stop(self):
        self.done.set()
        self.join(30)


def test_redis_killed_mid_traffic_loses_nothing_and_work_catches_up(
    settings,
    cache_on,
    private_redis,
    smtp_standin,
    stripe_standin,
    home,
    manifesto,
    clause,
    crowdfund,
    stories_index,
    story_form_data,
):
    settings.PAGE_CACHE_SECONDS = 600
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    cache_on(private_redis.url())
    NavigationSettings.for_site(home.get_site())
    supporter = make_user("sam@example.com", "Supporters", display_name="Sam")
    proposer = make_user("lee@example.com", "Supporters", display_name="Lee")
    amendment = propose(manifesto, clause, proposer, "replace", "Fair votes now.", "Clearer.")
    pages = ["/", manifesto.url, crowdfund.url, stories_index.url]

    worker = start_worker(connections["default"], private_redis.url(), smtp_standin.port)
    visitor = Browsing(pages)
    try:
        with publishing_to(private_redis.url()):
            visitor.start()
            wait_for(lambda: len(visitor.statuses) >= 2 * len(pages), 30, "pages to be cached")
            private_redis.stop()  # Redis dies under the visitor's feet
            served_before = len(visitor.statuses)
            wait_for(lambda: len(visitor.statuses) >= served_before + 8, 30, "more pages")

            # A supporter votes and a local group sends its story.
            member = Client()
            member.force_login(supporter)
            vote = member.post(
                f"{manifesto.url}amendment/{amendment.pk}/vote/", {"choice": "agree"}
            )
            assert vote.status_code == 302
            story = member.post(submit_url(stories_index), story_form_data)
            assert story.status_code == 302

            # A donor gives: the form, Checkout (stand-in), then Stripe's signed webhook.
            donor = Client()
            gift = {
                "amount": "25",
                "frequency": "one_off",
                "name": "Ada",
                "email": "ada@example.com",
            }
            donate = donor.post(crowdfund.url + crowdfund.reverse_subpage("donate"), gift)
            assert donate.status_code == 303
            donation = Donation.objects.get()
            body = json.dumps(
                fake_stripe.event(
                    "checkout.session.completed",
                    fake_stripe.checkout_session(amount=2_500, reference=str(donation.reference)),
                )
            )
            webhook = Client().post(
                reverse("crowdfund_stripe_webhook"),
                data=body,
                content_type="application/json",
                **fake_stripe.signed_headers(body, WEBHOOK_SECRET),
            )
            assert webhook.status_code == 200

            # Everything is stored; nothing that needed the broker has happened yet.
            assert Vote.objects.get(amendment=amendment, voter=supporter).choice == "agree"
            assert StoryPage.objects.filter(contact_email="group@example.org").exists()
            assert WebhookEvent.objects.get().applied_at is None
            waiting = OutgoingEmail.objects.get()  # the group's "story received" email
            assert waiting.sent_at is None

            private_redis.start()  # back, empty, on the same port
            wait_for(
                lambda: len(visitor.statuses) >= served_before + 16,
                redis_cache.RETRY_SECONDS + 30,
                "pages after Redis returns",
            )
            # What beat runs every minute, published to the broker like beat does.
            apply_pending_webhook_events.delay()
            send_pending_emails.delay()
            # New work goes straight through again.
            mail.send_mail("Welcome back", "Hello.", "hub@example.com", ["sam@example.com"])
            visitor.stop()

            wait_for(
                lambda: (
                    OutgoingEmail.objects.filter(sent_at__isnull=True).count() == 0
                    and OutgoingEmail.objects.count() == 3
                ),
                90,
                "every email to be sent",
            )
    finally:
        visitor.stop()
        stop_worker(worker)

    assert all(status == 200 for _, status in visitor.statuses), visitor.statuses
    assert len(visitor.statuses) >= served_before + 16
    assert WebhookEvent.objects.get().applied_at is not None
    assert LedgerEntry.objects.get().amount_pence == 2_500
    subjects = [email.payload["subject"] for email in OutgoingEmail.objects.all()]
    assert sorted(smtp_standin.subjects()) == sorted(subjects)  # each sent exactly once
    assert "Welcome back" in subjects
