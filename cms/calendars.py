"""iCalendar (.ics) files for events, built with the icalendar library.

Times go out in UTC (the form every calendar program reads the same way);
each event has a stable UID so re-importing updates rather than duplicates it.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

DEFAULT_LENGTH = timedelta(hours=2)


def event_uid(event) -> str:
    host = settings.WAGTAILADMIN_BASE_URL.split("://")[-1].split("/")[0] or "alliancehub"
    return f"event-{event.pk}@{host}"


def ical_event(event, url: str, imprint: str = "") -> Event:
    item = Event()
    item.add("uid", event_uid(event))
    item.add("dtstamp", event.last_published_at or timezone.now())
    item.add("dtstart", event.start)
    item.add("dtend", event.end or event.start + DEFAULT_LENGTH)
    item.add("summary", event.title)
    # ORGANIZER needs an email address, which we never publish: say who runs it in the text.
    description = f"{event.summary}\n\nOrganised by {event.organiser}.\n{url}"
    if imprint:  # the digital imprint travels with the event (Elections Act 2022)
        description += f"\n\n{imprint}"
    item.add("description", description)
    location = event.place or event.online_link
    if location:
        item.add("location", location)
    item.add("url", url)
    return item


def calendar_of(events, url_for, name: str = "Alliance Hub events", imprint: str = "") -> bytes:
    """An iCalendar file for these events; `url_for(event)` gives each event's address.

    `imprint` is the site's digital imprint, added to each event's description.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//Alliance Hub//Events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    for event in events:
        calendar.add_component(ical_event(event, url_for(event), imprint))
    return calendar.to_ical()
