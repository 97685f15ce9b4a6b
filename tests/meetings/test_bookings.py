"""Testing that places are given, queued, given back and announced exactly as promised."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from meetings import bookings, tokens
from meetings.models import Booking
from meetings.tasks import send_meeting_reminders, tell_bookers_of_all_cancellations
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def link_in(message, start):
    """The first link in an email body that starts with `start` (a path)."""
    for word in message.body.split():
        if word.startswith("http://testserver" + start):
            return word.removeprefix("http://testserver")
    raise AssertionError(f"no {start} link in {message.body!r}")


def people(count):
    return [make_user(f"person{n}@example.com", display_name=f"Person {n}") for n in range(count)]


def test_one_click_booking_takes_a_place_and_emails_the_details(
    client, supporter, meeting, mail_via_celery
):
    client.force_login(supporter)
    with mail_via_celery():
        response = client.post(reverse("meetings_book", args=[meeting.pk]))
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.status, booking.email, booking.queue_number) == (
        "confirmed",
        supporter.email,
        1,
    )
    [message] = mail_via_celery.outbox
    assert message.to == [supporter.email] and "is booked" in message.subject
    assert "/meetings/bookings/cancel/" in message.body
    page = client.get(meeting.url)
    assert b"You have a place at this meeting." in page.content
    assert b"1 of 10 taken" in page.content
    assert b"Add to your calendar (.ics)" in page.content


def test_booking_twice_keeps_one_booking(client, supporter, meeting):
    client.force_login(supporter)
    client.post(reverse("meetings_book", args=[meeting.pk]))
    client.post(reverse("meetings_book", args=[meeting.pk]))
    assert Booking.objects.count() == 1


def test_a_full_meeting_puts_people_on_the_waiting_list_in_order(make_meeting):
    meeting = make_meeting(capacity=2)
    results = [bookings.book_signed_in(meeting, person) for person in people(4)]
    assert [b.status for b in results] == ["confirmed", "confirmed", "waiting", "waiting"]
    assert [b.queue_number for b in results] == [1, 2, 3, 4]


def test_a_cancellation_promotes_exactly_the_first_waiting(make_meeting, mail_via_celery):
    meeting = make_meeting(capacity=2)
    first, second, third, fourth = [bookings.book_signed_in(meeting, p) for p in people(4)]
    with mail_via_celery():
        promoted = bookings.cancel_booking(first)
    assert promoted.pk == third.pk
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: "cancelled",
        second.pk: "confirmed",
        third.pk: "confirmed",
        fourth.pk: "waiting",
    }
    subjects = {m.to[0]: m.subject for m in mail_via_celery.outbox}
    assert "it is yours" in subjects[third.email]
    assert "cancelled" in subjects[first.email]
    assert fourth.email not in subjects
    # Cancelling again changes nothing and promotes nobody.
    assert bookings.cancel_booking(first) is None
    assert Booking.objects.filter(status="confirmed").count() == 2


def test_leaving_the_waiting_list_promotes_nobody(make_meeting):
    meeting = make_meeting(capacity=1)
    _holder, waiting, last = [bookings.book_signed_in(meeting, p) for p in people(3)]
    assert bookings.cancel_booking(waiting) is None
    assert Booking.objects.get(pk=last.pk).status == "waiting"


def test_booking_by_email_takes_a_place_only_once_the_link_is_followed(
    client, meeting, mail_via_celery
):
    with mail_via_celery():
        response = client.post(
            reverse("meetings_book", args=[meeting.pk]),
            {"name": "Pat Visitor", "email": "pat@example.org"},
        )
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.status == "pending" and booking.user is None
    [message] = mail_via_celery.outbox
    confirm_path = link_in(message, "/meetings/bookings/confirm/")
    # A mail scanner's GET confirms nothing.
    assert client.get(confirm_path).status_code == 200
    assert Booking.objects.get().status == "pending"
    with mail_via_celery():
        response = client.post(confirm_path)
    assert b"Your place is booked" in response.content
    assert Booking.objects.get().status == "confirmed"
    assert "is booked" in mail_via_celery.outbox[-1].subject
    # Following the link again takes no second place.
    client.post(confirm_path)
    assert Booking.objects.filter(status="confirmed").count() == 1


def test_asking_again_with_the_same_address_creates_no_second_booking(client, meeting):
    for _ in range(2):
        client.post(
            reverse("meetings_book", args=[meeting.pk]),
            {"name": "Pat", "email": "Pat@Example.org"},
        )
    assert Booking.objects.count() == 1


def test_email_booking_with_bad_details_shows_errors_not_a_500(client, meeting):
    response = client.post(
        reverse("meetings_book", args=[meeting.pk]), {"name": "", "email": "not-an-email"}
    )
    assert response.status_code == 400
    assert b"Enter a valid email address." in response.content
    assert Booking.objects.count() == 0


def test_cancel_by_link_without_signing_in(client, meeting, mail_via_celery):
    booking = bookings.book_signed_in(meeting, people(1)[0])
    path = reverse("meetings_cancel_booking", args=[tokens.make_token(booking, tokens.CANCEL)])
    assert client.get(path).status_code == 200
    assert Booking.objects.get().status == "confirmed"
    response = client.post(path)
    assert b"Your booking is cancelled." in response.content
    assert Booking.objects.get().status == "cancelled"


@pytest.mark.parametrize(
    "forge",
    [
        lambda booking: tokens.make_token(booking, tokens.CANCEL)[:-2] + "xx",
        lambda booking: signing.dumps([booking.pk, booking.email], salt="another.purpose"),
        lambda booking: signing.dumps([booking.pk, "someone@else.org"], salt=tokens.CANCEL),
        lambda booking: tokens.make_token(booking, tokens.CONFIRM),
        lambda booking: "not-a-token",
        lambda booking: signing.dumps(["1; drop", booking.email], salt=tokens.CANCEL),
    ],
)
def test_forged_or_misused_tokens_are_refused(client, meeting, forge):
    booking = bookings.book_signed_in(meeting, people(1)[0])
    token = forge(booking)
    assert client.post(reverse("meetings_cancel_booking", args=[token])).status_code == 404
    assert client.get(reverse("meetings_booking_ics", args=[token])).status_code == 404
    assert Booking.objects.get().status == "confirmed"


def test_an_old_confirmation_link_is_refused(client, meeting, monkeypatch):
    booking = bookings.request_booking_by_email(meeting, "Pat", "pat@example.org")
    token = tokens.make_token(booking, tokens.CONFIRM)
    later = timezone.now().timestamp() + tokens.CONFIRM_MAX_AGE + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert client.post(reverse("meetings_confirm_booking", args=[token])).status_code == 404
    assert Booking.objects.get().status == "pending"


def test_each_booking_has_an_ics_file(client, meeting):
    booking = bookings.book_signed_in(meeting, people(1)[0])
    response = client.get(
        reverse("meetings_booking_ics", args=[tokens.make_token(booking, tokens.CALENDAR)])
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["summary"]) == meeting.title
    assert event.decoded("dtstart") == meeting.start.replace(microsecond=0)
    assert str(event["uid"]).startswith(f"meeting-booking-{booking.pk}@")


def test_a_past_meeting_offers_no_booking_and_no_calendar(client, supporter, make_meeting):
    meeting = make_meeting()
    booking = bookings.book_signed_in(meeting, people(1)[0])
    start = timezone.now() - timedelta(days=1)
    meeting.start, meeting.end = start, start + timedelta(hours=2)
    meeting.save_revision().publish()
    page = client.get(meeting.url)
    assert b"Booking is closed" in page.content
    assert b"Book a place" not in page.content and b"calendar" not in page.content.lower()
    client.force_login(supporter)
    client.post(reverse("meetings_book", args=[meeting.pk]))
    assert Booking.objects.count() == 1
    with pytest.raises(bookings.BookingClosed):
        bookings.book_signed_in(meeting, supporter)
    ics = reverse("meetings_booking_ics", args=[tokens.make_token(booking, tokens.CALENDAR)])
    assert client.get(ics).status_code == 404


def test_a_cancelled_meeting_tells_those_booked_once(make_meeting, mail_via_celery):
    meeting = make_meeting(capacity=1)
    holder, waiting = [bookings.book_signed_in(meeting, p) for p in people(2)]
    left = bookings.book_signed_in(meeting, make_user("left@example.com"))
    bookings.cancel_booking(left)
    meeting.cancelled = True
    with mail_via_celery():
        meeting.save_revision().publish()
    cancelled_notices = [m for m in mail_via_celery.outbox if "Meeting cancelled" in m.subject]
    assert sorted(m.to[0] for m in cancelled_notices) == sorted([holder.email, waiting.email])
    # Publishing again, and the catch-up task, tell nobody a second time.
    count = len(mail_via_celery.outbox)
    with mail_via_celery():
        meeting.save_revision().publish()
        assert tell_bookers_of_all_cancellations() == 0
    assert len(mail_via_celery.outbox) == count


def test_reminders_go_the_day_before_once_each(make_meeting, mail_via_celery):
    tomorrow = make_meeting(start=timezone.now() + timedelta(hours=20))
    next_week = make_meeting()
    booked = bookings.book_signed_in(tomorrow, people(1)[0])
    bookings.book_signed_in(next_week, make_user("later@example.com"))
    with mail_via_celery():
        assert send_meeting_reminders() == 1
        assert send_meeting_reminders() == 0
    reminders = [m for m in mail_via_celery.outbox if "Reminder" in m.subject]
    assert [m.to for m in reminders] == [[booked.email]]
    assert Booking.objects.get(pk=booked.pk).reminder_sent_at is not None


def test_counts_are_public_but_names_are_not(client, supporter, meeting):
    bookings.book_signed_in(meeting, make_user("secret@example.com", display_name="Secretive"))
    page = client.get(meeting.url)
    assert b"1 of 10 taken" in page.content
    assert b"secret@example.com" not in page.content and b"Secretive" not in page.content
    client.force_login(supporter)
    assert client.get(reverse("meetings_attendees", args=[meeting.pk])).status_code == 404


def test_the_attendee_csv_neutralises_formulas(client, organiser, meeting):
    bookings.request_booking_by_email(meeting, '=HYPERLINK("http://evil")', "evil@example.org")
    booking = Booking.objects.get()
    bookings.confirm_booking(booking)
    client.force_login(organiser)
    response = client.get(reverse("meetings_attendees_csv", args=[meeting.pk]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["Name", "Email"]
    assert rows[1][0] == '\'=HYPERLINK("http://evil")'
    assert rows[1][1] == "evil@example.org"


def test_visitors_get_a_cacheable_meeting_page_and_the_email_form_on_its_own_page(client, meeting):
    html = client.get(meeting.url).content.decode()
    assert "csrfmiddlewaretoken" not in html  # so the page cache may keep it for visitors
    assert f'href="/meetings/{meeting.pk}/book/"' in html
    form = client.get(reverse("meetings_book", args=[meeting.pk]))
    assert form.status_code == 200 and "csrfmiddlewaretoken" in form.content.decode()
    assert "Send me a confirmation link" in form.content.decode()
