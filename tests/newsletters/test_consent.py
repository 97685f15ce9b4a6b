"""No newsletter to anyone without a recorded, confirmed, standing opt-in: the consent matrix."""

import pytest

from cms.roles import SUPPORTERS
from newsletters import consent
from newsletters.models import ConsentEvent, Delivery, Source, Subscription, Suppression
from tests.conftest import make_user
from tests.newsletters.conftest import public_subscriber, send

pytestmark = pytest.mark.django_db


def account_opted_in(n):
    user = make_user(f"account-in-{n}@example.com", SUPPORTERS)
    consent.opt_in_from_account(user)
    return user.email


def account_not_opted_in(n):
    return make_user(f"account-never-{n}@example.com", SUPPORTERS).email


def account_unsubscribed(n):
    user = make_user(f"account-out-{n}@example.com", SUPPORTERS)
    consent.withdraw(consent.opt_in_from_account(user), "account page")
    return user.email


def account_opted_in_but_switched_off(n):
    user = make_user(f"account-off-{n}@example.com", SUPPORTERS)
    consent.opt_in_from_account(user)
    user.is_active = False
    user.save()
    return user.email


def public_confirmed(n):
    return public_subscriber(f"public-in-{n}@example.com").email


def public_never_asked(n):
    return f"public-never-{n}@example.com"  # no row at all


def public_unconfirmed(n):
    return public_subscriber(f"public-waiting-{n}@example.com", confirmed=False).email


def public_unsubscribed(n):
    subscription = public_subscriber(f"public-out-{n}@example.com")
    consent.withdraw(subscription, "email link")
    return subscription.email


def public_confirmed_then_bounced(n):
    email = public_subscriber(f"public-bounced-{n}@example.com").email
    Suppression.objects.create(email=email, reason=Suppression.Reason.BOUNCED)
    return email


# (who, receives the newsletter?)
MATRIX = [
    (account_opted_in, True),
    (account_not_opted_in, False),
    (account_unsubscribed, False),
    (account_opted_in_but_switched_off, False),
    (public_confirmed, True),
    (public_never_asked, False),
    (public_unconfirmed, False),
    (public_unsubscribed, False),
    (public_confirmed_then_bounced, False),
]


def test_the_consent_matrix(newsletter, editor, django_capture_on_commit_callbacks, mailoutbox):
    """Testing that exactly the opted-in, confirmed, standing subscribers receive it."""
    people = {make(n).lower(): receives for n, (make, receives) in enumerate(MATRIX)}
    mailoutbox.clear()
    send(newsletter, editor, django_capture_on_commit_callbacks)
    got = {message.to[0] for message in mailoutbox}
    expected = {email for email, receives in people.items() if receives}
    assert got == expected, {email: (email in got) for email in people}


def test_no_subscription_no_newsletter_even_for_editors_and_supporters(
    newsletter, editor, supporter, django_capture_on_commit_callbacks, mailoutbox
):
    send(newsletter, editor, django_capture_on_commit_callbacks)
    assert mailoutbox == []
    assert not Delivery.objects.exists()


def test_opting_in_records_time_wording_and_source(supporter):
    subscription = consent.opt_in_from_account(supporter)
    assert subscription.source == Source.ACCOUNT
    assert subscription.wording == consent.ACCOUNT_WORDING
    assert subscription.opted_in_at and subscription.confirmed_at
    event = subscription.events.get()
    assert (event.action, event.how, event.wording) == (
        ConsentEvent.Action.OPTED_IN,
        "account page",
        consent.ACCOUNT_WORDING,
    )


def test_a_public_sign_up_is_not_consent_until_confirmed():
    subscription, to_send = consent.sign_up_publicly("Ada@Example.com ")
    assert to_send == "confirm"
    assert subscription.email == "ada@example.com"
    assert not Subscription.objects.receiving().exists()
    consent.confirm(subscription)
    assert Subscription.objects.receiving().get() == subscription


def test_opting_in_on_the_account_joins_an_earlier_public_sign_up(supporter):
    public_subscriber(supporter.email.upper())
    subscription = consent.opt_in_from_account(supporter)
    assert Subscription.objects.count() == 1
    assert subscription.user == supporter


def test_the_subscription_follows_the_account_address(supporter):
    consent.opt_in_from_account(supporter)
    supporter.email = "new-address@example.com"
    supporter.save()
    assert Subscription.objects.get(user=supporter).email == "new-address@example.com"
