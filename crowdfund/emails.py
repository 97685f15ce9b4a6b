"""Emails to donors and the team: receipts, milestones and updates, each sent once.

A flag column is set in the same transaction that hands the message to the mail
backend (which itself only enqueues after commit), so a retried task sends nothing
twice. The ledger queues receipts and milestones after the transaction that recorded
the money commits; the task names stay under `crowdfund.tasks` (queues are routed by
them in settings) and `crowdfund/tasks.py` imports this module so workers know them.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from crowdfund.models import CrowdfundUpdate, Donation, LedgerEntry, Milestone

logger = logging.getLogger(__name__)


@shared_task(name="crowdfund.tasks.send_receipt")
def send_receipt(entry_pk: int) -> bool:
    with transaction.atomic():
        entry = (
            LedgerEntry.objects.select_for_update(of=("self",))
            .select_related("donation", "crowdfund")
            .get(pk=entry_pk)
        )
        if entry.receipt_sent_at or not entry.donation.email:
            return False
        entry.receipt_sent_at = timezone.now()
        entry.save(update_fields=["receipt_sent_at"])
        context = {"entry": entry, "donation": entry.donation, "crowdfund": entry.crowdfund}
        send_mail(
            f"Your receipt: £{entry.amount_pence / 100:,.2f} to {entry.crowdfund.title}",
            render_to_string("crowdfund/email/receipt.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            [entry.donation.email],
        )
    return True


@shared_task(name="crowdfund.tasks.send_receipts")
def send_receipts(entry_pks: list[int]) -> int:
    """The receipts of a batch of payments (crowdfund/inbox.py), each as `send_receipt`
    sends it: once, in its own transaction. One that fails leaves the others to go."""
    sent = 0
    for entry_pk in entry_pks:
        try:
            sent += send_receipt(entry_pk)
        except Exception:
            logger.exception("The receipt of ledger entry %s could not be sent", entry_pk)
    return sent


def _backer_emails(crowdfund_id: int) -> list[str]:
    return sorted(
        set(
            Donation.objects.filter(
                crowdfund_id=crowdfund_id, updates_opt_in=True, paid_at__isnull=False
            )
            .exclude(email="")
            .values_list("email_normalised", flat=True)
        )
    )


@shared_task(name="crowdfund.tasks.announce_milestone")
def announce_milestone(milestone_pk: int) -> bool:
    """Email the team and opted-in backers that a threshold was reached: once."""
    with transaction.atomic():
        milestone = (
            Milestone.objects.select_for_update(of=("self",))
            .select_related("crowdfund")
            .get(pk=milestone_pk)
        )
        if milestone.announced_at:
            return False
        milestone.announced_at = timezone.now()
        milestone.save(update_fields=["announced_at"])
        subject = f"{milestone.crowdfund.title}: {milestone.get_kind_display().lower()}"
        body = render_to_string("crowdfund/email/milestone.txt", {"milestone": milestone})
        recipients = [settings.DEFAULT_FROM_EMAIL, *_backer_emails(milestone.crowdfund_id)]
        for recipient in recipients:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    return True


@shared_task(name="crowdfund.tasks.email_update")
def email_update(update_pk: int) -> int:
    """Send an update to every opted-in backer: once per update."""
    with transaction.atomic():
        update = (
            CrowdfundUpdate.objects.select_for_update(of=("self",))
            .select_related("crowdfund")
            .get(pk=update_pk)
        )
        if update.emailed_at or not update.email_backers:
            return 0
        update.emailed_at = timezone.now()
        update.save(update_fields=["emailed_at"])
        body = render_to_string("crowdfund/email/update.txt", {"update": update})
        recipients = _backer_emails(update.crowdfund_id)
        for recipient in recipients:
            send_mail(
                f"{update.crowdfund.title}: {update.title}",
                body,
                settings.DEFAULT_FROM_EMAIL,
                [recipient],
            )
    return len(recipients)
