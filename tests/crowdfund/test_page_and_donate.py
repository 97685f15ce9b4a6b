"""The crowdfund page, donating through Checkout (a local stand-in), live totals."""

import pytest
from django.urls import reverse

from crowdfund import ledger, payments
from crowdfund.models import BudgetLine, CrowdfundUpdate, Donation, Method
from tests.crowdfund.conftest import make_donation
from tests.support import stripe_standin as fake_stripe

pytestmark = pytest.mark.django_db


def donate_url(crowdfund):
    return crowdfund.url + crowdfund.reverse_subpage("donate")


def give_offline(crowdfund, amount, **fields):
    donation = make_donation(crowdfund, amount_pence=amount, method=Method.CHEQUE, **fields)
    ledger.record_offline(donation)
    return donation


def test_without_stripe_keys_the_page_shows_totals_and_explains(client, settings, crowdfund):
    settings.STRIPE_SECRET_KEY = ""
    give_offline(crowdfund, 12_345)
    response = client.get(crowdfund.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "£123.45" in html
    assert "Card payments are not set up" in html
    donate = client.get(donate_url(crowdfund))
    assert donate.status_code == 200
    assert "Card payments are not set up" in donate.content.decode()
    assert client.post(donate_url(crowdfund), {"amount": "10"}).status_code == 200
    assert not Donation.objects.filter(method=Method.CARD).exists()


def test_page_shows_figures_budget_updates_and_wall(client, stripe_keys, crowdfund):
    BudgetLine.objects.create(page=crowdfund, item="Accessibility audit", amount_pence=80_000)
    CrowdfundUpdate.objects.create(
        crowdfund=crowdfund, title="We are halfway", body="<p>Thanks!</p>", email_backers=False
    )
    give_offline(
        crowdfund,
        250_000,
        name="Grace Hopper",
        email="grace@example.com",
        show_name=True,
        message="Go for it",
    )
    give_offline(
        crowdfund, 10_000, name="Secret Person", email="secret@example.com", show_name=False
    )
    html = client.get(crowdfund.url).content.decode()
    assert "£2,600" in html and "of a £5,000 target" in html
    assert 'value="52"' in html  # the progress bar
    assert 'data-field="donors_display">2 donors</span>' in html
    assert "Accessibility audit" in html and "We are halfway" in html
    assert "Grace Hopper" in html and "Go for it" in html
    assert "Anonymous" in html and "Secret Person" not in html
    assert "Keep what we raise" in html
    assert "not eligible for Gift Aid" in html


def test_donate_form_creates_pending_donation_and_checkout_session(
    client, stripe_standin, crowdfund
):
    response = client.post(
        donate_url(crowdfund),
        {
            "amount": "25",
            "frequency": "one_off",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "updates_opt_in": "on",
        },
    )
    donation = Donation.objects.get()
    assert donation.status == "pending" and donation.amount_pence == 2_500
    assert response.status_code == 303
    [request] = stripe_standin.posts_to("/v1/checkout/sessions")
    assert (
        response["Location"] == stripe_standin.sessions[donation.stripe_checkout_session_id]["url"]
    )
    assert request["idempotency_key"] == f"crowdfund-checkout-{donation.reference}"
    assert request["authorization"] == "Bearer sk_test_standin"
    params = request["params"]
    assert params["mode"] == "payment" and params["submit_type"] == "donate"
    assert params["line_items[0][price_data][unit_amount]"] == "2500"
    assert params["line_items[0][price_data][currency]"] == "gbp"
    assert params["metadata[donation_reference]"] == str(donation.reference)
    assert params["payment_intent_data[metadata][donation_reference]"] == str(donation.reference)


def test_monthly_gift_uses_a_subscription_without_submit_type(client, stripe_standin, crowdfund):
    client.post(
        donate_url(crowdfund),
        {"amount": "10", "frequency": "monthly", "name": "Ada L", "email": "a@example.com"},
    )
    [request] = stripe_standin.posts_to("/v1/checkout/sessions")
    assert request["params"]["mode"] == "subscription"
    assert "submit_type" not in request["params"]
    assert request["params"]["line_items[0][price_data][recurring][interval]"] == "month"
    assert Donation.objects.get().frequency == "monthly"


def test_retrying_a_checkout_for_one_donation_reuses_the_session(stripe_standin, crowdfund):
    donation = make_donation(crowdfund)
    first = payments.create_checkout_session(donation, crowdfund, "http://x/ok", "http://x/no")
    second = payments.create_checkout_session(donation, crowdfund, "http://x/ok", "http://x/no")
    assert first.id == second.id


def test_bad_amounts_are_refused_on_the_form(client, stripe_standin, crowdfund):
    for amount, message in [("1", "smallest gift"), ("20000", "largest gift"), ("abc", "number")]:
        response = client.post(
            donate_url(crowdfund), {"amount": amount, "name": "A B", "email": "a@example.com"}
        )
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not Donation.objects.exists()


def test_donate_form_is_rate_limited(client, stripe_standin, settings, crowdfund):
    settings.CROWDFUND_DONATE_RATE = "2/h"
    data = {"amount": "5", "name": "A B", "email": "a@example.com", "frequency": "one_off"}
    statuses = [client.post(donate_url(crowdfund), data).status_code for _ in range(3)]
    assert statuses == [303, 303, 200]
    assert Donation.objects.count() == 2


def test_stripe_unreachable_keeps_the_form(client, stripe_keys, settings, crowdfund):
    settings.STRIPE_API_BASE = "http://127.0.0.1:1"
    response = client.post(
        donate_url(crowdfund), {"amount": "5", "name": "A B", "email": "a@example.com"}
    )
    assert response.status_code == 200
    assert "could not reach our card processor" in response.content.decode()


def test_success_and_cancel_pages(client, stripe_keys, crowdfund):
    success = client.get(crowdfund.url + crowdfund.reverse_subpage("success"))
    assert "receipt" in success.content.decode()
    cancel = client.get(crowdfund.url + crowdfund.reverse_subpage("cancel"))
    assert "No payment was taken" in cancel.content.decode()


def test_totals_json_is_live_and_uncached(client, crowdfund):
    give_offline(crowdfund, 1_000, email="first@example.com")
    response = client.get(reverse("crowdfund_totals", args=[crowdfund.pk]))
    assert response.json()["total_pence"] == 1_000
    assert "no-cache" in response["Cache-Control"]
    give_offline(crowdfund, 2_000, email="second@example.com")
    assert client.get(reverse("crowdfund_totals", args=[crowdfund.pk])).json()["donors"] == 2


def test_page_query_count_does_not_grow_with_donors(
    client, stripe_keys, crowdfund, django_assert_max_num_queries
):
    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(crowdfund.url).status_code == 200
        return len(queries)

    for n in range(3):
        give_offline(crowdfund, 1_000, name=f"Donor {n}", show_name=True, message="Hi")
    few = count_queries()
    for n in range(30):
        give_offline(crowdfund, 1_000, name=f"Donor {n}", show_name=True, message="Hi")
    with django_assert_max_num_queries(few):
        client.get(crowdfund.url)


def test_receipt_email_has_amount_date_and_reference(post_event, crowdfund, mailoutbox):
    donation = make_donation(crowdfund, amount_pence=1_234)
    session = fake_stripe.checkout_session(amount=1_234, reference=str(donation.reference))
    post_event(fake_stripe.event("checkout.session.completed", session))
    [receipt] = [m for m in mailoutbox if m.subject.startswith("Your receipt")]
    assert "£12.34" in receipt.body and str(donation.reference) in receipt.body
    assert "Date:" in receipt.body and receipt.to == ["ada@example.com"]


def test_update_is_emailed_once_to_opted_in_backers(post_event, crowdfund, mail_via_celery):
    for email, opted in [("yes@example.com", True), ("no@example.com", False)]:
        donation = make_donation(crowdfund, email=email, updates_opt_in=opted)
        session = fake_stripe.checkout_session(amount=2_500, reference=str(donation.reference))
        post_event(fake_stripe.event("checkout.session.completed", session))
    with mail_via_celery():
        update = CrowdfundUpdate.objects.create(crowdfund=crowdfund, title="News", body="<p>x</p>")
        update.title = "News, edited"
        update.save()
    sent = [m for m in mail_via_celery.outbox if "News" in m.subject]
    assert [m.to for m in sent] == [["yes@example.com"]]


def test_donate_page_shows_the_form_with_labels_and_a_hidden_honeypot(
    client, stripe_keys, crowdfund
):
    html = client.get(donate_url(crowdfund)).content.decode()
    assert 'for="id_amount"' in html and 'for="id_permissible_donor"' in html
    assert '<div class="honeypot" aria-hidden="true">' in html
    assert "Gift Aid" in html  # says gifts are not eligible


def test_bots_filling_the_honeypot_are_refused(client, stripe_standin, crowdfund):
    response = client.post(
        donate_url(crowdfund),
        {"amount": "5", "name": "A B", "email": "a@example.com", "website": "spam.example"},
    )
    assert response.status_code == 200
    assert not Donation.objects.exists()


def test_closed_crowdfund_takes_no_donations(client, stripe_standin, crowdfund):
    from datetime import timedelta

    from django.utils import timezone

    crowdfund.deadline = timezone.now() - timedelta(days=1)
    crowdfund.save()
    response = client.post(donate_url(crowdfund), {"amount": "5", "name": "A B", "email": "a@x.io"})
    assert "has closed" in response.content.decode()
    assert not Donation.objects.exists()


def test_when_stripe_cannot_be_reached_the_form_says_so_and_no_gift_is_left(
    client, stripe_keys, crowdfund
):
    stripe_keys.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    stripe_keys.STRIPE_MAX_NETWORK_RETRIES = 0
    response = client.post(
        donate_url(crowdfund),
        {"amount": "25", "frequency": "one_off", "name": "Ada", "email": "ada@example.com"},
    )
    assert response.status_code == 200
    assert "We could not reach our card processor" in response.content.decode()
    assert response.context["form"]["name"].value() == "Ada"
    assert not Donation.objects.exists()
