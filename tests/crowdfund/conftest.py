"""Crowdfund fixtures: a crowdfund page, donations, webhook posting.

Stripe settings and the stand-in (`stripe_keys`, `stripe_standin`) are shared by every
package: tests/support/fixtures.py.
"""

import json

import pytest
from django.urls import reverse

from crowdfund.models import CrowdfundPage, Donation, Frequency, Method
from tests.support.factories import CrowdfundPageFactory
from tests.support.stripe_standin import WEBHOOK_SECRET, signed_headers


def make_crowdfund(home, slug="build-the-hub", target_pence=500_000, **fields):
    page = CrowdfundPageFactory(parent=home, slug=slug, target_pence=target_pence, **fields)
    return CrowdfundPage.objects.get(pk=page.pk)


@pytest.fixture
def crowdfund(home):
    return make_crowdfund(home)


def make_donation(crowdfund, amount_pence=2_500, **fields):
    fields.setdefault("name", "Ada Lovelace")
    fields.setdefault("email", "ada@example.com")
    fields.setdefault("method", Method.CARD)
    fields.setdefault("frequency", Frequency.ONE_OFF)
    return Donation.objects.create(crowdfund=crowdfund, amount_pence=amount_pence, **fields)


@pytest.fixture
def post_event(client, stripe_keys, django_capture_on_commit_callbacks):
    """Sign and deliver one event to the webhook, running what it enqueues (eager Celery)."""

    def post(event, *, execute=True, headers=None):
        body = json.dumps(event)
        headers = headers or signed_headers(body, WEBHOOK_SECRET)
        with django_capture_on_commit_callbacks(execute=execute):
            response = client.post(
                reverse("crowdfund_stripe_webhook"),
                data=body,
                content_type="application/json",
                **headers,
            )
        return response

    return post


def total(crowdfund) -> int:
    return CrowdfundPage.objects.get(pk=crowdfund.pk).totals()["total"]
