"""Moderators are alerted in the admin when an accepted Stripe event waits too long.

The dashboard shows a panel with how many events have waited more than
CROWDFUND_STUCK_EVENT_MINUTES and a link to the inbox listing them with the reason;
the inbox is read-only for everyone, superusers included.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crowdfund.models import WebhookEvent
from tests.support import stripe_standin as fake_stripe

pytestmark = pytest.mark.django_db
PANEL = "Stripe events waiting"


def waiting_event(minutes_ago: int, *, applied=False) -> WebhookEvent:
    event = fake_stripe.event(
        "charge.refunded", {"id": fake_stripe.new_id("ch"), "object": "charge"}
    )
    return WebhookEvent.objects.create(
        event_id=event["id"],
        type=event["type"],
        payload=event,
        received_at=timezone.now() - timedelta(minutes=minutes_ago),
        applied_at=timezone.now() if applied else None,
        attempts=7,
        last_error="NotYetKnown: Stripe lookup for charge failed: Stripe is failing",
        next_attempt_at=timezone.now() + timedelta(hours=2),
    )


def dashboard(client) -> str:
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("who", ["moderator", "editor", "superuser"])
def test_staff_who_see_money_are_alerted_with_a_count_and_a_link(client, request, who):
    waiting_event(45)
    waiting_event(300)
    waiting_event(5)  # accepted a moment ago: not stuck yet
    waiting_event(600, applied=True)
    client.force_login(request.getfixturevalue(who))

    html = dashboard(client)

    assert PANEL in html
    assert "2 Stripe events" in html
    link = reverse("crowdfund_events:index") + "?waiting=true"
    assert f'href="{link}"' in html
    listing = client.get(link).content.decode()
    assert listing.count("charge.refunded") >= 3  # the three unapplied, not the applied one
    assert WebhookEvent.objects.filter(applied_at__isnull=True).count() == 3


def test_no_panel_when_nothing_waits_too_long(client, moderator, settings):
    settings.CROWDFUND_STUCK_EVENT_MINUTES = 60
    waiting_event(45)
    client.force_login(moderator)
    assert PANEL not in dashboard(client)


def test_supporters_see_neither_the_panel_nor_the_inbox(client, supporter):
    waiting_event(45)
    client.force_login(supporter)
    assert client.get(reverse("crowdfund_events:index")).status_code in (302, 403)


def test_the_inbox_shows_why_an_event_waits_and_nobody_may_change_it(client, superuser):
    event = waiting_event(45)
    client.force_login(superuser)
    inspect = client.get(reverse("crowdfund_events:inspect", args=[event.pk])).content.decode()
    assert "Stripe is failing" in inspect
    assert client.get(reverse("crowdfund_events:edit", args=[event.pk])).status_code in (302, 403)
    client.post(reverse("crowdfund_events:delete", args=[event.pk]))
    assert WebhookEvent.objects.filter(pk=event.pk).exists()
