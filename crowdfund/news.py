"""What crowdfunds tell their followers: each milestone, once, and a deadline near.

A `Milestone` row is written once per threshold (a unique constraint), in the transaction
that records the money; its creation tells the crowdfund's followers in that same
transaction (a `post_save` receiver in `crowdfund/signals.py`), keyed by the milestone.
Three days before a crowdfund closes, beat's `tell_followers_deadline_near` tells them
once (keyed by the crowdfund and its deadline, so a moved deadline is news again).
"""

from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from wagtail import hooks

from crowdfund.law import normalise_email
from crowdfund.models import CrowdfundPage, Donation, Milestone
from notifications.activity import HOOK as ACTIVITY_HOOK
from notifications.activity import Item, Section
from notifications.following import follower_ids
from notifications.kinds import Kind
from notifications.notify import notify


def _pounds(pence: int) -> str:
    return f"£{pence / 100:,.0f}"


def milestone_reached(milestone: Milestone) -> None:
    crowdfund = milestone.crowdfund
    words = {
        Milestone.Kind.HALFWAY: f"is halfway to its target of {_pounds(crowdfund.target_pence)}",
        Milestone.Kind.TARGET: f"reached its target of {_pounds(crowdfund.target_pence)}",
        Milestone.Kind.STRETCH: f"reached a stretch target of {_pounds(milestone.threshold_pence)}",
        Milestone.Kind.REFUNDS: "missed its target: gifts are being refunded",
    }
    notify(
        follower_ids(crowdfund),
        kind=Kind.CROWDFUND,
        key=f"crowdfund-milestone:{milestone.pk}",
        summary=f"{crowdfund.title} {words.get(milestone.kind, milestone.get_kind_display())}",
        url=crowdfund.url or "",
    )


DEADLINE_NEAR = timedelta(days=3)


@shared_task
def tell_followers_deadline_near() -> int:
    """Each live crowdfund closing within three days: its followers are told, once."""
    now = timezone.now()
    closing = CrowdfundPage.objects.live().filter(
        deadline__gt=now, deadline__lte=now + DEADLINE_NEAR
    )
    told = 0
    for crowdfund in closing:
        with transaction.atomic():
            told += notify(
                follower_ids(crowdfund),
                kind=Kind.CROWDFUND,
                key=f"crowdfund-deadline:{crowdfund.pk}:{crowdfund.deadline:%Y%m%d%H%M}",
                summary=(
                    f"{crowdfund.title} closes on "
                    f"{timezone.localtime(crowdfund.deadline):%-d %B at %H:%M}"
                ),
                url=crowdfund.url or "",
            )
    return told


@hooks.register(ACTIVITY_HOOK)
def gifts_activity(user) -> Section:
    """Gifts given with your account's email address (a gift records an address, not an
    account), the started but unpaid left out (one query)."""
    email = normalise_email(user.email or "")
    gifts = (
        Donation.objects.filter(email_normalised=email)
        .exclude(status__in=["pending", "expired", "failed"])
        .select_related("crowdfund")
        .order_by("-created_at", "-pk")[:20]
        if email
        else []
    )
    return Section(
        "Your gifts",
        [
            Item(
                f"{gift.amount_display} to {gift.crowdfund.title}",
                gift.crowdfund.url or "",
                f"{gift.get_status_display()}, {gift.created_at:%-d %B %Y}",
            )
            for gift in gifts
        ],
        empty="No gifts with your email address yet.",
        order=40,
    )
