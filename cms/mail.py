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

from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from cms.delivery import serialise_message
from cms.tasks import deliver_email

logger = logging.getLogger(__name__)


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
    try:
        deliver_email.apply_async((email_pk,), retry=False)
    except (BrokerError, OSError) as error:
        logger.warning("Email %s waits in the outbox: %s", email_pk, error)
