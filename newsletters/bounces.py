"""Bounces and complaints reported by a mail provider's webhook (django-anymail).

Anymail verifies the provider's signature and sends `tracking` signals; a permanent bounce,
a provider's refusal or a spam complaint suppresses the address, and an unsubscribe
reported by the provider withdraws the consent. Temporary bounces change nothing (the
provider retries them).
"""

from anymail.signals import tracking
from django.dispatch import receiver

from newsletters import consent
from newsletters.models import Subscription, Suppression

REASONS = {
    "bounced": Suppression.Reason.BOUNCED,
    "complained": Suppression.Reason.COMPLAINED,
    "rejected": Suppression.Reason.REJECTED,
}


def record(event_type: str, recipient: str, detail: str = "") -> bool:
    """Apply one provider event to an address. True if it changed anything."""
    email = consent.normalise(recipient or "")
    if not email:
        return False
    if event_type in REASONS:
        _, created = Suppression.objects.get_or_create(
            email=email, defaults={"reason": REASONS[event_type], "detail": detail[:2000]}
        )
        return created
    if event_type == "unsubscribed":
        subscription = Subscription.objects.filter(email=email).first()
        return bool(subscription and consent.withdraw(subscription, "mail provider"))
    return False


@receiver(tracking, dispatch_uid="newsletters.bounces")
def on_tracking_event(sender, event, esp_name, **kwargs):
    detail = f"{esp_name}: {event.description or event.mta_response or event.reject_reason or ''}"
    record(event.event_type, event.recipient, detail)
