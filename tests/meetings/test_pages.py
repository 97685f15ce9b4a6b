"""Testing the meetings index, the meeting page, the place listing and the demo meetings."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from cms.models import Constituency
from cms.places import place_listings, registered_place_listings
from meetings import bookings
from meetings.models import MeetingPage
from tests.conftest import make_user
from tests.support.demo_snapshot import load_demo_content

pytestmark = pytest.mark.django_db


def test_the_index_lists_upcoming_meetings_only_with_their_counts(
    client, meeting_index, make_meeting
):
    soon = make_meeting(title="Soon in Frome")
    bookings.book_signed_in(soon, make_user("a@example.com"))
    make_meeting(title="Already over", start=timezone.now() - timedelta(days=2))
    make_meeting(title="Called off", cancelled=True)
    make_meeting(title="Not yet approved", publish=False)
    html = client.get(meeting_index.url).content.decode()
    assert "Soon in Frome" in html
    assert "1 of 10 places taken" in html
    for hidden in ("Already over", "Called off", "Not yet approved"):
        assert hidden not in html


def test_the_index_filters_by_region_and_constituency_in_the_address(
    client, meeting_index, make_meeting
):
    make_meeting(title="In Frome")
    make_meeting(title="In Glasgow", constituency=Constituency.objects.get(name="Glasgow East"))
    html = client.get(meeting_index.url + "?region=scotland").content.decode()
    assert "In Glasgow" in html and "In Frome" not in html
    html = client.get(meeting_index.url + "?constituency=frome-and-east-somerset").content.decode()
    assert "In Frome" in html and "In Glasgow" not in html
    assert "Meetings in Frome and East Somerset" in html
    # Nonsense in the address is ignored, never a 500.
    response = client.get(meeting_index.url + "?region=%00nowhere&constituency=" + "x" * 500)
    assert response.status_code == 200
    assert "In Frome" in response.content.decode()


def test_the_index_says_so_when_there_are_no_meetings(client, meeting_index):
    html = client.get(meeting_index.url + "?region=wales").content.decode()
    assert "No upcoming meetings here yet." in html
    assert 'href="/meetings/propose/"' in html


def test_a_place_page_lists_the_upcoming_meetings_there(make_meeting, frome):
    make_meeting(title="Frome meeting")
    make_meeting(
        title="Cardiff meeting", constituency=Constituency.objects.get(name="Cardiff North")
    )
    assert "meetings" in registered_place_listings()
    [listing] = [item for item in place_listings([frome]) if item.heading == "Meetings"]
    assert [meeting.title for meeting in listing.items] == ["Frome meeting"]
    html = render_to_string(listing.template, {"listing": listing})
    assert "Frome meeting" in html and "0 of 10 places taken" in html
    empty = [item for item in place_listings([]) if item.heading == "Meetings"][0]
    assert "No meetings planned here yet" in render_to_string(empty.template, {"listing": empty})


def test_an_online_meeting_keeps_its_link_for_those_booked(client, make_meeting):
    meeting = make_meeting(venue="", online_link="https://meet.example.org/secret-room")
    html = client.get(meeting.url).content.decode()
    assert "Online (the link is emailed to those with a place)" in html
    assert "secret-room" not in html


def test_the_demo_has_meetings_and_the_footer_offers_to_host_one(client):
    load_demo_content()
    assert MeetingPage.objects.live().count() >= 3
    html = client.get("/meetings/").content.decode()
    assert "Frome: a market town evening" in html
    footer = html.split('class="site-footer"', 1)[1]
    assert '<a href="/meetings/propose/">Host a local meeting</a>' in footer
    full = MeetingPage.objects.get(slug="lancaster-listening-circle")
    assert full.counts() == {"confirmed": 2, "waiting": 1, "free": 0}


def test_the_constituency_page_and_the_map_show_where_meetings_are(client, meeting, frome, home):
    from local.models import ConstituencyIndexPage

    home.add_child(instance=ConstituencyIndexPage(title="Constituencies", slug="constituencies"))
    html = client.get(f"/constituencies/{frome.slug}/").content.decode()
    assert meeting.title in html
    html = client.get("/constituencies/map/?show=meetings").content.decode()
    assert f'aria-label="{frome.name}: 1 upcoming meeting"' in html
