"""What meetings tell people, in the transaction of each publication.

A meeting published for the first time is news for the followers of its constituency and
its region. Published again with a new time or place, or cancelled, it is news for those
booked (signed in) and for those followers. A cancellation's email stays
`meetings.notifications`', so those booked are not emailed twice.
"""

import hashlib
from datetime import UTC, datetime

from django.utils import timezone
from wagtail import hooks

from meetings.models import Booking, MeetingPage
from notifications.activity import HOOK as ACTIVITY_HOOK
from notifications.activity import Item, Section
from notifications.following import followers_of_any, region_target
from notifications.kinds import Kind
from notifications.notify import notify

# What makes a published meeting news again: when, where, and whether it happens at all.
NEWS_FIELDS = ("start", "end", "venue", "online_link", "cancelled")


def _when(meeting: MeetingPage) -> str:
    return timezone.localtime(meeting.start).strftime("%-d %B %Y, %H:%M")


def _news_values(meeting: MeetingPage) -> str:
    """The news fields as words, times to the minute (a revision keeps milliseconds only)."""

    def word(value):
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat(timespec="minutes")
        return str(value)

    return "|".join(word(getattr(meeting, name)) for name in NEWS_FIELDS)


def _fingerprint(meeting: MeetingPage) -> str:
    """The news fields in a few characters: the same change published twice is told once."""
    return hashlib.sha256(_news_values(meeting).encode()).hexdigest()[:16]


def meeting_published(meeting: MeetingPage, revision=None) -> None:
    place = meeting.constituency
    followers = followers_of_any([place, region_target(place.region)])
    if meeting.first_published_at == meeting.last_published_at:
        notify(
            followers,
            kind=Kind.MEETING,
            key=f"meeting-announced:{meeting.pk}",
            summary=f"A meeting in {place.name} on {_when(meeting)}: {meeting.title}",
            url=meeting.url or "",
            exclude=[meeting.proposed_by_id],
        )
        return
    # The revision before this one: what people last saw, unless drafts came between.
    previous = (
        meeting.revisions.exclude(pk=getattr(revision, "pk", None))
        .order_by("-created_at", "-pk")
        .first()
    )
    before = previous.as_object() if previous is not None else None
    if before is not None and _news_values(before) == _news_values(meeting):
        return
    booked = Booking.objects.active().filter(meeting=meeting, user__isnull=False)
    recipients = followers | set(booked.values_list("user_id", flat=True))
    summary = (
        f"Cancelled: {meeting.title} ({place.name}, {_when(meeting)})"
        if meeting.cancelled
        else f"Changed: {meeting.title} is now on {_when(meeting)}"
        + (f" at {meeting.venue}" if meeting.venue else "")
    )
    notify(
        recipients,
        kind=Kind.MEETING,
        key=f"meeting-changed:{meeting.pk}:{_fingerprint(meeting)}",
        summary=summary,
        url=meeting.url or "",
    )


@hooks.register(ACTIVITY_HOOK)
def meetings_activity(user) -> Section:
    """Meetings you booked, soonest first, then the past (one query)."""
    bookings = (
        Booking.objects.filter(user=user)
        .select_related("meeting")
        .order_by("-meeting__start", "-pk")[:20]
    )
    return Section(
        "Your meetings",
        [
            Item(
                booking.meeting.title,
                booking.meeting.url or "",
                f"{_when(booking.meeting)}: {booking.get_status_display().lower()}",
            )
            for booking in bookings
        ],
        empty="You have not booked a place at a meeting yet.",
        order=50,
    )
