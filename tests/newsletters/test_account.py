"""A supporter's own opt-in: separate from the account, shown, withdrawn, exported, deleted."""

import json

import pytest
from django.urls import reverse

from cms.accounts import delete_account
from newsletters import consent
from newsletters.models import ConsentEvent, Subscription

pytestmark = pytest.mark.django_db


def test_signing_up_for_an_account_subscribes_nobody(client, mail_via_celery):
    with mail_via_celery():
        client.post(
            reverse("account_signup"),
            {"email": "new@example.com", "password1": "pass-2026!x", "password2": "pass-2026!x"},
        )
    assert not Subscription.objects.exists()


def test_a_supporter_opts_in_sees_it_and_withdraws_it(client, supporter):
    client.force_login(supporter)
    url = reverse("newsletters:account")
    page = client.get(url).content.decode()
    assert consent.ACCOUNT_WORDING in page and 'type="checkbox"' in page
    assert client.post(url, {}).status_code == 200  # the box unticked: nothing
    assert not Subscription.objects.exists()
    client.post(url, {"consent": "on"})
    subscription = Subscription.objects.get(user=supporter)
    assert subscription.is_receiving
    page = client.get(url).content.decode()
    assert "receives the newsletter" in page and consent.ACCOUNT_WORDING in page
    client.post(url, {"action": "unsubscribe"})
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None


def test_people_not_signed_in_or_unverified_cannot_use_the_account_page(client, unverified):
    url = reverse("newsletters:account")
    assert client.get(url).status_code == 302
    client.force_login(unverified)
    assert client.post(url, {"consent": "on"}).status_code == 403
    assert not Subscription.objects.exists()


def test_the_account_page_links_to_the_newsletter(client, supporter):
    client.force_login(supporter)
    assert reverse("newsletters:account") in client.get(reverse("profile")).content.decode()


def test_the_data_export_includes_the_consents(client, supporter):
    subscription = consent.opt_in_from_account(supporter)
    consent.withdraw(subscription, "account page")
    client.force_login(supporter)
    data = json.loads(client.post(reverse("download_my_data")).content)
    section = data["newsletter"]
    assert section["wording"] == consent.ACCOUNT_WORDING
    assert section["receiving"] is False and section["unsubscribed_at"]
    assert [entry["action"] for entry in section["history"]] == ["Opted in", "Unsubscribed"]


def test_deleting_the_account_removes_the_consents(supporter):
    consent.opt_in_from_account(supporter)
    delete_account(supporter)
    assert not Subscription.objects.exists()
    assert not ConsentEvent.objects.exists()
