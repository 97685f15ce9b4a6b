"""Emailing notifications exactly once: at once, in digests, and a sweep for what was missed.

Each send locks the rows it reports, hands the email to the outbox (an `OutgoingEmail` row in
the same transaction: see cms/mail.py) and marks the rows emailed, all in one transaction. A
retried task, a second worker or the sweep finds the rows locked or already emailed.
The supporter's preference is read again at sending time, so an unsubscribe acts at once.
"""

from datetime import timedelta
from itertools import groupby, islice
from operator import attrgetter

from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from notifications.emails import digest_email, notification_email
from notifications.kinds import Frequency
from notifications.models import Notification
from notifications.preferences import frequencies_for

DIGEST_BATCH = 500


def _still_wanted(rows, frequency: str) -> list:
    """The rows whose recipient still wants this kind at `frequency`; others re-filed."""
    current = frequencies_for({row.recipient_id for row in rows})
    wanted = []
    for row in rows:
        now_wanted = current[row.recipient_id][row.kind]
        if now_wanted == frequency:
            wanted.append(row)
        elif now_wanted != row.email_frequency:
            row.email_frequency = now_wanted
            row.save(update_fields=["email_frequency"])
    return wanted


def email_now(key: str) -> int:
    """Email every not-yet-emailed notification of one event to those who want it at once."""
    sent = 0
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .select_related("recipient")
            .filter(key=key, email_frequency=Frequency.IMMEDIATELY, emailed_at__isnull=True)
        )
        for row in _still_wanted(rows, Frequency.IMMEDIATELY):
            notification_email(row).send()
            row.emailed_at = timezone.now()
            row.save(update_fields=["emailed_at"])
            sent += 1
    return sent


def sweep_immediate(older_than: timedelta = timedelta(minutes=2)) -> int:
    """Send the at-once notifications whose own task never ran (broker down, worker died)."""
    cutoff = timezone.now() - older_than
    keys = (
        Notification.objects.filter(
            email_frequency=Frequency.IMMEDIATELY, emailed_at__isnull=True, created_at__lt=cutoff
        )
        .order_by()
        .values_list("key", flat=True)
        .distinct()
    )
    return sum(email_now(key) for key in list(keys[:DIGEST_BATCH]))


def batched(iterable, size: int):
    """Lists of up to `size` items from a stream (itertools.batched, before Python 3.12)."""
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def send_digests(frequency: str, label: str) -> int:
    """One digest per supporter with notifications waiting at `frequency`; streamed in batches.

    Recipients are read as a stream of ids, never all in memory. Each batch of up to
    DIGEST_BATCH people is one transaction: lock their waiting rows, write their digests to
    the outbox in one insert, mark the rows emailed. A failure part-way leaves that batch
    (and the rest) for the next run, and a second run at once finds nothing left to send.
    """
    pending = (
        Notification.objects.filter(email_frequency=frequency, emailed_at__isnull=True)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    sent = 0
    for batch in batched(pending.iterator(chunk_size=DIGEST_BATCH), DIGEST_BATCH):
        sent += _send_digest_batch(batch, frequency, label)
    return sent


def _send_digest_batch(recipient_ids: list[int], frequency: str, label: str) -> int:
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(
                recipient_id__in=recipient_ids,
                email_frequency=frequency,
                emailed_at__isnull=True,
            )
            .order_by("recipient_id", "created_at", "pk")
        )
        rows = _still_wanted(rows, frequency)
        users = get_user_model().objects.filter(pk__in=recipient_ids, is_active=True)
        people = {user.pk: user for user in users}
        messages, told = [], []
        for recipient_id, theirs in groupby(rows, key=attrgetter("recipient_id")):
            theirs = list(theirs)
            if recipient_id in people:
                messages.append(digest_email(people[recipient_id], theirs, label))
                told += [row.pk for row in theirs]
        if messages:
            get_connection().send_messages(messages)  # the outbox: one insert
            Notification.objects.filter(pk__in=told).update(emailed_at=timezone.now())
    return len(messages)
