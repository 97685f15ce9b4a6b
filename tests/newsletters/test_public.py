"""The public side: double opt-in, the way out signed out, the mail provider's reports."""

import hashlib
import hmac
import json
import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from newsletters import consent
from newsletters.models import ConsentEvent, Subscription, Suppression
from newsletters.tokens import confirmation_token, way_out_token
from tests.newsletters.conftest import public_subscriber

pytestmark = pytest.mark.django_db

SIGNING_KEY = "test-mailgun-signing-key"


def sign_up(client, email="ada@example.com", **extra):
    data = {"email": email, "constituency": "", "consent": "on", "website": "", **extra}
    return client.post(reverse("newsletters:sign_up"), data)


def link_in(message) -> str:
    return re.search(r"http://testserver(\S+)", message.body).group(1)


def test_signing_up_sends_a_confirmation_and_nothing_else_until_confirmed(client, mail_via_celery):
    with mail_via_celery():
        response = sign_up(client)
    assert response.status_code == 302 and response.url == reverse("newsletters:check_email")
    subscription = Subscription.objects.get()
    assert subscription.opted_in_at and subscription.confirmed_at is None
    assert subscription.wording == consent.PUBLIC_WORDING
    assert not Subscription.objects.receiving().exists()
    (message,) = mail_via_celery.outbox
    confirm_path = link_in(message)

    page = client.get(confirm_path)  # a link scanner's GET confirms nothing
    assert page.status_code == 200 and "ada@example.com" in page.content.decode()
    assert not Subscription.objects.receiving().exists()
    client.post(confirm_path)
    assert Subscription.objects.receiving().get() == subscription
    assert list(subscription.events.values_list("action", flat=True)) == [
        ConsentEvent.Action.OPTED_IN,
        ConsentEvent.Action.CONFIRMED,
    ]


def test_the_form_needs_the_consent_box_ticked(client):
    response = sign_up(client, consent="")
    assert response.status_code == 200
    assert "Tick the box" in response.content.decode()
    assert not Subscription.objects.exists()


def test_the_form_does_not_reveal_whether_an_address_is_subscribed(client, mail_via_celery):
    public_subscriber("known@example.com")
    with mail_via_celery():
        known = sign_up(client, "known@example.com")
        unknown = sign_up(Client(), "unknown@example.com")
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    subjects = {message.to[0]: message.subject for message in mail_via_celery.outbox}
    assert "already" in subjects["known@example.com"]  # only the owner learns it
    assert "Confirm" in subjects["unknown@example.com"]


def test_confirmation_links_that_are_forged_expired_or_replaced_are_refused(client, settings):
    subscription, _ = consent.sign_up_publicly("ada@example.com")
    old = confirmation_token(subscription)
    assert client.post(reverse("newsletters:confirm", args=[old + "x"])).status_code == 400
    settings.NEWSLETTER_CONFIRM_DAYS = 0
    time.sleep(1.1)
    assert client.post(reverse("newsletters:confirm", args=[old])).status_code == 400
    settings.NEWSLETTER_CONFIRM_DAYS = 7
    consent.withdraw(subscription, "email link")
    assert client.post(reverse("newsletters:confirm", args=[old])).status_code == 400
    assert not Subscription.objects.receiving().exists()


def test_sign_ups_are_rate_limited(client, settings, mail_via_celery):
    settings.NEWSLETTER_SIGNUP_RATE = "2/h"
    with mail_via_celery():
        statuses = [sign_up(client, f"p{i}@example.com").status_code for i in range(3)]
    assert statuses == [302, 302, 429]
    assert len(mail_via_celery.outbox) == 2


def test_one_click_unsubscribe_posted_signed_out_without_a_token_of_csrf():
    subscription = public_subscriber("ada@example.com")
    provider = Client(enforce_csrf_checks=True)
    url = reverse("newsletters:unsubscribe", args=[way_out_token(subscription.pk, None)])
    response = provider.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None
    assert subscription.events.last().how == "one-click"


def test_the_unsubscribe_link_asks_first_then_unsubscribes(client):
    subscription = public_subscriber("ada@example.com")
    url = reverse("newsletters:unsubscribe", args=[way_out_token(subscription.pk)])
    page = client.get(url)
    assert page.status_code == 200 and "Stop the Alliance Hub newsletter?" in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.is_receiving  # a GET changes nothing
    client.post(url)
    subscription.refresh_from_db()
    assert not subscription.is_receiving
    assert subscription.events.last().how == "email link"


@pytest.mark.parametrize("name", ["unsubscribe", "preferences"])
def test_a_forged_token_is_refused(client, name):
    subscription = public_subscriber("ada@example.com")
    token = way_out_token(subscription.pk)
    forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    other_salt = consent  # a token signed for something else: the notifications' way out
    from notifications.preferences import unsubscribe_token

    for bad in (forged, "not-a-token", unsubscribe_token(type("U", (), {"pk": subscription.pk}))):
        assert client.post(reverse(f"newsletters:{name}", args=[bad])).status_code == 400
    assert other_salt
    subscription.refresh_from_db()
    assert subscription.is_receiving


def mailgun_post(client, event_data, key=SIGNING_KEY):
    timestamp, token = str(int(time.time())), "a" * 50
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    body = {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {"timestamp": time.time(), **event_data},
    }
    return client.post(
        reverse("newsletters:mailgun_events"),
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz",  # user:pass, ANYMAIL WEBHOOK_SECRET
    )


@pytest.fixture
def mailgun(settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_SECRET": "user:pass"}


@pytest.mark.parametrize(
    "event, reason",
    [
        ({"event": "failed", "severity": "permanent", "reason": "bounce"}, "bounced"),
        ({"event": "complained"}, "complained"),
    ],
)
def test_a_signed_bounce_or_complaint_from_the_provider_suppresses_the_address(
    client, mailgun, event, reason
):
    subscription = public_subscriber("ada@example.com")
    response = mailgun_post(client, {**event, "recipient": "Ada@example.com"})
    assert response.status_code == 200
    assert Suppression.objects.get().reason == reason
    assert not Subscription.objects.receiving().filter(pk=subscription.pk).exists()


def test_a_temporary_bounce_changes_nothing(client, mailgun):
    public_subscriber("ada@example.com")
    mailgun_post(
        client, {"event": "failed", "severity": "temporary", "recipient": "ada@example.com"}
    )
    assert not Suppression.objects.exists()


def test_a_webhook_with_a_wrong_signature_is_refused(client, mailgun):
    public_subscriber("ada@example.com")
    response = mailgun_post(
        client, {"event": "complained", "recipient": "ada@example.com"}, key="not-the-key"
    )
    assert response.status_code == 400
    assert not Suppression.objects.exists()


def test_without_a_provider_there_is_no_webhook(client):
    assert mailgun_post(client, {"event": "complained"}).status_code == 404
