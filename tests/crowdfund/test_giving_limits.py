"""Limits on giving are refused where they arise, each with its own clear message.

- A smallest gift below Stripe's own minimum (30p in GBP) is refused when the crowdfund
  is saved in the admin, not when a donor later tries to give.
- A monthly gift posted to a crowdfund that takes one-off gifts only is refused beside
  the "How often" field, not with the generic error.
- A checkout attempt that fails at Stripe leaves no pending donation behind.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from crowdfund.forms import MONTHLY_NOT_OFFERED_MESSAGE
from crowdfund.models import CrowdfundPage, Donation, DonationStatus
from tests.crowdfund.conftest import make_crowdfund

pytestmark = pytest.mark.django_db
STRIPE_MINIMUM_MESSAGE = "cannot take a gift under 30p"


def donate_url(crowdfund):
    return crowdfund.url + crowdfund.reverse_subpage("donate")


def edit_crowdfund(client, crowdfund, **changes):
    fields = {
        "title": crowdfund.title,
        "slug": crowdfund.slug,
        "introduction": "",
        "target_pence": crowdfund.target_pence,
        "funding_model": crowdfund.funding_model,
        "suggested_amounts": crowdfund.suggested_amounts,
        "minimum_pence": crowdfund.minimum_pence,
        "maximum_pence": crowdfund.maximum_pence,
        "monthly_offered": "on",
        "stretch_targets": inline_formset([]),
        "budget_lines": inline_formset([]),
        "body": streamfield([]),
        **changes,
    }
    return client.post(
        reverse("wagtailadmin_pages:edit", args=(crowdfund.pk,)), nested_form_data(fields)
    )


@pytest.mark.parametrize("minimum, accepted", [(29, False), (1, False), (30, True), (300, True)])
def test_the_admin_refuses_a_smallest_gift_stripe_cannot_charge(
    client, superuser, crowdfund, minimum, accepted
):
    client.force_login(superuser)
    response = edit_crowdfund(client, crowdfund, minimum_pence=minimum)
    saved = CrowdfundPage.objects.get(pk=crowdfund.pk).get_latest_revision_as_object()
    if accepted:
        assert response.status_code == 302
        assert saved.minimum_pence == minimum
    else:
        assert response.status_code == 200
        errors = response.context["form"].errors["minimum_pence"]
        assert any(STRIPE_MINIMUM_MESSAGE in error for error in errors)
        assert STRIPE_MINIMUM_MESSAGE in response.content.decode()
        assert saved.minimum_pence == 300


def test_the_admin_refuses_a_smallest_gift_above_the_largest(client, superuser, crowdfund):
    client.force_login(superuser)
    response = edit_crowdfund(client, crowdfund, minimum_pence=5_000, maximum_pence=1_000)
    assert response.status_code == 200
    assert "cannot be more than the largest gift" in response.content.decode()


def test_the_model_itself_refuses_a_minimum_below_stripes(home):
    page = CrowdfundPage(title="Tiny gifts", slug="tiny", target_pence=10_000, minimum_pence=10)
    with pytest.raises(ValidationError) as refused:
        page.full_clean()
    assert STRIPE_MINIMUM_MESSAGE in str(refused.value.message_dict["minimum_pence"])


def test_a_crowdfund_saved_before_the_rule_still_takes_nothing_under_30p(
    client, stripe_standin, home
):
    """Rows saved before the validator existed: the donate form applies Stripe's floor too."""
    crowdfund = make_crowdfund(home, slug="old-minimum")
    CrowdfundPage.objects.filter(pk=crowdfund.pk).update(minimum_pence=10)
    crowdfund.refresh_from_db()
    response = client.post(
        donate_url(crowdfund), {"amount": "0.20", "name": "A B", "email": "a@example.com"}
    )
    assert response.status_code == 200
    assert "The smallest gift is £0.30." in response.content.decode()
    assert not Donation.objects.exists()
    assert stripe_standin.posts_to("/v1/checkout/sessions") == []


def test_a_monthly_gift_on_a_one_off_crowdfund_is_refused_beside_the_field(
    client, stripe_standin, home
):
    crowdfund = make_crowdfund(home, slug="one-off-only", monthly_offered=False)
    form_page = client.get(donate_url(crowdfund)).content.decode()
    assert 'type="hidden" name="frequency"' in form_page  # nothing to choose normally

    response = client.post(
        donate_url(crowdfund),
        {"amount": "10", "frequency": "monthly", "name": "A B", "email": "a@example.com"},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["frequency"] == [MONTHLY_NOT_OFFERED_MESSAGE]
    assert "__all__" not in form.errors
    html = response.content.decode()
    assert MONTHLY_NOT_OFFERED_MESSAGE in html
    assert "Hidden field" not in html
    assert 'type="radio"' in html and 'name="frequency" value="one_off"' in html  # now visible
    assert 'value="monthly"' not in html
    assert not Donation.objects.exists()

    # Choosing one-off then goes through.
    response = client.post(
        donate_url(crowdfund),
        {"amount": "10", "frequency": "one_off", "name": "A B", "email": "a@example.com"},
    )
    assert response.status_code == 303
    assert Donation.objects.get().frequency == "one_off"


def test_a_failing_checkout_attempt_leaves_no_pending_donation(client, stripe_standin, crowdfund):
    stripe_standin.outage = True
    data = {"amount": "5", "name": "A B", "email": "a@example.com", "frequency": "one_off"}
    for _ in range(3):
        response = client.post(donate_url(crowdfund), data)
        assert response.status_code == 200
        assert "could not reach our card processor" in response.content.decode()
    assert not Donation.objects.exists()
    assert len(stripe_standin.posts_to("/v1/checkout/sessions")) >= 3

    stripe_standin.outage = False
    assert client.post(donate_url(crowdfund), data).status_code == 303
    donation = Donation.objects.get()
    assert donation.status == DonationStatus.PENDING
    assert donation.stripe_checkout_session_id.startswith("cs_")
