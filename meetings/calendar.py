"""The .ics file of one booking: the meeting, in UTC, with a UID stable per booking."""

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event


def booking_uid(booking) -> str:
    host = settings.WAGTAILADMIN_BASE_URL.split("://")[-1].split("/")[0] or "alliancehub"
    return f"meeting-booking-{booking.pk}@{host}"


def booking_calendar(booking, url: str) -> bytes:
    meeting = booking.meeting
    calendar = Calendar()
    calendar.add("prodid", "-//Alliance Hub//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    item = Event()
    item.add("uid", booking_uid(booking))
    item.add("dtstamp", timezone.now())
    item.add("dtstart", meeting.start)
    item.add("dtend", meeting.end)
    item.add("summary", meeting.title)
    description = meeting.summary
    if meeting.is_online and meeting.online_link:
        description += f"\n\nJoin online: {meeting.online_link}"
    if meeting.accessibility:
        description += f"\n\nAccess: {meeting.accessibility}"
    item.add("description", f"{description}\n\n{url}")
    item.add("location", meeting.venue or meeting.online_link or "Online")
    item.add("url", url)
    calendar.add_component(item)
    return calendar.to_ical()
