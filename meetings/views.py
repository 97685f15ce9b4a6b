"""The meetings' plain views: propose, book, confirm, cancel, calendar file, attendee list.

Every rule is asked of meetings.rules and every change made by meetings.bookings or
meetings.submission; the views only read the request and choose the answer.
"""

import csv

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from cms.spreadsheets import safe_row
from meetings import bookings, tokens
from meetings.calendar import booking_calendar
from meetings.forms import EmailBookingForm, MeetingProposalForm
from meetings.models import Booking, MeetingPage
from meetings.submission import NowhereToPut, propose_meeting

NO_INDEX = "Meetings without a group are not open yet: choose a group."
RATE_LIMITED = "You have sent this form several times in a short time. Please wait and try again."


def over_limit(request, name: str, rate: str) -> bool:
    """Count this POST against the per-address and (if signed in) per-account limits."""
    by_address = is_ratelimited(
        request, group=f"meetings.{name}.ip", key="ip", rate=rate, method="POST", increment=True
    )
    by_account = request.user.is_authenticated and is_ratelimited(
        request,
        group=f"meetings.{name}.account",
        key="user",
        rate=rate,
        method="POST",
        increment=True,
    )
    return bool(by_address or by_account)


def never_cached(response):
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def propose(request):
    if not request.user.has_perm("meetings.propose_meeting"):
        return never_cached(
            TemplateResponse(
                request,
                "meetings/propose_closed.html",
                status=403 if request.method == "POST" else 200,
            )
        )
    status = 200
    form = MeetingProposalForm(request.POST or None)
    if request.method == "POST":
        if over_limit(request, "propose", settings.MEETINGS_PROPOSE_RATE):
            status = 429
            form.is_valid()
            form.add_error(None, RATE_LIMITED + " What you typed is still here.")
        elif form.is_valid():
            try:
                meeting = propose_meeting(form.cleaned_data, request.user)
            except NowhereToPut:
                form.add_error("group", "Meetings without a group are not open yet: pick a group.")
            else:
                if meeting.live:
                    messages.success(request, "Your meeting is published and open for booking.")
                    return redirect(meeting.url)
                return redirect("meetings_proposed")
        if status == 200 and form.errors:
            status = 400
    context = {"form": form}
    return never_cached(TemplateResponse(request, "meetings/propose.html", context, status=status))


def proposed(request):
    return never_cached(TemplateResponse(request, "meetings/proposed.html"))


def live_meeting(meeting_id: int) -> MeetingPage:
    meeting = MeetingPage.objects.live().public().filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404("No such meeting.")
    return meeting


def book(request, meeting_id: int):
    """GET: the by-email form (kept off the meeting page, which is cached for visitors).
    POST: book signed in with one click, or ask for a confirmation link by email."""
    meeting = live_meeting(meeting_id)
    if request.method != "POST":
        if request.user.is_authenticated or not meeting.open_for_booking:
            return redirect(meeting.url)
        context = {"meeting": meeting, "form": EmailBookingForm()}
        return never_cached(TemplateResponse(request, "meetings/book_by_email.html", context))
    if not request.user.has_perm("meetings.book_meeting", meeting):
        messages.error(request, "This meeting is not open for booking.")
        return redirect(meeting.url)
    if over_limit(request, "book", settings.MEETINGS_BOOK_RATE):
        messages.error(request, RATE_LIMITED)
        return redirect(meeting.url)
    try:
        if request.user.is_authenticated:
            booking = bookings.book_signed_in(meeting, request.user)
            if booking.status == Booking.Status.CONFIRMED:
                messages.success(request, "Your place is booked. We have emailed you the details.")
            else:
                messages.info(request, "The meeting is full: you are on the waiting list.")
            return redirect(meeting.url)
        form = EmailBookingForm(request.POST)
        if not form.is_valid():
            context = {"meeting": meeting, "form": form}
            return never_cached(
                TemplateResponse(request, "meetings/book_by_email.html", context, status=400)
            )
        bookings.request_booking_by_email(
            meeting, form.cleaned_data["name"], form.cleaned_data["email"]
        )
    except bookings.BookingClosed:
        messages.error(request, "This meeting is not open for booking.")
        return redirect(meeting.url)
    messages.success(
        request,
        "Check your email: follow the link we sent to confirm your place.",
    )
    return redirect(meeting.url)


@require_POST
def cancel_mine(request, meeting_id: int):
    """A signed-in person cancels their own booking from the meeting page."""
    meeting = get_object_or_404(MeetingPage, pk=meeting_id)
    if not request.user.is_authenticated:
        return redirect(f"{settings.LOGIN_URL}?next={meeting.url}")
    booking = meeting.bookings.active().filter(email__iexact=request.user.email).first()
    if booking is not None:
        bookings.cancel_booking(booking)
        messages.success(request, "Your booking is cancelled.")
    return redirect(meeting.url or "/")


def booking_by_token(token: str, purpose: str) -> Booking:
    try:
        return bookings.booking_from_token(token, purpose)
    except tokens.BadToken as error:
        raise Http404("This link is not valid.") from error


@require_http_methods(["GET", "HEAD", "POST"])
def confirm_booking(request, token: str):
    """GET shows a button (mail scanners follow links); POST takes the place."""
    booking = booking_by_token(token, tokens.CONFIRM)
    closed = False
    if request.method == "POST" and booking.status == Booking.Status.PENDING:
        try:
            booking = bookings.confirm_booking(booking)
        except bookings.BookingClosed:
            closed = True
    context = {"booking": booking, "meeting": booking.meeting, "closed": closed}
    return never_cached(TemplateResponse(request, "meetings/confirm_booking.html", context))


@require_http_methods(["GET", "HEAD", "POST"])
def cancel_booking(request, token: str):
    """GET asks "cancel?"; POST cancels. No sign-in: the signed link is the key."""
    booking = booking_by_token(token, tokens.CANCEL)
    if request.method == "POST":
        bookings.cancel_booking(booking)
        booking.refresh_from_db()
    context = {"booking": booking, "meeting": booking.meeting}
    return never_cached(TemplateResponse(request, "meetings/cancel_booking.html", context))


def booking_ics(request, token: str):
    booking = booking_by_token(token, tokens.CALENDAR)
    meeting = booking.meeting
    if meeting.is_past or meeting.cancelled or booking.status != Booking.Status.CONFIRMED:
        raise Http404("This booking has no calendar entry.")
    response = HttpResponse(
        booking_calendar(booking, meeting.full_url or meeting.url),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return never_cached(response)


def meeting_for_organiser(request, meeting_id: int, permission: str) -> MeetingPage:
    meeting = get_object_or_404(MeetingPage, pk=meeting_id)
    if not request.user.has_perm(permission, meeting):
        raise Http404("No such meeting.")
    return meeting


def attendee_rows(meeting):
    return meeting.bookings.filter(
        status__in=[Booking.Status.CONFIRMED, Booking.Status.WAITING]
    ).order_by("-status", "queue_number")


def attendees(request, meeting_id: int):
    meeting = meeting_for_organiser(request, meeting_id, "meetings.see_attendees")
    rows = list(attendee_rows(meeting))
    context = {
        "meeting": meeting,
        "confirmed": [row for row in rows if row.status == Booking.Status.CONFIRMED],
        "waiting": [row for row in rows if row.status == Booking.Status.WAITING],
    }
    return never_cached(TemplateResponse(request, "meetings/attendees.html", context))


def attendees_csv(request, meeting_id: int):
    meeting = meeting_for_organiser(request, meeting_id, "meetings.export_attendees")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}-attendees.csv"'
    writer = csv.writer(response)
    writer.writerow(["Name", "Email", "Status", "Place in queue", "Booked at"])
    for booking in attendee_rows(meeting):
        writer.writerow(
            safe_row(
                [
                    booking.name,
                    booking.email,
                    booking.get_status_display(),
                    booking.queue_number,
                    booking.confirmed_at.isoformat() if booking.confirmed_at else "",
                ]
            )
        )
    return never_cached(response)
