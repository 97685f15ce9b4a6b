"""Journey 3: a donor gives to a crowdfund and the page shows the new total and donor count.

The form sends the browser to Stripe Checkout. The Checkout Session is created by the real
stripe client against the local stand-in (tests/support/stripe_standin.py); the hosted Checkout page
itself is answered inside the browser (a routed URL), since nothing may reach Stripe.
Stripe's signed `checkout.session.completed` webhook is then posted to the live server.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from cms.models import HomePage
from crowdfund.models import CrowdfundPage, Donation
from tests.support import stripe_standin as fake_stripe
from tests.support.stripe_standin import WEBHOOK_SECRET

CHECKOUT = re.compile(r"^https://checkout\.stripe\.com/")


@pytest.fixture
def crowdfund(transactional_db):
    home = HomePage.objects.get()
    page = CrowdfundPage(title="Fund the count", slug="fund-the-count", target_pence=100_000)
    home.add_child(instance=page)
    page.save_revision().publish()
    return CrowdfundPage.objects.get(pk=page.pk)


def answer_checkout_in_the_browser(tab):
    """Stand in for Stripe's hosted Checkout page (the browser must never reach Stripe)."""
    tab.context.route(
        CHECKOUT,
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            body="<!doctype html><html lang='en'><title>Checkout (stand-in)</title>"
            "<main><h1>Stripe Checkout stand-in</h1></main></html>",
        ),
    )


def deliver_completed_checkout(tab, standin, session_id):
    """Post Stripe's signed webhook for the now-paid session to the live server."""
    session = dict(standin.sessions[session_id], status="complete", payment_status="paid")
    body = json.dumps(fake_stripe.event("checkout.session.completed", session))
    header = fake_stripe.signed_headers(body, WEBHOOK_SECRET)["HTTP_STRIPE_SIGNATURE"]
    response = tab.request.post(
        "/crowdfund/stripe/webhook/",
        data=body,
        headers={"Content-Type": "application/json", "Stripe-Signature": header},
    )
    assert response.status == 200, response.text()


def fill_the_donate_form(tab):
    tab.get_by_label("Amount (£)").fill("40")
    tab.get_by_label("Your full name").fill("Dora Donor")
    tab.get_by_label("Email (for your receipt)").fill("dora@example.com")
    tab.get_by_label(re.compile("Show my name on the donor wall")).check()


def test_donor_gives_and_the_progress_bar_shows_the_new_total(
    page, screenshot, stripe_standin, crowdfund
):
    answer_checkout_in_the_browser(page)
    page.goto(crowdfund.url)
    expect(page.locator("[data-field=donors_display]")).to_have_text("0 donors")
    screenshot(page, "1-crowdfund-before")

    page.get_by_role("link", name="Donate", exact=True).click()
    fill_the_donate_form(page)
    screenshot(page, "2-donate-form")
    page.get_by_role("button", name="Continue to secure payment").click()
    page.wait_for_url(CHECKOUT)
    screenshot(page, "3-checkout-stand-in")

    donation = Donation.objects.get()
    assert donation.status == "pending" and donation.amount_pence == 4_000
    assert page.url == stripe_standin.sessions[donation.stripe_checkout_session_id]["url"]
    deliver_completed_checkout(page, stripe_standin, donation.stripe_checkout_session_id)

    page.goto(crowdfund.url)
    # The donor's session (their checkout is noted in it) keeps the page out of the shared
    # cache, so it is drawn afresh; its script also fetches the live figures, which is what
    # a cached page relies on.
    expect(page.locator("[data-field=total_display]")).to_have_text(
        re.compile(r"^£40(\.00)?$"), timeout=15_000
    )
    expect(page.locator("[data-field=donors_display]")).to_have_text("1 donor")
    expect(page.locator("progress.crowdfund-progress")).to_have_attribute("value", "4")
    # The wall of names is a page part kept for five seconds (as the figures are live, the
    # names may lag a little): a donor who looks again a few seconds later finds their name.
    for _ in range(10):
        if page.get_by_text("Dora Donor").count():
            break
        page.wait_for_timeout(1_000)
        page.reload()
    expect(page.get_by_text("Dora Donor")).to_be_visible()
    screenshot(page, "4-crowdfund-after")
