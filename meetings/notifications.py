"""Emails about bookings: confirm your booking, booked or waiting, promoted, reminder, cancelled.

Plain `send_mail`: the project's backend writes each message to the outbox in the current
transaction and sends it after commit, so a rolled-back booking sends nothing. Every email
carries the signed link that cancels the booking, so nobody needs an account to cancel.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from meetings import tokens


def absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def links(booking) -> dict:
    return {
        "confirm_url": absolute(
            reverse("meetings_confirm_booking", args=[tokens.make_token(booking, tokens.CONFIRM)])
        ),
        "cancel_url": absolute(
            reverse("meetings_cancel_booking", args=[tokens.make_token(booking, tokens.CANCEL)])
        ),
        "calendar_url": absolute(
            reverse("meetings_booking_ics", args=[tokens.make_token(booking, tokens.CALENDAR)])
        ),
        "meeting_url": booking.meeting.full_url or absolute(booking.meeting.url or "/"),
    }


def send_booking_email(booking, template: str, subject: str) -> None:
    body = render_to_string(
        f"meetings/email/{template}.txt",
        {"booking": booking, "meeting": booking.meeting, **links(booking)},
    )
    send_mail(
        f"[Alliance Hub] {subject}: {booking.meeting.title}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [booking.email],
    )


def confirm_your_booking(booking) -> None:
    send_booking_email(booking, "confirm", "Confirm your place")


def booking_made(booking) -> None:
    if booking.status == booking.Status.CONFIRMED:
        send_booking_email(booking, "confirmed", "Your place is booked")
    elif booking.status == booking.Status.WAITING:
        send_booking_email(booking, "waiting", "You are on the waiting list")


def booking_cancelled(booking) -> None:
    send_booking_email(booking, "booking_cancelled", "Your booking is cancelled")


def promoted_from_waiting_list(booking) -> None:
    send_booking_email(booking, "promoted", "A place is free: it is yours")


def reminder(booking) -> None:
    send_booking_email(booking, "reminder", "Reminder: tomorrow")


def meeting_cancelled(booking) -> None:
    send_booking_email(booking, "meeting_cancelled", "Meeting cancelled")


def meeting_received(meeting, user) -> None:
    body = render_to_string("meetings/email/proposal_received.txt", {"meeting": meeting})
    send_mail(
        f"[Alliance Hub] We have your meeting: {meeting.title}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


def meeting_published(meeting) -> None:
    if meeting.proposed_by_id is None:
        return
    body = render_to_string(
        "meetings/email/proposal_published.txt", {"meeting": meeting, "url": meeting.full_url}
    )
    send_mail(
        f"[Alliance Hub] Your meeting is published: {meeting.title}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [meeting.proposed_by.email],
    )
