"""Testing event listings (upcoming, past, region filter) and the iCalendar files."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from cms.models import EventPage
from tests.cms.conftest import count_queries


def section(html, heading_id):
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_event_index_splits_upcoming_and_past(client, event_index, make_event):
    make_event("Birmingham meeting", 10, region="west-midlands", town="Birmingham")
    make_event("Brighton meeting", -30, region="south-east", town="Brighton")
    html = client.get(event_index.url).content.decode()
    assert "Birmingham meeting" in section(html, "upcoming-heading")
    assert "Brighton meeting" not in section(html, "upcoming-heading")
    assert "Brighton meeting" in section(html, "past-heading")
    assert "UK time (Europe/London)" in html


def test_upcoming_events_are_soonest_first(client, event_index, make_event):
    make_event("Later", 20)
    make_event("Sooner", 5)
    upcoming = section(client.get(event_index.url).content.decode(), "upcoming-heading")
    assert upcoming.index("Sooner") < upcoming.index("Later")


def test_region_filter_keeps_the_region_in_the_url_and_the_form(client, event_index, make_event):
    make_event("Lancaster meeting", 10, region="north-west", town="Lancaster")
    make_event("Surrey meeting", 12, region="south-east", town="Guildford")
    make_event("Liverpool meeting", -12, region="north-west", town="Liverpool")
    response = client.get(event_index.url, {"region": "north-west"})
    html = response.content.decode()
    assert "Lancaster meeting" in html and "Liverpool meeting" in html
    assert "Surrey meeting" not in html
    assert '<option value="north-west" selected>' in html


def test_unknown_region_shows_everything(client, event_index, make_event):
    make_event("Surrey meeting", 12, region="south-east")
    response = client.get(event_index.url, {"region": "<script>"})
    assert response.status_code == 200
    assert "Surrey meeting" in response.content.decode()


def test_event_page_shows_uk_time_and_links_its_ics(client, make_event):
    event = make_event("Frome meeting", 3, region="south-west", town="Frome")
    html = client.get(event.url).content.decode()
    assert "(UK time, Europe/London)" in html
    assert reverse("event_ics", args=[event.pk]) in html
    local = timezone.localtime(event.start, timezone=ZoneInfo("Europe/London"))
    assert local.isoformat() in html


def test_event_ics_is_a_valid_calendar_with_the_event(client, make_event):
    event = make_event(
        "Frome meeting", 3, region="south-west", town="Frome", venue="Cheese and Grain"
    )
    response = client.get(reverse("event_ics", args=[event.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Frome meeting"
    assert vevent.decoded("DTSTART") == event.start.replace(microsecond=0)
    assert "Cheese and Grain, Frome" in str(vevent["LOCATION"])
    assert str(vevent["URL"]).endswith(event.url)
    assert str(vevent["UID"]).startswith(f"event-{event.pk}@")


def test_ics_of_a_draft_event_is_not_found(client, make_event):
    event = make_event("Secret", 3)
    event.unpublish()
    assert client.get(reverse("event_ics", args=[event.pk])).status_code == 404


def test_calendar_feed_lists_only_upcoming_events(client, make_event):
    make_event("Lancaster meeting", 10, region="north-west")
    make_event("Wealden meeting", -10, region="south-east")
    response = client.get(reverse("upcoming_events_ics"))
    calendar = Calendar.from_ical(response.content)
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert summaries == ["Lancaster meeting"]
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/London"


def test_home_page_shows_latest_posts_and_upcoming_events(client, home, make_post, make_event):
    make_post("Fresh news")
    make_event("Soon in Surrey", 7, region="south-east")
    make_event("Long gone", -7)
    html = client.get(home.url).content.decode()
    assert "Fresh news" in html
    assert "Soon in Surrey" in html
    assert "Long gone" not in html


def test_event_cannot_end_before_it_starts(event_index):
    start = timezone.now()
    event = EventPage(
        title="Backwards",
        slug="backwards",
        start=start,
        end=start - datetime.timedelta(hours=1),
        summary="S",
        region="london",
        organiser="Us",
    )
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert "end" in error.value.message_dict


def test_event_index_query_count_does_not_grow_with_events(client, event_index, make_event):
    for number in range(2):
        make_event(f"Upcoming {number}", 5 + number)
        make_event(f"Past {number}", -5 - number)
    few, _ = count_queries(client, event_index.url)
    for number in range(2, 20):
        make_event(f"Upcoming {number}", 5 + number)
        make_event(f"Past {number}", -5 - number)
    many, response = count_queries(client, event_index.url)
    assert "Upcoming 19" in response.content.decode()
    assert many == few


def test_home_page_query_count_does_not_grow_with_posts_and_events(
    client, home, make_post, make_event
):
    make_post("Post 0")
    make_event("Event 0", 3)
    few, _ = count_queries(client, home.url)
    for number in range(1, 10):
        make_post(f"Post {number}")
        make_event(f"Event {number}", 3 + number)
    many, _ = count_queries(client, home.url)
    assert many == few
