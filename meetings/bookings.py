"""Booking places at meetings: the one place where places are given and taken back.

The invariant: a meeting never has more confirmed bookings than places, and the waiting
list is served in the order people joined it. Every change of a booking's status runs in
one transaction holding a row lock on the meeting (`SELECT … FOR UPDATE`), and counts the
confirmed bookings afresh under that lock; so two people booking the last place at the
same moment are served one after the other: one gets it, the other waits. The queue
number is given under the same lock (and is unique per meeting in the database).

Emails go out through the project's outbox, so a rolled-back change sends nothing.
"""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from meetings import notifications, tokens
from meetings.models import Booking, MeetingPage


class BookingClosed(Exception):
    """The meeting is not open for booking (unpublished, cancelled or already started)."""


def booking_from_token(token: str, purpose: str) -> Booking:
    """The booking a signed link names, provided its email still matches; else BadToken."""
    booking_id, email = tokens.read_token(token, purpose)
    booking = Booking.objects.select_related("meeting").filter(pk=booking_id).first()
    if booking is None or booking.email.lower() != email:
        raise tokens.BadToken
    return booking


def lock_meeting(meeting_id: int) -> MeetingPage:
    """The meeting, re-read with its own row locked until the transaction ends."""
    return MeetingPage.objects.select_for_update(of=("self",)).get(pk=meeting_id)


def _take_place_or_queue(meeting: MeetingPage, booking: Booking) -> None:
    """Confirm `booking` if a place is free, else put it at the end of the waiting list.

    Call with the meeting locked.
    """
    confirmed = meeting.bookings.filter(status=Booking.Status.CONFIRMED).count()
    last = meeting.bookings.aggregate(last=Max("queue_number"))["last"] or 0
    booking.queue_number = last + 1
    booking.confirmed_at = timezone.now()
    if confirmed < meeting.capacity:
        booking.status = Booking.Status.CONFIRMED
    else:
        booking.status = Booking.Status.WAITING


def book_signed_in(meeting: MeetingPage, user) -> Booking:
    """One click: a place (or a place in the queue) for a signed-in person.

    Booking twice gives back the booking already held.
    """
    with transaction.atomic():
        meeting = lock_meeting(meeting.pk)
        if not meeting.open_for_booking:
            raise BookingClosed
        existing = meeting.bookings.active().filter(email__iexact=user.email).first()
        if existing is not None:
            if existing.status != Booking.Status.PENDING:
                return existing
            booking = existing
            booking.user = user
        else:
            booking = Booking(meeting=meeting, user=user, email=user.email)
        booking.name = user.get_full_name() or user.public_name
        _take_place_or_queue(meeting, booking)
        booking.save()
        notifications.booking_made(booking)
    return booking


def request_booking_by_email(meeting: MeetingPage, name: str, email: str) -> Booking:
    """Without an account: keep the request and email a link that confirms it.

    The place is only taken when the link is followed. Asking again for the same address
    sends the right email again (the link, or the booking's state) and creates nothing,
    so the page never tells a visitor whether an address is booked.
    """
    with transaction.atomic():
        meeting = lock_meeting(meeting.pk)
        if not meeting.open_for_booking:
            raise BookingClosed
        existing = meeting.bookings.active().filter(email__iexact=email).first()
        if existing is None:
            try:
                with transaction.atomic():
                    existing = Booking.objects.create(meeting=meeting, name=name, email=email)
            except IntegrityError:
                existing = meeting.bookings.active().get(email__iexact=email)
        if existing.status == Booking.Status.PENDING:
            notifications.confirm_your_booking(existing)
        else:
            notifications.booking_made(existing)
    return existing


def confirm_booking(booking: Booking) -> Booking:
    """The confirmation link was followed: take a place or join the queue (once)."""
    with transaction.atomic():
        meeting = lock_meeting(booking.meeting_id)
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status != Booking.Status.PENDING:
            return booking
        if not meeting.open_for_booking:
            raise BookingClosed
        _take_place_or_queue(meeting, booking)
        booking.save(update_fields=["status", "queue_number", "confirmed_at"])
        notifications.booking_made(booking)
    return booking


def cancel_booking(booking: Booking) -> Booking | None:
    """Give the place back; the first person waiting gets it. Returns who was promoted.

    Cancelling twice does nothing the second time.
    """
    with transaction.atomic():
        meeting = lock_meeting(booking.meeting_id)
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status == Booking.Status.CANCELLED:
            return None
        held_a_place = booking.status == Booking.Status.CONFIRMED
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = timezone.now()
        booking.save(update_fields=["status", "cancelled_at"])
        notifications.booking_cancelled(booking)
        if held_a_place and not meeting.is_past and not meeting.cancelled:
            return promote_next(meeting)
    return None


def promote_next(meeting: MeetingPage) -> Booking | None:
    """Give free places to the people first in the queue. Call with the meeting locked."""
    promoted = None
    confirmed = meeting.bookings.filter(status=Booking.Status.CONFIRMED).count()
    queue = meeting.bookings.filter(status=Booking.Status.WAITING).order_by("queue_number")
    for waiting in queue[: max(meeting.capacity - confirmed, 0)]:
        waiting.status = Booking.Status.CONFIRMED
        waiting.save(update_fields=["status"])
        notifications.promoted_from_waiting_list(waiting)
        promoted = promoted or waiting
    return promoted


def send_reminders(now=None) -> int:
    """Remind everyone with a place at a meeting starting within the next day. Once each.

    The flag is set by a conditional update in the same transaction as the email is
    queued, so two runs at once (or a retried task) remind each person once.
    """
    now = now or timezone.now()
    due = Booking.objects.filter(
        status=Booking.Status.CONFIRMED,
        reminder_sent_at__isnull=True,
        meeting__live=True,
        meeting__cancelled=False,
        meeting__start__gt=now,
        meeting__start__lte=now + timezone.timedelta(days=1),
    ).select_related("meeting")
    sent = 0
    for booking in due:
        with transaction.atomic():
            claimed = Booking.objects.filter(
                pk=booking.pk, reminder_sent_at__isnull=True, status=Booking.Status.CONFIRMED
            ).update(reminder_sent_at=now)
            if claimed:
                notifications.reminder(booking)
                sent += 1
    return sent


def tell_bookers_meeting_is_cancelled(meeting_id: int, now=None) -> int:
    """A meeting was cancelled: tell each person booked or waiting, once."""
    now = now or timezone.now()
    meeting = MeetingPage.objects.filter(pk=meeting_id, cancelled=True).first()
    if meeting is None:
        return 0
    sent = 0
    to_tell = meeting.bookings.filter(
        status__in=[Booking.Status.CONFIRMED, Booking.Status.WAITING],
        cancellation_notice_sent_at__isnull=True,
    )
    for booking in to_tell:
        with transaction.atomic():
            claimed = Booking.objects.filter(
                pk=booking.pk, cancellation_notice_sent_at__isnull=True
            ).update(cancellation_notice_sent_at=now)
            if claimed:
                booking.meeting = meeting
                notifications.meeting_cancelled(booking)
                sent += 1
    return sent
