"""Telling people: one notification per event per person, created with the change it reports."""

import logging

from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from notifications.kinds import Frequency
from notifications.models import Notification
from notifications.preferences import frequencies_for
from notifications.tasks import email_notifications_now

logger = logging.getLogger(__name__)


def notify(
    recipient_ids,
    *,
    kind: str,
    key: str,
    summary: str,
    url: str = "",
    exclude=(),
    emailed_elsewhere: bool = False,
):
    """Record that `recipient_ids` should hear of one event, once each.

    Call it inside the transaction that makes the change, so a rolled-back change tells
    nobody. `key` names the event (e.g. "reply:42"): a second call with the same key, from a
    retried task or a repeated signal, adds nothing. Email at once goes out after commit;
    digests are gathered by the beat tasks. `emailed_elsewhere` lists the event in the site
    only, for news its app already emails in its own words (a story's sender is told of
    the decision by the stories app), so nobody is emailed twice.
    """
    excluded = {pk for pk in exclude if pk is not None}
    recipient_ids = sorted({pk for pk in recipient_ids if pk is not None} - excluded)
    if not recipient_ids:
        return 0
    frequencies = frequencies_for(recipient_ids)
    emailed_at = timezone.now() if emailed_elsewhere else None
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=recipient_id,
                kind=kind,
                key=key[:200],
                summary=summary[:300],
                url=url[:500],
                email_frequency=frequencies[recipient_id][kind],
                emailed_at=emailed_at,
            )
            for recipient_id in recipient_ids
        ],
        ignore_conflicts=True,
    )
    at_once = any(frequencies[pk][kind] == Frequency.IMMEDIATELY for pk in recipient_ids)
    if at_once and not emailed_elsewhere:
        transaction.on_commit(lambda: queue_immediate_email(key[:200]))
    return len(recipient_ids)


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def queue_immediate_email(key: str) -> None:
    """Hand the event to a worker; with the broker down the beat's sweep sends it later."""
    try:
        email_notifications_now.delay(key)
    except BrokerError:
        logger.warning("Broker unavailable: notification %s left for the sweep", key)
