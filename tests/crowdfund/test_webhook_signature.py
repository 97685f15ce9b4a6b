"""The webhook accepts only bodies Stripe signed, recently, with a secret we hold."""

import json
import time

import pytest
from django.urls import reverse

from crowdfund.models import LedgerEntry, WebhookEvent
from tests.crowdfund.conftest import make_donation
from tests.support import stripe_standin as fake_stripe
from tests.support.stripe_standin import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db


def paid_session_event(crowdfund):
    donation = make_donation(crowdfund)
    session = fake_stripe.checkout_session(amount=2_500, reference=str(donation.reference))
    return fake_stripe.event("checkout.session.completed", session)


def post_raw(client, body, headers):
    return client.post(
        reverse("crowdfund_stripe_webhook"), data=body, content_type="application/json", **headers
    )


def assert_nothing_changed():
    assert WebhookEvent.objects.count() == 0
    assert LedgerEntry.objects.count() == 0


def test_bad_signature_is_refused_and_nothing_stored(client, stripe_keys, crowdfund):
    body = json.dumps(paid_session_event(crowdfund))
    response = post_raw(client, body, fake_stripe.signed_headers(body, "whsec_someone_else"))
    assert response.status_code == 400
    assert_nothing_changed()


def test_missing_signature_header_is_refused(client, stripe_keys, crowdfund):
    body = json.dumps(paid_session_event(crowdfund))
    assert post_raw(client, body, {}).status_code == 400
    assert_nothing_changed()


def test_tampered_body_is_refused(client, stripe_keys, crowdfund):
    event = paid_session_event(crowdfund)
    body = json.dumps(event)
    headers = fake_stripe.signed_headers(body, WEBHOOK_SECRET)
    event["data"]["object"]["amount_total"] = 999_999
    assert post_raw(client, json.dumps(event), headers).status_code == 400
    assert_nothing_changed()


def test_stale_timestamp_is_refused(client, stripe_keys, crowdfund):
    body = json.dumps(paid_session_event(crowdfund))
    an_hour_ago = int(time.time()) - 3600
    headers = fake_stripe.signed_headers(body, WEBHOOK_SECRET, timestamp=an_hour_ago)
    assert post_raw(client, body, headers).status_code == 400
    assert_nothing_changed()


def test_get_is_not_allowed(client, stripe_keys):
    assert client.get(reverse("crowdfund_stripe_webhook")).status_code == 405


def test_no_webhook_secret_configured_refuses_everything(client, stripe_keys, crowdfund):
    stripe_keys.STRIPE_WEBHOOK_SECRET = ""
    body = json.dumps(paid_session_event(crowdfund))
    assert (
        post_raw(client, body, fake_stripe.signed_headers(body, WEBHOOK_SECRET)).status_code == 400
    )
    assert_nothing_changed()


def test_body_signed_during_secret_rotation_is_accepted(post_event, crowdfund):
    """Stripe sends two v1 signatures while an old secret is being rolled."""
    event = paid_session_event(crowdfund)
    body = json.dumps(event)
    header = fake_stripe.rotation_header(body, "whsec_old_secret_being_rolled", WEBHOOK_SECRET)
    response = post_event(event, headers={"HTTP_STRIPE_SIGNATURE": header})
    assert response.status_code == 200
    assert LedgerEntry.objects.get().amount_pence == 2_500


def test_either_configured_secret_is_accepted(post_event, stripe_keys, crowdfund):
    stripe_keys.STRIPE_WEBHOOK_SECRET = f"whsec_new_secret, {WEBHOOK_SECRET}"
    assert post_event(paid_session_event(crowdfund)).status_code == 200
    assert WebhookEvent.objects.get().applied_at is not None
