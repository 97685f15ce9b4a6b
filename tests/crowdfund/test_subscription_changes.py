"""A monthly donor's changes in Stripe's customer portal (`customer.subscription.updated`).

Each event is signed and posted to the real webhook view, stored and applied through the
inbox. The donation records the amount per month and when the gift ends; an older event
arriving after a newer one changes nothing; no change ever moves money (the ledger is
the same before and after).
"""

# ruff: noqa: F811  (the cache fixture is imported, then used as an argument)

import html as html_module
import re
import time
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from crowdfund import giving
from crowdfund.models import Donation, DonationStatus, Frequency, LedgerEntry, WebhookEvent
from tests.crowdfund.conftest import make_donation, total
from tests.security.caches import caches_on  # noqa: F401
from tests.support import stripe_standin as fake_stripe

pytestmark = pytest.mark.django_db

# 12:00 UTC on 3 January 2027 (GMT in London, so the same day there).
PERIOD_END = int(datetime(2027, 1, 3, 12, 0, tzinfo=UTC).timestamp())


def text_of(response) -> str:
    words = html_module.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r"\s+", " ", words.replace("\xa0", " "))


def paid_monthly_gift(post_event, crowdfund, **fields) -> Donation:
    """A £10-a-month gift, its session completed and first invoice paid, by webhook."""
    donation = make_donation(crowdfund, amount_pence=1_000, frequency=Frequency.MONTHLY, **fields)
    session = fake_stripe.checkout_session(
        amount=1_000, reference=str(donation.reference), mode="subscription"
    )
    session["customer"] = "cus_test_monthly"
    post_event(fake_stripe.event("checkout.session.completed", session))
    invoice = fake_stripe.invoice(
        amount=1_000, subscription=session["subscription"], reference=str(donation.reference)
    )
    post_event(fake_stripe.event("invoice.paid", invoice))
    return Donation.objects.get(pk=donation.pk)


def ledger_of(crowdfund) -> list:
    return list(
        LedgerEntry.objects.filter(crowdfund=crowdfund)
        .order_by("pk")
        .values_list("pk", "kind", "amount_pence", "source_id")
    )


def updated(donation, created: int, event_id=None, **subscription) -> dict:
    subscription.setdefault("unit_amount", 1_000)
    subscription.setdefault("period_end", PERIOD_END)
    return fake_stripe.event(
        "customer.subscription.updated",
        fake_stripe.monthly_subscription(
            subscription_id=donation.stripe_subscription_id,
            reference=str(donation.reference),
            **subscription,
        ),
        event_id=event_id,
        created=created,
    )


def portal_text(client, donation) -> str:
    response = client.get(reverse("crowdfund_portal", args=[giving.portal_token(donation)]))
    assert response.status_code == 200
    return text_of(response)


def test_a_new_monthly_amount_is_recorded_and_shown_without_moving_money(
    client, post_event, crowdfund, moderator
):
    donation = paid_monthly_gift(post_event, crowdfund)
    before, before_total = ledger_of(crowdfund), total(crowdfund)
    now = int(time.time())

    # £5 x 3: the amount is the items' unit_amount x quantity.
    response = post_event(updated(donation, now, unit_amount=500, quantity=3))

    assert response.status_code == 200
    donation.refresh_from_db()
    assert donation.monthly_amount_pence == 1_500 == donation.current_monthly_pence
    assert donation.amount_pence == 1_000  # what the donor first gave is kept
    assert donation.ends_at is None and donation.subscription_status == "active"
    assert donation.status == DonationStatus.ACTIVE
    assert donation.monthly_summary == "£15 a month"
    assert WebhookEvent.objects.get(type="customer.subscription.updated").outcome == (
        "monthly gift change recorded"
    )
    assert ledger_of(crowdfund) == before and total(crowdfund) == before_total == 1_000

    assert "Your monthly gift of £15 a month" in portal_text(client, donation)
    client.force_login(moderator)
    inspect = client.get(reverse("crowdfund_donations:inspect", args=[donation.pk]))
    assert inspect.status_code == 200
    assert "Monthly gift now £15 a month" in text_of(inspect)


def test_a_cancellation_at_the_period_end_shows_its_date_and_a_reactivation_clears_it(
    client, post_event, crowdfund, moderator
):
    donation = paid_monthly_gift(post_event, crowdfund)
    before = ledger_of(crowdfund)
    now = int(time.time())

    post_event(updated(donation, now, cancel_at_period_end=True))
    donation.refresh_from_db()
    assert donation.ends_at == datetime(2027, 1, 3, 12, 0, tzinfo=UTC)
    assert donation.status == DonationStatus.ACTIVE  # it still gives until then
    assert donation.cancelled_at is None
    assert donation.monthly_summary == "£10 a month, ends on 3 January 2027"
    assert "This gift ends on 3 January 2027" in portal_text(client, donation)
    client.force_login(moderator)
    inspect = client.get(reverse("crowdfund_donations:inspect", args=[donation.pk]))
    assert "£10 a month, ends on 3 January 2027" in text_of(inspect)

    post_event(updated(donation, now + 60, cancel_at_period_end=False))
    donation.refresh_from_db()
    assert donation.ends_at is None
    assert donation.monthly_summary == "£10 a month"
    assert "ends on" not in portal_text(Client(), donation)
    assert ledger_of(crowdfund) == before and total(crowdfund) == 1_000


def test_an_older_update_arriving_after_a_newer_one_leaves_the_newer_state(post_event, crowdfund):
    donation = paid_monthly_gift(post_event, crowdfund)
    before = ledger_of(crowdfund)
    now = int(time.time())
    older = updated(donation, now - 120, unit_amount=1_500, cancel_at_period_end=True)
    newer = updated(donation, now - 60, unit_amount=2_000)

    post_event(newer)
    post_event(older)

    donation.refresh_from_db()
    assert donation.current_monthly_pence == 2_000 and donation.ends_at is None
    assert donation.subscription_changed_at == datetime.fromtimestamp(now - 60, tz=UTC)
    stored = WebhookEvent.objects.get(event_id=older["id"])
    assert stored.applied_at is not None  # handled, not left to be retried
    assert stored.outcome == "older than the change held: not applied"
    assert ledger_of(crowdfund) == before


def test_a_duplicate_delivery_is_applied_once(post_event, crowdfund):
    donation = paid_monthly_gift(post_event, crowdfund)
    before = ledger_of(crowdfund)
    change = updated(donation, int(time.time()), unit_amount=2_500)

    first = post_event(change)
    second = post_event(change)

    assert first.status_code == second.status_code == 200
    stored = WebhookEvent.objects.get(event_id=change["id"])
    assert stored.attempts == 1 and stored.outcome == "monthly gift change recorded"
    donation.refresh_from_db()
    assert donation.current_monthly_pence == 2_500
    assert ledger_of(crowdfund) == before and total(crowdfund) == 1_000


def test_the_final_deletion_after_a_scheduled_end_says_the_gift_ended(post_event, crowdfund):
    donation = paid_monthly_gift(post_event, crowdfund)
    now = int(time.time())
    post_event(updated(donation, now - 60, cancel_at_period_end=True))
    ended = fake_stripe.subscription(
        subscription_id=donation.stripe_subscription_id, reference=str(donation.reference)
    )
    ended["ended_at"] = now - 30
    post_event(fake_stripe.event("customer.subscription.deleted", ended, created=now - 30))
    # The update Stripe sent before the deletion, delivered late, changes nothing.
    post_event(updated(donation, now - 90, unit_amount=3_000))

    donation.refresh_from_db()
    assert donation.status == DonationStatus.CANCELLED
    assert donation.subscription_status == "canceled"
    assert donation.ends_at == datetime.fromtimestamp(now - 30, tz=UTC)
    assert donation.current_monthly_pence == 1_000
    assert donation.monthly_summary.startswith("£10 a month, ended on ")
    assert total(crowdfund) == 1_000


def test_a_subscription_of_another_application_is_ignored_not_retried(post_event, crowdfund):
    stranger = fake_stripe.event(
        "customer.subscription.updated",
        fake_stripe.monthly_subscription(
            subscription_id="sub_not_ours", reference="order-42", unit_amount=999
        ),
    )
    post_event(stranger)
    stored = WebhookEvent.objects.get(event_id=stranger["id"])
    assert stored.applied_at is not None and stored.outcome.startswith("ignored:")
    assert not LedgerEntry.objects.exists()


def test_a_new_amount_shown_on_the_wall_reaches_the_next_visitor_at_once(
    caches_on, post_event, crowdfund
):
    donation = paid_monthly_gift(post_event, crowdfund, show_amount=True, show_name=True)
    visitor = Client()
    visitor.get(crowdfund.url)
    cached = visitor.get(crowdfund.url)
    assert cached["X-Page-Cache"] == "hit"
    assert "£10 a month" in cached.content.decode()

    post_event(updated(donation, int(time.time()), unit_amount=1_500))

    page = Client().get(crowdfund.url).content.decode()
    assert "£15 a month" in page and "£10 a month" not in page


def test_an_ended_gift_offers_a_new_gift_not_stripe(client, post_event, crowdfund):
    donation = paid_monthly_gift(post_event, crowdfund)
    ended = fake_stripe.subscription(
        subscription_id=donation.stripe_subscription_id, reference=str(donation.reference)
    )
    ended["ended_at"] = int(time.time()) - 30
    post_event(fake_stripe.event("customer.subscription.deleted", ended))
    address = reverse("crowdfund_portal", args=[giving.portal_token(donation)])

    text = portal_text(client, donation)
    opened = client.post(address)

    assert "cannot be restarted" in text and "make a new gift" in text
    assert "Continue to Stripe" not in text
    assert opened.status_code == 200  # the page again: no way to Stripe's portal
    assert "Continue to Stripe" not in text_of(opened)


@pytest.mark.parametrize("reference", ["order-42", "0b9f3e1c-6a77-4f4e-9a51-2f6f1f0d9c11", ""])
def test_the_end_of_another_applications_subscription_is_ignored_not_retried(
    post_event, crowdfund, reference
):
    ours = paid_monthly_gift(post_event, crowdfund)
    stranger = fake_stripe.subscription(subscription_id="sub_not_ours", reference=reference)
    stranger["ended_at"] = int(time.time())
    event = fake_stripe.event("customer.subscription.deleted", stranger)

    post_event(event)

    stored = WebhookEvent.objects.get(event_id=event["id"])
    assert stored.applied_at is not None and stored.outcome.startswith("ignored:")
    assert stored.next_attempt_at is None and stored.last_error == ""
    ours.refresh_from_db()
    assert ours.status == DonationStatus.ACTIVE and ours.cancelled_at is None
