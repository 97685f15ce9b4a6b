"""Email through a durable outbox and a Celery task: never lost, normally sent once.

`CeleryEmailBackend` (the project's EMAIL_BACKEND) writes each message to the
`OutgoingEmail` table in the current transaction and, once that transaction
commits, hands its id to the `deliver_email` task. So a rolled-back request
sends nothing, a slow or broken mail server never holds up a page, and a
message survives the broker being down or a worker dying: the row stays unsent
and `send_pending_emails` (a beat task, and a management command of the same
name) sends it when things are back.

Sending is at most once per row *as far as the database can tell*: the task
locks the row, skips it if `sent_at` is set, calls the mail server and sets
`sent_at` in the same transaction. A second delivery of the task (acks_late
redelivery after a crash, the catch-up running beside it) waits for the lock
and then finds the row sent. One window remains, as with any SMTP sender: if
the process dies after the mail server has accepted the message but before
the transaction commits, the row is still unsent and the message goes again.
So delivery is at least once, and exactly once unless a crash lands in the
milliseconds between the server's "250 OK" and the commit.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)

# After this many failed attempts a message is left for a person to look at.
MAX_ATTEMPTS = 10


def serialise_message(message) -> dict:
    """The parts of an EmailMessage a task needs to rebuild it (JSON-safe)."""
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
    }


def build_message(payload: dict, connection=None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        cc=payload["cc"],
        bcc=payload["bcc"],
        reply_to=payload["reply_to"],
        headers=payload["headers"],
        connection=connection or get_connection(settings.EMAIL_DELIVERY_BACKEND),
    )
    for content, mimetype in payload["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


class CeleryEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        from cms.models import OutgoingEmail

        stored = OutgoingEmail.objects.bulk_create(
            OutgoingEmail(payload=serialise_message(message)) for message in email_messages
        )
        for email in stored:
            transaction.on_commit(lambda pk=email.pk: enqueue_delivery(pk))
        return len(stored)


def enqueue_delivery(email_pk: int) -> None:
    """Hand the message to a worker; if the broker is down, the catch-up sends it later."""
    from cms.tasks import deliver_email

    try:
        deliver_email.apply_async((email_pk,), retry=False)
    except (BrokerError, OSError) as error:
        logger.warning("Email %s waits in the outbox: %s", email_pk, error)


def deliver(email_pk: int, *, skip_locked: bool = False) -> bool:
    """Send one stored message unless it was sent already. True if this call sent it.

    Failures from the mail server are recorded on the row and raised again (the
    task retries them); the row stays unsent, so the catch-up can also send it.
    """
    from cms.models import OutgoingEmail

    try:
        with transaction.atomic():
            email = (
                OutgoingEmail.objects.select_for_update(skip_locked=skip_locked)
                .filter(pk=email_pk, sent_at__isnull=True)
                .first()
            )
            if email is None:  # sent already, or being sent by someone else (skip_locked)
                return False
            build_message(email.payload).send()
            email.sent_at = timezone.now()
            email.attempts += 1
            email.last_error = ""
            email.save(update_fields=["sent_at", "attempts", "last_error"])
    except OSError as error:  # smtplib's errors are OSErrors
        OutgoingEmail.objects.filter(pk=email_pk).update(
            attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    return True


def deliver_pending(older_than: timedelta = timedelta(0), limit: int = 1000) -> int:
    """Send what the outbox still holds (the broker was down, a worker died). Returns how many.

    Messages someone else is sending right now are skipped, not waited for.
    """
    from cms.models import OutgoingEmail

    pending = (
        OutgoingEmail.objects.filter(
            sent_at__isnull=True,
            attempts__lt=MAX_ATTEMPTS,
            created_at__lte=timezone.now() - older_than,
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in list(pending):
        try:
            sent += deliver(pk, skip_locked=True)
        except OSError as error:
            logger.warning("Email %s could not be sent yet: %s", pk, error)
    return sent


def forget_sent(older_than: timedelta) -> int:
    """Delete messages sent longer ago than this: the outbox is not an archive of
    people's addresses and what we wrote to them. Returns how many were deleted."""
    from cms.models import OutgoingEmail

    deleted, _ = OutgoingEmail.objects.filter(sent_at__lt=timezone.now() - older_than).delete()
    return deleted
