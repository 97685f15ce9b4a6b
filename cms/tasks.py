"""Background work for the site as a whole: sending email from the outbox (cms/delivery.py)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from cms import delivery


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=8,
)
def deliver_email(self, email: int | dict) -> bool:
    """Send one message from the outbox, once (see cms/delivery.py for the guarantee).

    acks_late: the broker keeps the task until it has finished, so a worker that
    dies mid-send has it redelivered; the row's lock and `sent_at` make the
    redelivery a no-op if the first run had committed.
    """
    if isinstance(email, dict):
        # A message queued before the outbox existed carries its own content.
        delivery.build_message(email).send()
        return True
    return delivery.deliver(email)


@shared_task
def send_pending_emails() -> int:
    """Beat: send what the outbox still holds, once each message's own task had its chance;
    then forget messages sent more than EMAIL_OUTBOX_KEEP_DAYS ago."""
    sent = delivery.deliver_pending(
        older_than=timedelta(seconds=settings.EMAIL_CATCH_UP_AFTER_SECONDS)
    )
    delivery.forget_sent(older_than=timedelta(days=settings.EMAIL_OUTBOX_KEEP_DAYS))
    return sent
