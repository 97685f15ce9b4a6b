"""An email backend that hands every message to a Celery task.

Sending happens after the surrounding transaction commits, so a rolled-back
request sends nothing, and a slow or broken mail server never holds up a page.
"""

from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction


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


class CeleryEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        from cms.tasks import deliver_email

        messages = [serialise_message(message) for message in email_messages]
        for payload in messages:
            transaction.on_commit(lambda payload=payload: deliver_email.delay(payload))
        return len(messages)
