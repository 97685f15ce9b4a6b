"""Background work: applying Stripe events, receipts, milestone and update emails.

Every task is idempotent. Applying an event uses acks_late (set globally and
here): if a worker dies mid-task the broker redelivers it, and the inbox row
lock plus `applied_at` make the second run a no-op if the first had committed.
Emails are sent at most once per thing: a flag column is set in the same
transaction that hands the message to the mail backend (which itself only
enqueues after commit).
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def apply_webhook_event(event_pk: int) -> str:
    from crowdfund.stripe_events import apply_event

    return apply_event(event_pk)


@shared_task
def apply_pending_webhook_events() -> int:
    """Beat: apply whatever the inbox still holds (broker was down, a task was lost)."""
    from crowdfund.stripe_events import apply_pending

    return apply_pending()


@shared_task
def send_receipt(entry_pk: int) -> bool:
    from crowdfund.models import LedgerEntry

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


def _backer_emails(crowdfund_id: int) -> list[str]:
    from crowdfund.models import Donation

    return sorted(
        set(
            Donation.objects.filter(
                crowdfund_id=crowdfund_id, updates_opt_in=True, paid_at__isnull=False
            )
            .exclude(email="")
            .values_list("email_normalised", flat=True)
        )
    )


@shared_task
def announce_milestone(milestone_pk: int) -> bool:
    """Email the team and opted-in backers that a threshold was reached: once."""
    from crowdfund.models import Milestone

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


@shared_task
def email_update(update_pk: int) -> int:
    """Send an update to every opted-in backer: once per update."""
    from crowdfund.models import CrowdfundUpdate

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


@shared_task
def settle_finished_crowdfunds() -> int:
    """All-or-nothing crowdfunds past their deadline below target: refund card gifts, once."""
    from crowdfund.models import CrowdfundPage, FundingModel

    settled = 0
    for page_id in CrowdfundPage.objects.filter(
        funding_model=FundingModel.ALL_OR_NOTHING, deadline__lt=timezone.now()
    ).values_list("pk", flat=True):
        settled += refund_missed_target(page_id)
    return settled


def refund_missed_target(page_id: int) -> int:
    """Ask Stripe to refund every card gift of a crowdfund that missed its target.

    The `refunds` milestone row is created once (unique, under the crowdfund lock);
    each refund request carries a deterministic idempotency key, so even a rerun
    within Stripe's key window cannot refund twice, and the ledger only changes
    when Stripe's charge.refunded events arrive.
    """
    from wagtail.models import Page

    from crowdfund import payments
    from crowdfund.models import (
        CrowdfundPage,
        Donation,
        Frequency,
        Method,
        Milestone,
        crowdfund_totals,
    )

    with transaction.atomic():
        Page.objects.select_for_update().filter(pk=page_id).first()
        page = CrowdfundPage.objects.get(pk=page_id)
        if crowdfund_totals(page_id)["total"] >= page.target_pence:
            return 0
        if page.deadline and page.deadline > timezone.now() - timedelta(seconds=0):
            return 0
        _, created = Milestone.objects.get_or_create(
            crowdfund_id=page_id, kind=Milestone.Kind.REFUNDS, threshold_pence=page.target_pence
        )
        if not created:
            return 0
        donations = list(
            Donation.objects.filter(crowdfund_id=page_id, method=Method.CARD).exclude(
                paid_at__isnull=True
            )
        )
    requested = 0
    for donation in donations:
        if donation.frequency == Frequency.MONTHLY and donation.stripe_subscription_id:
            payments.cancel_subscription(donation.stripe_subscription_id)
        for source_id in donation.ledger_entries.filter(kind="payment").values_list(
            "source_id", flat=True
        ):
            if source_id.startswith("pi_"):
                payments.refund_payment(source_id, f"crowdfund-aon-refund-{source_id}")
                requested += 1
    return requested
