"""Demo meetings: the meetings index and a few meetings around the UK, one of them full.

Idempotent: the index and each meeting are found by slug and created only if missing.
Dates are computed from "now" on the first run only.
"""

from datetime import timedelta

from django.utils import timezone

from cms.demo.people import demo_user
from cms.demo.site import add_footer_link, add_menu_link
from cms.models import Constituency, FooterLink
from meetings import bookings
from meetings.models import MeetingIndexPage, MeetingPage

PROPOSE_URL = "/meetings/propose/"

MEETINGS = [
    {
        "slug": "frome-market-town-evening",
        "title": "Frome: a market town evening on working together",
        "days": 9,
        "hour": 19,
        "venue": "The Cheese and Grain, Market Yard, Frome BA11 1BE",
        "accessibility": "Step-free entrance and accessible toilets; hearing loop in the hall.",
        "capacity": 40,
        "constituency": "Frome and East Somerset",
        "summary": "Small tables, one question each: what could we do together at the next "
        "election? Everyone speaks, nobody gives a speech.",
    },
    {
        "slug": "lancaster-listening-circle",
        "title": "Lancaster listening circle",
        "days": 16,
        "hour": 18,
        "venue": "Friends Meeting House, Meeting House Lane, Lancaster LA1 1TX",
        "accessibility": "Ramp at the side door; quiet room available.",
        "capacity": 2,
        "constituency": "Lancaster and Wyre",
        "summary": "A small circle for people from different parties to listen to each other.",
        "booked": 3,
    },
    {
        "slug": "online-cardiff-north-planning-call",
        "title": "Cardiff North planning call (online)",
        "days": 5,
        "hour": 20,
        "venue": "",
        "online_link": "https://meet.example.org/cardiff-north",
        "capacity": 100,
        "constituency": "Cardiff North",
        "summary": "An hour online to plan leafleting together. Captions on.",
    },
]


def load(home):
    index = load_index(home)
    for spec in MEETINGS:
        load_meeting(index, spec)
    add_menu_link("Meetings", page=index, sort_order=45)
    add_footer_link("Host a local meeting", url=PROPOSE_URL, sort_order=20)
    # Older demos linked the footer to the campaign page: point it at the proposal form.
    FooterLink.objects.filter(label="Host a local meeting").exclude(url=PROPOSE_URL).update(
        page=None, url=PROPOSE_URL
    )


def load_index(home) -> MeetingIndexPage:
    index = MeetingIndexPage.objects.child_of(home).first()
    if index is None:
        index = MeetingIndexPage(
            title="Meetings",
            slug="meetings",
            introduction="Meetings run by local people, in market towns and cities, online "
            "and in person. Book a place, or host one yourself.",
        )
        home.add_child(instance=index)
        index.save_revision().publish()
    return index


def load_meeting(index, spec) -> MeetingPage:
    existing = MeetingPage.objects.child_of(index).filter(slug=spec["slug"]).first()
    if existing:
        return existing
    day = timezone.localtime() + timedelta(days=spec["days"])
    start = day.replace(hour=spec["hour"], minute=0, second=0, microsecond=0)
    meeting = MeetingPage(
        slug=spec["slug"],
        title=spec["title"],
        start=start,
        end=start + timedelta(hours=2),
        venue=spec["venue"],
        accessibility=spec.get("accessibility", ""),
        online_link=spec.get("online_link", ""),
        capacity=spec["capacity"],
        constituency=Constituency.objects.get(name=spec["constituency"]),
        summary=spec["summary"],
    )
    index.add_child(instance=meeting)
    meeting.save_revision().publish()
    for number in range(spec.get("booked", 0)):
        person = demo_user(f"booker{number + 1}@alliancehub.example", f"Booker {number + 1}")
        bookings.book_signed_in(meeting, person)
    return meeting
