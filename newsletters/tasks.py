"""Celery tasks (the `email` queue): choose recipients, send in batches, start what is due."""

from celery import shared_task
from django.utils import timezone

from newsletters import sending
from newsletters.models import Delivery


@shared_task(acks_late=True, reject_on_worker_lost=True)
def queue_newsletter(newsletter_pk: int) -> int:
    """Write the delivery rows (idempotent), then start sending."""
    added = sending.queue_recipients(newsletter_pk)
    send_newsletter.delay(newsletter_pk)
    return added


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=8,
)
def send_newsletter(self, newsletter_pk: int) -> str:
    """Send for up to NEWSLETTER_TASK_SECONDS, then hand on to a fresh task, so one long send
    never holds a worker for an hour and a crash loses at most one batch's claim."""
    outcome = sending.pump(newsletter_pk)
    if outcome == "more":
        send_newsletter.delay(newsletter_pk)
    elif outcome == "waiting" and not self.request.is_eager:
        next_try = (
            Delivery.objects.filter(newsletter_id=newsletter_pk, state=Delivery.State.QUEUED)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        wait = max(1, int((next_try - timezone.now()).total_seconds())) if next_try else 60
        send_newsletter.apply_async((newsletter_pk,), countdown=wait)
    return outcome


@shared_task
def send_due_newsletters() -> int:
    """Beat: start scheduled newsletters now due, and any send no worker is busy with."""
    work = sending.due_work()
    for kind, newsletter_pk in work:
        (queue_newsletter if kind == "queue" else send_newsletter).delay(newsletter_pk)
    return len(work)
