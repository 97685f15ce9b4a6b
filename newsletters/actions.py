"""What editors do with a newsletter: send a test to themselves, send now, schedule, cancel.

Each checks the rule (`newsletters.rules`) itself, so the admin views stay thin and no
caller can skip it.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from newsletters import audiences, emails
from newsletters.models import Newsletter, Status
from newsletters.tasks import queue_newsletter


def send_test(newsletter: Newsletter, user) -> None:
    if not user.has_perm("newsletters.send_test"):
        raise PermissionDenied
    emails.trial_message(newsletter, user.email).send()


@transaction.atomic
def start(newsletter: Newsletter, user, send_at=None) -> Newsletter:
    """Send now (send_at None or past) or schedule. The audience must be complete."""
    newsletter = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
    if not user.has_perm("newsletters.send_this", newsletter):
        raise PermissionDenied
    problem = audiences.audience_problem(newsletter)
    if problem:
        raise ValueError(problem)
    newsletter.sent_by = user
    if send_at and send_at > timezone.now():
        newsletter.status = Status.SCHEDULED
        newsletter.send_at = send_at
        newsletter.save(update_fields=["status", "send_at", "sent_by", "updated_at"])
        return newsletter
    newsletter.status = Status.QUEUEING
    newsletter.send_at = timezone.now()
    newsletter.save(update_fields=["status", "send_at", "sent_by", "updated_at"])
    transaction.on_commit(lambda: queue_newsletter.delay(newsletter.pk))
    return newsletter


@transaction.atomic
def cancel_schedule(newsletter: Newsletter, user) -> Newsletter:
    newsletter = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
    if (
        not user.has_perm("newsletters.send_this", newsletter)
        or newsletter.status != Status.SCHEDULED
    ):
        raise PermissionDenied
    newsletter.status = Status.DRAFT
    newsletter.send_at = None
    newsletter.save(update_fields=["status", "send_at", "updated_at"])
    return newsletter
