"""Signed tokens for the links in newsletter emails: they work without signing in.

The way-out token names a subscription (and the newsletter it came in, to count who left
after which); it never expires, because an unsubscribe link in an old email must still work
(RFC 8058). The confirmation token of the public sign-up expires
(`NEWSLETTER_CONFIRM_DAYS`) and names the opt-in it confirms, so a link from before an
unsubscribe cannot subscribe the address again.
"""

from django.conf import settings
from django.core import signing

from newsletters.models import Subscription

WAY_OUT_SALT = "newsletters.way-out"
CONFIRM_SALT = "newsletters.confirm"


def way_out_token(subscription_pk: int, newsletter_pk: int | None = None) -> str:
    return signing.dumps([subscription_pk, newsletter_pk or 0], salt=WAY_OUT_SALT)


def read_way_out_token(token: str) -> tuple[Subscription, int | None] | None:
    """(subscription, newsletter id or None), or None for a forged token or a deleted row."""
    try:
        subscription_pk, newsletter_pk = signing.loads(token, salt=WAY_OUT_SALT)
        subscription_pk, newsletter_pk = int(subscription_pk), int(newsletter_pk)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    subscription = Subscription.objects.filter(pk=subscription_pk).first()
    if subscription is None:
        return None
    return subscription, (newsletter_pk or None)


def confirmation_token(subscription: Subscription) -> str:
    return signing.dumps([subscription.pk, subscription.opted_in_at.isoformat()], salt=CONFIRM_SALT)


def read_confirmation_token(token: str) -> Subscription | None:
    """The subscription whose current opt-in this token confirms, or None (forged, expired,
    or the opt-in it named has since been withdrawn or replaced)."""
    max_age = settings.NEWSLETTER_CONFIRM_DAYS * 24 * 3600
    try:
        subscription_pk, opted_in = signing.loads(token, salt=CONFIRM_SALT, max_age=max_age)
        subscription_pk = int(subscription_pk)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    subscription = Subscription.objects.filter(pk=subscription_pk).first()
    if (
        subscription is None
        or subscription.opted_in_at is None
        or subscription.opted_in_at.isoformat() != opted_in
        or subscription.unsubscribed_at is not None
    ):
        return None
    return subscription
