"""Giving that always works: offline instructions, the thank-you page, the customer portal,
the donor wall's consent and share links."""

import html as html_module
import re
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from cms.models import ContactPage
from crowdfund import giving, ledger
from crowdfund.models import Donation, Frequency, Method, OfflineGivingSettings
from tests.crowdfund.conftest import make_crowdfund, make_donation
from tests.support import stripe_standin as fake_stripe

pytestmark = pytest.mark.django_db


def sub(page, name):
    return page.url + page.reverse_subpage(name)


def text_of(response) -> str:
    """The page's visible words, tags dropped and spaces collapsed."""
    html = response.content.decode()
    words = html_module.unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\s+", " ", words.replace("\xa0", " "))


def configure_offline(**fields):
    values = {
        "bank_account_name": "Alliance Hub Campaign",
        "bank_sort_code": "12-34-56",
        "bank_account_number": "87654321",
        "bank_reference": "HUBGIFT",
        "cheque_payable_to": "Alliance Hub Campaign",
        "cheque_address": "Alliance Hub\n1 Market Street\nFrome BA11 1AA",
        **fields,
    }
    setting = OfflineGivingSettings.for_site(Site.objects.get(is_default_site=True))
    for name, value in values.items():
        setattr(setting, name, value)
    setting.full_clean()
    setting.save()
    return setting


def add_contact_page(home):
    page = ContactPage(title="Contact us", slug="contact")
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


# --- offline giving ------------------------------------------------------------------------
def test_without_stripe_keys_the_page_shows_bank_and_cheque_instructions(
    client, settings, crowdfund
):
    settings.STRIPE_SECRET_KEY = ""
    configure_offline()
    for url in (crowdfund.url, sub(crowdfund, "donate")):
        page = text_of(client.get(url))
        assert "Account name Alliance Hub Campaign" in page
        assert "Sort code 12-34-56" in page
        assert "Account number 87654321" in page
        assert "Reference HUBGIFT" in page
        assert "1 Market Street" in page and "Frome BA11 1AA" in page
        assert "Make your cheque payable to Alliance Hub Campaign" in page
        assert "Gifts over £500 are donations in UK electoral law" in page
        assert "full name and home address" in page
        assert "not eligible for Gift Aid" in page
    assert (
        'href="' + sub(crowdfund, "donate") + '"' not in client.get(crowdfund.url).content.decode()
    )


def test_a_crowdfund_can_ask_for_its_own_transfer_reference(client, settings, home):
    settings.STRIPE_SECRET_KEY = ""
    configure_offline()
    page = make_crowdfund(home, offline_reference="BUILDHUB")
    text = text_of(client.get(page.url))
    assert "Reference BUILDHUB" in text and "HUBGIFT" not in text


def test_nothing_configured_links_to_the_contact_page(client, settings, home, crowdfund):
    settings.STRIPE_SECRET_KEY = ""
    contact = add_contact_page(home)
    html = client.get(crowdfund.url).content.decode()
    assert f'<a href="{contact.url}">contact us</a>' in html
    assert "Sort code" not in html
    donate = client.get(sub(crowdfund, "donate")).content.decode()
    assert f'<a href="{contact.url}">contact us</a>' in donate


def test_nothing_configured_and_no_contact_page_gives_the_contact_address(
    client, settings, crowdfund
):
    settings.STRIPE_SECRET_KEY = ""
    settings.CONTACT_EMAIL = "give@alliancehub.example"
    html = client.get(crowdfund.url).content.decode()
    assert 'href="mailto:give@alliancehub.example"' in html


def test_a_crowdfund_closed_to_cards_offers_only_offline_giving(
    client, stripe_standin, home, settings
):
    configure_offline()
    page = make_crowdfund(home, accepts_cards=False)
    html = client.get(page.url).content.decode()
    assert "takes gifts by bank transfer or cheque" in html
    assert ">Donate</a>" not in html
    assert "Sort code" in html
    response = client.post(sub(page, "donate"), {"amount": "10", "name": "A B", "email": "a@b.c"})
    assert response.status_code == 200 and "Sort code" in response.content.decode()
    assert not Donation.objects.exists()
    assert not stripe_standin.posts_to("/v1/checkout/sessions")


def test_offline_giving_is_offered_beside_the_card_form(client, stripe_keys, crowdfund):
    configure_offline()
    page_html = client.get(crowdfund.url).content.decode()
    assert ">Donate</a>" in page_html and "Other ways to give" in page_html
    donate = client.get(sub(crowdfund, "donate")).content.decode()
    assert "Continue to secure payment" in donate and "Sort code" in donate


def test_a_closed_crowdfund_asks_for_no_more_gifts(client, settings, home):
    settings.STRIPE_SECRET_KEY = ""
    configure_offline()
    page = make_crowdfund(home, deadline=timezone.now() - timedelta(days=1))
    assert "Sort code" not in client.get(page.url).content.decode()
    assert "has closed" in client.get(sub(page, "donate")).content.decode()


def test_half_filled_bank_details_are_refused():
    setting = OfflineGivingSettings(site=Site.objects.get(is_default_site=True))
    setting.bank_account_name = "Alliance Hub"
    with pytest.raises(Exception, match="together"):
        setting.full_clean()
    setting.bank_sort_code, setting.bank_account_number = "123456", "1234"
    with pytest.raises(Exception) as error:
        setting.full_clean()
    assert "six digits in pairs" in str(error.value) and "eight digits" in str(error.value)


# --- the thank-you page ----------------------------------------------------------------------
def start_checkout(client, crowdfund, stripe_standin, **data) -> Donation:
    payload = {"amount": "25", "frequency": "one_off", "name": "Ada Lovelace", "email": "ada@x.org"}
    response = client.post(sub(crowdfund, "donate"), {**payload, **data})
    assert response.status_code == 303
    donation = Donation.objects.order_by("-pk").first()
    assert (
        response["Location"] == stripe_standin.sessions[donation.stripe_checkout_session_id]["url"]
    )
    return donation


def test_thank_you_says_being_confirmed_only_to_the_visitor_who_started_the_checkout(
    client, stripe_standin, crowdfund
):
    donation = start_checkout(client, crowdfund, stripe_standin)
    # Stripe's success_url names the session; the donor's browser comes back with it.
    [request] = stripe_standin.posts_to("/v1/checkout/sessions")
    assert request["params"]["success_url"].endswith("?session_id={CHECKOUT_SESSION_ID}")
    url = sub(crowdfund, "success") + f"?session_id={donation.stripe_checkout_session_id}"

    own = client.get(url)
    assert "Your gift of £25 to Build the hub is being confirmed." in text_of(own)
    assert "no-cache" in own["Cache-Control"] and "private" in own["Cache-Control"]
    assert "Ada" not in own.content.decode() and "ada@x.org" not in own.content.decode()

    stranger = Client()
    neutral = stranger.get(url)
    assert neutral.status_code == 200
    neutral_text = text_of(neutral)
    assert "Thank you for supporting Build the hub" in neutral_text
    assert "being confirmed." not in neutral_text and "£25" not in neutral_text
    assert "no-cache" in neutral["Cache-Control"]


def test_another_donor_with_a_session_of_their_own_cannot_read_someone_elses(
    client, stripe_standin, crowdfund
):
    first = start_checkout(client, crowdfund, stripe_standin)
    other = Client()
    start_checkout(other, crowdfund, stripe_standin, amount="40")
    url = sub(crowdfund, "success") + f"?session_id={first.stripe_checkout_session_id}"
    text = text_of(other.get(url))
    assert "£25" not in text and "being confirmed." not in text


def test_thank_you_on_another_crowdfund_reveals_nothing(client, stripe_standin, home, crowdfund):
    donation = start_checkout(client, crowdfund, stripe_standin)
    other = make_crowdfund(home, slug="other", title="Other appeal")
    url = sub(other, "success") + f"?session_id={donation.stripe_checkout_session_id}"
    text = text_of(client.get(url))
    assert "£25" not in text and "being confirmed." not in text


def test_a_paid_gift_is_thanked_as_arrived(client, stripe_standin, post_event, crowdfund):
    donation = start_checkout(client, crowdfund, stripe_standin)
    session = fake_stripe.checkout_session(
        amount=2_500,
        reference=str(donation.reference),
        session_id=donation.stripe_checkout_session_id,
    )
    post_event(fake_stripe.event("checkout.session.completed", session))
    url = sub(crowdfund, "success") + f"?session_id={donation.stripe_checkout_session_id}"
    assert "Your gift of £25 to Build the hub has arrived." in text_of(client.get(url))


def test_thank_you_offers_plain_share_links_and_loads_no_third_party_script(client, crowdfund):
    html = client.get(sub(crowdfund, "success")).content.decode()
    assert "https://bsky.app/intent/compose?text=Help%20fund%20Build%20the%20hub" in html
    assert 'href="mailto:?subject=Build%20the%20hub' in html
    assert "https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2Ftestserver%2F" in html
    scripts = re.findall(r"<script[^>]*src=\"([^\"]+)\"", html)
    assert all(src.startswith("/") for src in scripts), scripts
    assert "<iframe" not in html


# --- the customer portal ----------------------------------------------------------------------
def paid_monthly_gift(post_event, crowdfund, customer="cus_test_monthly"):
    donation = make_donation(crowdfund, amount_pence=1_000, frequency=Frequency.MONTHLY)
    session = fake_stripe.checkout_session(
        amount=1_000, reference=str(donation.reference), mode="subscription"
    )
    session["customer"] = customer
    post_event(fake_stripe.event("checkout.session.completed", session))
    invoice = fake_stripe.invoice(
        amount=1_000, subscription=session["subscription"], reference=str(donation.reference)
    )
    post_event(fake_stripe.event("invoice.paid", invoice))
    return Donation.objects.get(pk=donation.pk)


def test_each_monthly_receipt_links_to_the_portal_which_opens_a_stripe_session(
    client, mailoutbox, stripe_standin, post_event, crowdfund
):
    donation = paid_monthly_gift(post_event, crowdfund)
    [receipt] = [m for m in mailoutbox if m.subject.startswith("Your receipt")]
    [link] = re.findall(r"http://testserver/crowdfund/monthly/\S+/", receipt.body)
    path = link.removeprefix("http://testserver")

    page = client.get(path)
    assert page.status_code == 200
    assert "Your monthly gift of £10 a month" in text_of(page)
    assert "no-cache" in page["Cache-Control"]
    assert not stripe_standin.posts_to("/v1/billing_portal/sessions")  # GET opens nothing

    response = client.post(path)
    [request] = stripe_standin.posts_to("/v1/billing_portal/sessions")
    assert response.status_code == 303
    assert response["Location"].startswith("https://billing.stripe.com/p/session/bps_")
    assert request["params"]["customer"] == "cus_test_monthly" == donation.stripe_customer_id
    assert request["params"]["return_url"] == f"http://testserver{path}back/"
    assert request["authorization"] == "Bearer sk_test_standin"

    back = client.get(path + "back/")
    assert back.status_code == 200 and "Welcome back" in text_of(back)


def test_one_off_receipts_have_no_portal_link(mailoutbox, post_event, crowdfund):
    donation = make_donation(crowdfund, amount_pence=2_000)
    session = fake_stripe.checkout_session(amount=2_000, reference=str(donation.reference))
    post_event(fake_stripe.event("checkout.session.completed", session))
    [receipt] = [m for m in mailoutbox if m.subject.startswith("Your receipt")]
    assert "/crowdfund/monthly/" not in receipt.body


def test_the_portal_is_opened_only_with_a_csrf_token(stripe_standin, post_event, crowdfund):
    from django.test import Client

    donation = paid_monthly_gift(post_event, crowdfund)
    strict = Client(enforce_csrf_checks=True)
    path = reverse("crowdfund_portal", args=[giving.portal_token(donation)])
    assert strict.post(path).status_code == 403
    assert not stripe_standin.posts_to("/v1/billing_portal/sessions")


def test_a_forged_portal_link_is_refused_kindly(client, stripe_standin, post_event, crowdfund):
    donation = paid_monthly_gift(post_event, crowdfund)
    token = giving.portal_token(donation)
    forged = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    other_reference = signing.TimestampSigner(salt="something.else").sign(str(donation.reference))
    for bad in (forged, other_reference, "nonsense"):
        path = reverse("crowdfund_portal", args=[bad])
        for response in (client.get(path), client.post(path), client.get(path + "back/")):
            assert response.status_code == 403
            assert "This link does not work" in text_of(response)
            assert "Nothing has been changed" in text_of(response)
    assert not stripe_standin.posts_to("/v1/billing_portal/sessions")


def test_an_expired_portal_link_is_refused_kindly(
    client, settings, monkeypatch, stripe_standin, post_event, crowdfund
):
    settings.CROWDFUND_PORTAL_LINK_DAYS = 60
    donation = paid_monthly_gift(post_event, crowdfund)
    sixty_one_days_ago = time.time() - 61 * 86_400
    monkeypatch.setattr(signing.time, "time", lambda: sixty_one_days_ago)
    token = giving.portal_token(donation)
    monkeypatch.undo()
    path = reverse("crowdfund_portal", args=[token])
    response = client.post(path)
    assert response.status_code == 403
    assert "This link has expired" in text_of(response)
    assert "use the link in your latest receipt" in text_of(response)
    assert not stripe_standin.posts_to("/v1/billing_portal/sessions")


def test_a_portal_link_for_a_one_off_gift_is_refused(client, crowdfund):
    donation = make_donation(crowdfund)
    path = reverse("crowdfund_portal", args=[giving.portal_token(donation)])
    assert client.get(path).status_code == 403


def test_a_gift_not_yet_confirmed_cannot_open_the_portal_yet(client, stripe_standin, crowdfund):
    donation = make_donation(crowdfund, frequency=Frequency.MONTHLY)
    path = reverse("crowdfund_portal", args=[giving.portal_token(donation)])
    response = client.post(path)
    assert response.status_code == 200 and "still being confirmed" in text_of(response)
    assert not stripe_standin.posts_to("/v1/billing_portal/sessions")


def test_stripe_unreachable_gives_a_message_not_an_error(
    client, stripe_keys, post_event, crowdfund
):
    donation = paid_monthly_gift(post_event, crowdfund)
    path = reverse("crowdfund_portal", args=[giving.portal_token(donation)])
    response = client.post(path)  # STRIPE_API_BASE points where nothing listens
    assert response.status_code == 503
    assert "could not open Stripe's page just now" in text_of(response)


def test_a_cancellation_in_the_portal_arrives_as_a_webhook_and_ends_the_gift(post_event, crowdfund):
    donation = paid_monthly_gift(post_event, crowdfund)
    post_event(
        fake_stripe.event(
            "customer.subscription.deleted",
            fake_stripe.subscription(
                subscription_id=donation.stripe_subscription_id, reference=str(donation.reference)
            ),
        )
    )
    donation.refresh_from_db()
    assert donation.status == "cancelled" and donation.cancelled_at is not None


# --- the donor wall -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("show_name", "show_amount", "shown", "hidden"),
    [
        (False, False, ["Anonymous"], ["Grace Hopper", "£25"]),
        (True, False, ["Grace Hopper"], ["£25", "ago"]),
        (False, True, ["Anonymous", "£25 · 3 days ago"], ["Grace Hopper"]),
        (True, True, ["Grace Hopper", "£25 · 3 days ago"], []),
    ],
)
def test_the_wall_shows_name_and_amount_only_as_the_donor_agreed(
    client, crowdfund, show_name, show_amount, shown, hidden
):
    donation = make_donation(
        crowdfund,
        amount_pence=2_500,
        name="Grace Hopper",
        method=Method.CHEQUE,
        show_name=show_name,
        show_amount=show_amount,
    )
    ledger.record_offline(donation)
    Donation.objects.filter(pk=donation.pk).update(paid_at=timezone.now() - timedelta(days=3))
    wall = text_of(client.get(crowdfund.url)).split("Donor wall", 1)[1]
    for words in shown:
        assert words in wall
    for words in hidden:
        assert words not in wall


def test_a_monthly_gift_on_the_wall_says_a_month(crowdfund):
    donation = make_donation(crowdfund, amount_pence=1_000, frequency=Frequency.MONTHLY)
    donation.show_amount = True
    donation.paid_at = timezone.now() - timedelta(hours=2)
    assert donation.wall_amount() == "£10 a month · 2\xa0hours ago"


def test_the_donate_form_asks_for_consent_and_stores_it_off_by_default(
    client, stripe_standin, crowdfund
):
    form = client.get(sub(crowdfund, "donate")).content.decode()
    assert (
        'name="show_amount"' in form and "checked" not in form.split('name="show_amount"')[1][:80]
    )
    start_checkout(client, crowdfund, stripe_standin)
    start_checkout(client, crowdfund, stripe_standin, show_amount="on")
    assert list(Donation.objects.order_by("pk").values_list("show_amount", flat=True)) == [
        False,
        True,
    ]


def test_the_cancelled_page_offers_bank_transfer_and_cheque(client, crowdfund):
    html = client.get(sub(crowdfund, "cancel")).content.decode()
    assert f'href="{crowdfund.url}#offline-heading"' in html


def test_an_editor_sets_the_offline_details_in_settings(client, editor, settings, crowdfund):
    settings.STRIPE_SECRET_KEY = ""
    site = Site.objects.get(is_default_site=True)
    url = reverse("wagtailsettings:edit", args=["crowdfund", "offlinegivingsettings", site.pk])
    client.force_login(editor)
    refused = client.post(url, {"bank_account_name": "Alliance Hub", "bank_sort_code": "123456"})
    assert refused.status_code == 200
    assert "six digits in pairs" in refused.content.decode()
    response = client.post(
        url,
        {
            "bank_account_name": "Alliance Hub",
            "bank_sort_code": "12-34-56",
            "bank_account_number": "12345678",
            "bank_reference": "HUB",
            "cheque_payable_to": "",
            "cheque_address": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    assert "Sort code 12-34-56" in text_of(client.get(crowdfund.url))


def test_a_supporter_cannot_change_the_offline_details(client, supporter):
    site = Site.objects.get(is_default_site=True)
    url = reverse("wagtailsettings:edit", args=["crowdfund", "offlinegivingsettings", site.pk])
    client.force_login(supporter)
    client.post(url, {"bank_account_name": "Someone else", "bank_sort_code": "99-99-99"})
    assert not OfflineGivingSettings.objects.filter(bank_account_name="Someone else").exists()
