"""Background work for meetings: reminders the day before, and telling people of a cancellation.

Both are idempotent by a flag per booking (see meetings.bookings), so a retried task or
two runs at once email each person once.
"""

from celery import shared_task

from meetings import bookings
from meetings.models import Booking


@shared_task
def send_meeting_reminders() -> int:
    return bookings.send_reminders()


@shared_task
def tell_bookers_of_cancellation(meeting_id: int) -> int:
    return bookings.tell_bookers_meeting_is_cancelled(meeting_id)


@shared_task
def tell_bookers_of_all_cancellations() -> int:
    """The catch-up: any cancelled meeting with someone not yet told."""
    meeting_ids = (
        Booking.objects.filter(
            meeting__cancelled=True,
            status__in=[Booking.Status.CONFIRMED, Booking.Status.WAITING],
            cancellation_notice_sent_at__isnull=True,
        )
        .values_list("meeting_id", flat=True)
        .distinct()
    )
    return sum(bookings.tell_bookers_meeting_is_cancelled(pk) for pk in list(meeting_ids))
