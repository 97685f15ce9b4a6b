"""Consent to newsletters: opting in, confirming, withdrawing; each recorded with its words.

PECR and UK GDPR: newsletters go only to people who opted in, separately from creating an
account; we keep when and with what wording, and an unsubscribe acts at once. Every change
is a `ConsentEvent`, so the history can be shown to the person and to a regulator.
"""

from django.db import transaction
from django.utils import timezone

from newsletters.models import ConsentEvent, Source, Subscription

ACCOUNT_WORDING = (
    "Yes, email me the Alliance Hub newsletter: news of the campaign, the manifesto and "
    "local alliances, about twice a month. I can unsubscribe at any time with one click."
)
PUBLIC_WORDING = ACCOUNT_WORDING


def normalise(email: str) -> str:
    return email.strip().lower()


@transaction.atomic
def opt_in_from_account(user, wording: str = ACCOUNT_WORDING) -> Subscription:
    """A supporter opts in on their account page. Their address is verified already, so the
    consent is confirmed at once. An earlier public sign-up for the same address joins it."""
    now = timezone.now()
    email = normalise(user.email)
    subscription = (
        Subscription.objects.select_for_update().filter(user=user).first()
        or Subscription.objects.select_for_update().filter(email=email).first()
        or Subscription(email=email)
    )
    if subscription.user_id == user.pk and subscription.is_receiving:
        return subscription
    subscription.user = user
    subscription.email = email
    subscription.source = Source.ACCOUNT
    subscription.wording = wording
    _record_opt_in(subscription, now, how="account page", confirmed=True)
    return subscription


@transaction.atomic
def sign_up_publicly(email: str, constituency=None, wording: str = PUBLIC_WORDING):
    """The public form: record the opt-in, unconfirmed. Returns (subscription, what to email):
    "confirm" (a link to confirm) or "already" (a note that they receive it already).

    The page shown afterwards is the same either way, so the form never reveals whether an
    address is subscribed; only the address's owner learns it, by email.
    """
    now = timezone.now()
    email = normalise(email)
    subscription, _ = Subscription.objects.select_for_update().get_or_create(
        email=email, defaults={"source": Source.PUBLIC_FORM, "wording": wording}
    )
    if subscription.is_receiving:
        return subscription, "already"
    subscription.wording = wording
    if subscription.user_id is None:
        subscription.source = Source.PUBLIC_FORM
        if constituency is not None:
            subscription.constituency = constituency
    _record_opt_in(subscription, now, how="public form", confirmed=False)
    return subscription, "confirm"


def _record_opt_in(subscription: Subscription, now, how: str, confirmed: bool) -> None:
    """Start (or restart) the consent and keep its record: when, how, and the words agreed to."""
    subscription.opted_in_at = now
    subscription.confirmed_at = now if confirmed else None
    subscription.unsubscribed_at = None
    subscription.save()
    ConsentEvent.objects.create(
        subscription=subscription,
        action=ConsentEvent.Action.OPTED_IN,
        at=now,
        how=how,
        wording=subscription.wording,
    )


@transaction.atomic
def confirm(subscription: Subscription) -> bool:
    """The address's owner followed the link: the consent is complete. True if it changed."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.confirmed_at or not subscription.opted_in_at or subscription.unsubscribed_at:
        return False
    subscription.confirmed_at = timezone.now()
    subscription.save(update_fields=["confirmed_at"])
    ConsentEvent.objects.create(
        subscription=subscription,
        action=ConsentEvent.Action.CONFIRMED,
        at=subscription.confirmed_at,
        how="email link",
        wording=subscription.wording,
    )
    return True


@transaction.atomic
def withdraw(subscription: Subscription, how: str, newsletter_id: int | None = None) -> bool:
    """Unsubscribe, at once. True if it changed anything (a second click changes nothing)."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.unsubscribed_at or not subscription.opted_in_at:
        return False
    subscription.unsubscribed_at = timezone.now()
    subscription.save(update_fields=["unsubscribed_at"])
    ConsentEvent.objects.create(
        subscription=subscription,
        action=ConsentEvent.Action.WITHDREW,
        at=subscription.unsubscribed_at,
        how=how,
        newsletter_id=newsletter_id,
    )
    return True


def follow_email_change(user) -> None:
    """An account's subscription follows the account's address when it changes.

    A separate public sign-up for the new address is folded into the account's (the
    account's consent stands; the other row's history goes with it).
    """
    email = normalise(user.email)
    subscription = Subscription.objects.filter(user=user).exclude(email=email).first()
    if subscription is None:
        return
    with transaction.atomic():
        Subscription.objects.filter(email=email, user__isnull=True).delete()
        subscription.email = email
        subscription.save(update_fields=["email"])


def export_consents(user) -> dict | None:
    """The data export's section: the subscription and its whole consent history."""
    subscription = Subscription.objects.filter(user=user).first()
    if subscription is None:
        return None
    return {
        "email": subscription.email,
        "receiving": subscription.is_receiving,
        "source": subscription.get_source_display(),
        "wording": subscription.wording,
        "opted_in_at": _iso(subscription.opted_in_at),
        "confirmed_at": _iso(subscription.confirmed_at),
        "unsubscribed_at": _iso(subscription.unsubscribed_at),
        "history": [
            {
                "action": event.get_action_display(),
                "at": event.at.isoformat(),
                "how": event.how,
                "wording": event.wording,
            }
            for event in subscription.events.all()
        ],
        "newsletters_sent": list(
            subscription.deliveries.filter(state="sent")
            .order_by("sent_at")
            .values_list("newsletter__subject", flat=True)
        ),
    }


def _iso(moment):
    return moment.isoformat() if moment else None
