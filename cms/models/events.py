"""Events: local meetings and online sessions, listed upcoming and past, with calendars.

Times are stored as aware datetimes (UTC in the database) and shown in UK time
(Europe/London), which the templates say next to each time.
"""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.search import index

from cms.blocks import BodyBlock
from cms.models.pages import BasePage
from cms.regions import EVENT_REGION_CHOICES

DISPLAY_TIME_ZONE = "Europe/London"
PAST_EVENTS_PER_PAGE = 10


# What an event summary (cms/includes/event_summary.html) shows.
EVENT_SUMMARY_FIELDS = ("start", "end", "summary", "venue", "town", "online_link", "region")


def with_finish(queryset):
    """Annotate `finishes_at`: the end time, or the start when no end is given."""
    return queryset.annotate(finishes_at=Coalesce("end", "start"))


class EventIndexPage(BasePage):
    """Upcoming events soonest first, past events latest first, filterable by region."""

    query_params = ("region", "page")  # what keys the page cache (cms.cache)
    search_listing = True  # search shows it after the pages it lists (cms.search)

    introduction = models.TextField(blank=True, help_text="A line or two above the listings.")

    content_panels = [*BasePage.content_panels, FieldPanel("introduction")]
    search_fields = [*BasePage.search_fields, index.SearchField("introduction")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.EventPage"]

    class Meta:
        verbose_name = "event index"

    def events(self, region: str = ""):
        events = with_finish(EventPage.objects.child_of(self).live().public().defer_streamfields())
        if region:
            events = events.filter(region=region)
        return events

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        region = request.GET.get("region", "")
        if region not in dict(EVENT_REGION_CHOICES):
            region = ""
        number = request.GET.get("page", "")
        now = timezone.now()
        context["region"] = region
        context["regions"] = EVENT_REGION_CHOICES
        # Read only when the listings are rendered, not when they come from the part cache.
        context["upcoming_events"] = SimpleLazyObject(
            lambda: list(self.events(region).filter(finishes_at__gte=now).order_by("start", "pk"))
        )
        context["past_events"] = SimpleLazyObject(
            lambda: Paginator(
                self.events(region).filter(finishes_at__lt=now).order_by("-start", "-pk"),
                PAST_EVENTS_PER_PAGE,
            ).get_page(number)
        )
        # One shared part per region and page of past events, for a minute (events pass);
        # any other query renders afresh (the pagination links repeat the query).
        if (
            set(request.GET) <= {"region", "page"}
            and request.GET.get("region", "") == region
            and (number.isdigit() or not number)
            and len(number) < 6
        ):
            context["listing_part"] = f"events:{region or 'all'}:{number or 1}"
        return context


class EventPage(BasePage):
    """One event: when (UK time), where (venue, town, region) or online, who runs it."""

    start = models.DateTimeField(help_text="UK time (Europe/London).")
    end = models.DateTimeField(null=True, blank=True, help_text="Optional. UK time.")
    summary = models.TextField(help_text="One or two sentences for listings and calendars.")
    venue = models.CharField(max_length=200, blank=True, help_text="Building and street.")
    town = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=20, choices=EVENT_REGION_CHOICES)
    online_link = models.URLField(
        blank=True, help_text="Optional: where to join online (video call or live stream)."
    )
    organiser = models.CharField(
        max_length=120, help_text="Who runs it, e.g. 'Frome Progressive Alliance'."
    )
    body = StreamField(BodyBlock(), blank=True)

    content_panels = [
        *BasePage.content_panels,
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("start"), FieldPanel("end")])], heading="When (UK time)"
        ),
        MultiFieldPanel(
            [
                FieldPanel("venue"),
                FieldRowPanel([FieldPanel("town"), FieldPanel("region")]),
                FieldPanel("online_link"),
            ],
            heading="Where",
        ),
        FieldPanel("organiser"),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("summary"),
        index.SearchField("venue"),
        index.SearchField("town"),
        index.SearchField("organiser"),
        index.SearchField("body"),
        index.FilterField("start"),
        index.FilterField("region"),
    ]
    parent_page_types = ["cms.EventIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "event"

    def clean(self):
        super().clean()
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "The end must be after the start."})

    @property
    def finishes(self):
        return self.end or self.start

    @property
    def is_past(self) -> bool:
        return self.finishes < timezone.now()

    @property
    def place(self) -> str:
        """Venue and town as one line, or 'Online'."""
        parts = [part for part in (self.venue, self.town) if part]
        return ", ".join(parts) or ("Online" if self.online_link else "")
