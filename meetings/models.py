"""Meetings run by local people, and the places booked on them.

A meeting is a Wagtail page under a local group (`local.LocalGroupPage`) or under the
meetings index (for meetings without a group). Bookings are rows, never a counter: how
many places are taken is always counted from the confirmed bookings, under a lock on the
meeting's row when it matters (see meetings.bookings).
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.search import index

from cms.models import Constituency
from cms.models.pages import BasePage
from cms.regions import Region
from meetings import tokens

GROUP_PAGE_MODEL = "local.LocalGroupPage"


SLUG = re.compile(r"[-a-z0-9]{1,80}")


class MeetingIndexPage(BasePage):
    """ "Meetings": every upcoming meeting, anywhere, filtered by region or constituency."""

    search_listing = True
    query_params = ("region", "constituency")
    # The list shows live counts of places: a shared copy lives only briefly.
    page_cache_seconds = 10

    introduction = models.TextField(blank=True, help_text="A line or two above the list.")

    content_panels = [*BasePage.content_panels, FieldPanel("introduction")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["meetings.MeetingPage"]
    max_count = 1

    class Meta:
        verbose_name = "meeting index"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        meetings = upcoming_meetings()
        region = request.GET.get("region", "")
        if region in Region.values:
            meetings = meetings.filter(constituency__region=region)
        else:
            region = ""
        slug = request.GET.get("constituency", "")
        # Only a slug can name a constituency: anything else (a NUL byte, 100k characters)
        # is no filter at all, and never reaches the database.
        constituency = (
            Constituency.objects.filter(slug=slug).first() if SLUG.fullmatch(slug) else None
        )
        if constituency is not None:
            meetings = meetings.filter(constituency=constituency)
        context.update(
            meetings=with_counts(meetings),
            regions=Region.choices,
            chosen_region=region,
            chosen_constituency=constituency,
        )
        return context


class MeetingPage(BasePage):
    """One meeting: when, where (or online), how many places, in which constituency."""

    # The public counts change with every booking: keep a cached copy only briefly.
    page_cache_seconds = 10

    start = models.DateTimeField(help_text="When the meeting starts (UK time).")
    end = models.DateTimeField(help_text="When the meeting ends (UK time).")
    venue = models.CharField(
        max_length=255,
        blank=True,
        help_text="The address of the venue; leave empty for an online meeting.",
    )
    accessibility = models.TextField(
        blank=True,
        help_text="Step-free access, hearing loop, toilets, parking, quiet room…",
    )
    online_link = models.URLField(
        blank=True, help_text="The link to join an online meeting (sent to those booked)."
    )
    capacity = models.PositiveIntegerField(help_text="How many places there are.")
    constituency = models.ForeignKey(
        "cms.Constituency",
        on_delete=models.PROTECT,
        related_name="meetings",
        help_text="The constituency the meeting is in, or for.",
    )
    summary = models.TextField(help_text="What the meeting is about and how it will run.")
    cancelled = models.BooleanField(
        default=False,
        help_text="Tick and publish to cancel: everyone booked is told by email, once.",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposed_meetings",
        help_text="The supporter who proposed the meeting; never shown in public.",
    )

    content_panels = [
        *BasePage.content_panels,
        FieldRowPanel([FieldPanel("start"), FieldPanel("end")]),
        MultiFieldPanel(
            [FieldPanel("venue"), FieldPanel("accessibility"), FieldPanel("online_link")],
            heading="Where",
        ),
        FieldPanel("capacity"),
        FieldPanel("constituency"),
        FieldPanel("summary"),
        FieldPanel("cancelled"),
    ]
    search_fields = [*BasePage.search_fields, index.SearchField("summary")]
    parent_page_types = [GROUP_PAGE_MODEL, "meetings.MeetingIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "meeting"

    @classmethod
    def upcoming_q(cls, now=None):
        return Q(end__gte=now or timezone.now(), cancelled=False)

    def clean(self):
        super().clean()
        errors = {}
        if self.start and self.end and self.end <= self.start:
            errors["end"] = "The meeting must end after it starts."
        if not self.venue and not self.online_link:
            errors["venue"] = "Give a venue, or an online link."
        if errors:
            raise ValidationError(errors)

    @property
    def is_past(self) -> bool:
        return self.start <= timezone.now()

    @property
    def is_online(self) -> bool:
        return not self.venue

    @property
    def open_for_booking(self) -> bool:
        """Bookable: published, not cancelled, not started yet."""
        return self.live and not self.cancelled and not self.is_past

    def group(self):
        """The local group this meeting belongs to, or None for a meeting without a group."""
        parent = self.get_parent()
        if parent is None:
            return None
        parent = parent.specific
        return parent if parent._meta.label == GROUP_PAGE_MODEL else None

    def counts(self) -> dict:
        """Places taken and people waiting, counted from the bookings."""
        totals = self.bookings.aggregate(
            confirmed=Count("pk", filter=Q(status=Booking.Status.CONFIRMED)),
            waiting=Count("pk", filter=Q(status=Booking.Status.WAITING)),
        )
        totals["free"] = max(self.capacity - totals["confirmed"], 0)
        return totals

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["counts"] = self.counts()
        context["my_booking"] = None
        if request.user.is_authenticated:
            context["my_booking"] = (
                self.bookings.active().filter(email__iexact=request.user.email).first()
            )
        context["may_see_attendees"] = request.user.has_perm("meetings.see_attendees", self)
        booking = context["my_booking"]
        if booking and booking.status == Booking.Status.CONFIRMED and self.open_for_booking:
            context["calendar_token"] = tokens.make_token(booking, tokens.CALENDAR)
        return context


def upcoming_meetings():
    """Published, public meetings not yet over nor cancelled, soonest first."""
    return (
        MeetingPage.objects.live()
        .public()
        .filter(MeetingPage.upcoming_q())
        .select_related("constituency")
        .order_by("start", "pk")
    )


def with_counts(meetings):
    """Meetings annotated with their confirmed and waiting counts (one query for a list)."""
    return meetings.annotate(
        confirmed_count=Count("bookings", filter=Q(bookings__status=Booking.Status.CONFIRMED)),
        waiting_count=Count("bookings", filter=Q(bookings__status=Booking.Status.WAITING)),
    )


class BookingQuerySet(models.QuerySet):
    def active(self):
        """Bookings that hold or wait for a place (or wait for their email to be confirmed)."""
        return self.filter(status__in=Booking.ACTIVE)


class Booking(models.Model):
    """One person's place (or place in the queue) at one meeting.

    The waiting list is ordered by `queue_number`, given under the meeting's row lock
    when the booking is confirmed, so the order is the order the bookings arrived in.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for email confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        WAITING = "waiting", "On the waiting list"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE = (Status.PENDING, Status.CONFIRMED, Status.WAITING)

    meeting = models.ForeignKey(MeetingPage, on_delete=models.CASCADE, related_name="bookings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meeting_bookings",
    )
    name = models.CharField(max_length=120)
    email = models.EmailField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    queue_number = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    cancellation_notice_sent_at = models.DateTimeField(null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "queue_number", "pk"]
        constraints = [
            # One active booking per person per meeting: the database has the last word.
            models.UniqueConstraint(
                "meeting",
                models.functions.Lower("email"),
                condition=Q(status__in=["pending", "confirmed", "waiting"]),
                name="meetings_one_active_booking_per_email",
            ),
            models.UniqueConstraint(
                fields=["meeting", "queue_number"], name="meetings_unique_queue_number"
            ),
        ]

    def __str__(self):
        return f"{self.name} – {self.meeting.title} ({self.get_status_display()})"
