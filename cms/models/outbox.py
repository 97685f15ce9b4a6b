"""The outbox: every email the site sends, stored before it is handed to a worker."""

from django.db import models


class OutgoingEmail(models.Model):
    """One message waiting to be sent, or sent (see cms/mail.py).

    Written in the same transaction as whatever caused it, so a rolled-back request
    leaves no row and a committed one always leaves a row, whether or not the broker
    was reachable. `sent_at` is set, under the row's lock, in the transaction that
    hands the message to the mail server.
    """

    payload = models.JSONField(help_text="The message: subject, body, addresses, headers.")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="cms_outgoing_email_unsent",
            )
        ]

    def __str__(self) -> str:
        subject = self.payload.get("subject", "")
        return f"{subject} to {', '.join(self.payload.get('to', []))}"
