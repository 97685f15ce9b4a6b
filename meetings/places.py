"""The meetings' section on a constituency's or a group's page (see cms.places)."""

from django.db.models import Count
from django.urls import reverse

from cms.places import PlaceListing
from meetings.models import upcoming_meetings, with_counts

MAX_LISTED = 10


def upcoming_meetings_in(constituencies: list) -> PlaceListing:
    meetings = with_counts(upcoming_meetings().filter(constituency__in=constituencies))
    return PlaceListing(
        heading="Meetings",
        items=list(meetings[:MAX_LISTED]),
        template="meetings/includes/place_listing.html",
        empty_text="No meetings planned here yet. Why not host one?",
        more_url=reverse("meetings_propose"),
    )


def count_upcoming_meetings() -> dict[int, int]:
    """Upcoming meetings per constituency id, for the map's "where meetings are"."""
    rows = upcoming_meetings().values("constituency_id").annotate(n=Count("pk")).order_by()
    return {row["constituency_id"]: row["n"] for row in rows}
