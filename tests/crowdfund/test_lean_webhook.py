"""Stripe's deliveries on their lean path (crowdfund.lean_webhook): verified, stored once
and acknowledged by the WSGI application before Django's request handling, with the
endpoint's rules kept; anything else reaches Django, which answers as before."""

import json

import pytest
from django.db import OperationalError
from django.urls import reverse

from crowdfund import lean_webhook, views
from crowdfund.models import LedgerEntry, WebhookEvent
from tests.crowdfund.test_webhook_signature import paid_session_event
from tests.support import stripe_standin as fake_stripe
from tests.support.lean_site import MIDDLEWARE_HEADERS, LeanSite
from tests.support.stripe_standin import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def site(stripe_keys):
    return LeanSite(lean_webhook.serve_webhooks)


def deliver(site, event, *, secret=WEBHOOK_SECRET, content_type=JSON, **headers):
    body = event if isinstance(event, str) else json.dumps(event)
    signed = fake_stripe.signed_headers(body, secret)
    return site.post(reverse("crowdfund_stripe_webhook"), body, content_type, **signed, **headers)


def test_a_delivery_is_stored_and_acknowledged_without_djangos_stack(
    site, crowdfund, django_capture_on_commit_callbacks
):
    event = paid_session_event(crowdfund)
    with django_capture_on_commit_callbacks(execute=True):
        status, _, body, django_ran = deliver(site, event)
    assert (status, django_ran) == (200, False)
    assert json.loads(body) == {"received": True, "duplicate": False}
    stored = WebhookEvent.objects.get(event_id=event["id"])
    assert stored.type == "checkout.session.completed"
    # The drain it asked for (eager here) applied it: the money is in the ledger.
    assert stored.applied_at is not None
    assert LedgerEntry.objects.filter(amount_pence=2_500).count() == 1


def test_a_repeated_delivery_is_stored_once(site, crowdfund):
    event = paid_session_event(crowdfund)
    assert deliver(site, event)[0] == 200
    status, _, body, django_ran = deliver(site, event)
    assert (status, django_ran) == (200, False)
    assert json.loads(body)["duplicate"] is True
    assert WebhookEvent.objects.filter(event_id=event["id"]).count() == 1


def test_the_answer_carries_the_headers_djangos_stack_gives(site, client, crowdfund):
    _, lean_headers, lean_body, _ = deliver(site, paid_session_event(crowdfund))
    body = json.dumps(paid_session_event(crowdfund))
    full = client.post(
        reverse("crowdfund_stripe_webhook"),
        data=body,
        content_type=JSON,
        **fake_stripe.signed_headers(body, WEBHOOK_SECRET),
    )
    lean = dict(lean_headers)
    for name in MIDDLEWARE_HEADERS:
        assert lean.get(name) == full.headers.get(name), name
    assert lean["Content-Length"] == str(len(lean_body))
    assert "private" in lean["Cache-Control"]


def test_a_bad_signature_is_refused_and_nothing_stored(site, crowdfund):
    status, _, body, django_ran = deliver(
        site, paid_session_event(crowdfund), secret="whsec_someone_else"
    )
    assert (status, django_ran) == (400, False)
    assert b"invalid signature" in body
    assert not WebhookEvent.objects.exists()


def test_a_body_that_is_not_an_event_is_refused(site, crowdfund):
    status, _, _, _ = deliver(site, '{"no": "id or type"}')
    assert status == 400
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize(
    "content_type,padding",
    [
        ("text/plain", 0),  # not JSON: Django's stack answers
        (JSON, 300 * 1024),  # past the endpoint's limit: Django's body limit answers 413
    ],
)
def test_what_the_lean_path_does_not_take_goes_to_django(site, crowdfund, content_type, padding):
    event = paid_session_event(crowdfund)
    event["padding"] = "x" * padding
    status, _, _, django_ran = deliver(site, event, content_type=content_type)
    assert django_ran
    if padding:
        assert status == 413
        assert not WebhookEvent.objects.exists()


def test_a_host_the_site_does_not_serve_goes_to_django(site, crowdfund):
    status, _, _, django_ran = deliver(
        site, paid_session_event(crowdfund), HTTP_HOST="attacker.example"
    )
    assert (status, django_ran) == (400, True)
    assert not WebhookEvent.objects.exists()


def test_a_delivery_whose_connection_failed_is_stored_once_by_django(site, crowdfund, monkeypatch):
    endpoint = views.stripe_webhook
    failures = []

    def connection_lost(request):
        answer = endpoint(request)  # the event reached the inbox...
        if failures:
            return answer
        failures.append(True)
        raise OperationalError("server closed the connection unexpectedly")  # ...no answer

    monkeypatch.setattr(views, "stripe_webhook", connection_lost)
    event = paid_session_event(crowdfund)
    status, _, body, django_ran = deliver(site, event)
    assert (status, django_ran) == (200, True)
    assert json.loads(body)["duplicate"] is True  # Django met the stored event
    assert failures and WebhookEvent.objects.filter(event_id=event["id"]).count() == 1
