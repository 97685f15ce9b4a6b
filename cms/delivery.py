"""Sending what the outbox holds: each stored message once, the catch-up, the clean-up.

The lowest floor of email: it reads and writes `OutgoingEmail` rows and talks to the mail
server. The project's email backend (`cms.mail`) stores messages and queues their
delivery; the tasks (`cms.tasks`) call the functions here. See `cms.mail` for the
guarantee (at least once, normally exactly once).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

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
