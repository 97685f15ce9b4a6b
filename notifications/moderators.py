"""The moderators' digest: once a day, what awaits each moderator, only when something does.

The counts and links are the admin dashboard's own ("Waiting for moderators",
`cms.dashboard.waiting_for`), so the email and the panel always agree. Each digest is
recorded as a notification keyed by the day, created and emailed in one transaction: a
retried or repeated run sends nothing more. A moderator turns it off (or to Mondays only)
with the "What awaits moderators" email choice, like any other kind.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cms.dashboard import waiting_for
from cms.roles import EDITORS, MODERATORS
from notifications.emails import waiting_email
from notifications.kinds import Frequency, Kind
from notifications.models import Notification
from notifications.preferences import frequency_for


def moderators():
    """Everyone who can open the admin and moderate: Moderators, Editors, superusers."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=[MODERATORS, EDITORS]) | Q(is_superuser=True))
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def send_moderators_digests(today=None) -> int:
    today = today or timezone.localdate()
    sent = 0
    for moderator in moderators().iterator(chunk_size=100):
        frequency = frequency_for(moderator, Kind.WAITING)
        if frequency == Frequency.NEVER:
            continue
        if frequency == Frequency.WEEKLY and today.weekday() != 0:
            continue
        sent += send_one(moderator, today, frequency)
    return sent


def send_one(moderator, today, frequency: str = Frequency.DAILY) -> int:
    """One moderator's digest for `today`: 1 if emailed now, 0 if nothing waits or sent."""
    items = [item for item in waiting_for(moderator) if item.count]
    if not items:
        return 0
    total = sum(item.count for item in items)
    key = f"waiting:{today.isoformat()}"
    with transaction.atomic():
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient=moderator,
                    kind=Kind.WAITING,
                    key=key,
                    summary=f"{total} thing{'s' if total != 1 else ''} awaiting moderators",
                    url="/admin/",
                    email_frequency=frequency,
                )
            ],
            ignore_conflicts=True,
        )
        row = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(recipient=moderator, key=key, emailed_at__isnull=True)
            .first()
        )
        if row is None:
            return 0
        waiting_email(moderator, items, total).send()
        row.emailed_at = timezone.now()
        row.save(update_fields=["emailed_at"])
    return 1
