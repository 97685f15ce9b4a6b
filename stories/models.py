"""Stories of local alliances: the places they happened, the story pages and the library.

A story sent in by the public becomes a draft `StoryPage` under the `StoriesIndexPage`,
submitted to the "Story review" workflow; only an approval publishes it. The index is a
routable page that also serves the submission form, the thanks page, "alliances at a
glance" and the Atom feed, so all of them live under the editor-chosen index URL.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import (
    FieldPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.forms import TaskStateCommentForm
from wagtail.models import AbstractGroupApprovalTask, Orderable, Page
from wagtail.search import index

from cms.models.pages import BasePage
from cms.regions import Region
from stories import text


class PlaceKind(models.TextChoices):
    CONSTITUENCY = "constituency", "Westminster constituency"
    COUNCIL = "council", "Council"
    DEVOLVED = "devolved", "Devolved seat"


class Arrangement(models.TextChoices):
    STAND_ASIDE = "stand-aside", "Stand-aside"
    ENDORSEMENT = "endorsement", "Endorsement"
    TACTICAL = "tactical", "Tactical campaigning"
    JOINT_CANDIDATE = "joint-candidate", "Joint candidate"
    COUNCIL_COALITION = "council-coalition", "Council coalition"
    OTHER = "other", "Other"


class Outcome(models.TextChoices):
    WON = "won", "Won"
    LOST = "lost", "Lost"
    ONGOING = "ongoing", "Ongoing"
    NOT_AN_ELECTION = "not-an-election", "Not an election"


class ReviewDecision(models.TextChoices):
    NONE = "", "Not yet reviewed"
    CHANGES_REQUESTED = "changes-requested", "Changes requested"
    DECLINED = "declined", "Declined"
    APPROVED = "approved", "Approved"


class Place(models.Model):
    """A constituency, council area or devolved seat a story can be about (editor-managed)."""

    name = models.CharField(max_length=120, help_text="As people know it, e.g. 'Frome'.")
    slug = models.SlugField(max_length=140, unique=True, help_text="Used in filter addresses.")
    region = models.CharField(max_length=20, choices=Region.choices, db_index=True)
    kind = models.CharField(max_length=20, choices=PlaceKind.choices)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("region"), FieldPanel("kind")]

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "kind"], name="stories_place_unique_name_kind")
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display().lower()})"


@register_setting(icon="doc-full")
class StorySettings(BaseSiteSetting):
    """What editors decide about public story submissions."""

    allow_anonymous_submissions = models.BooleanField(
        default=False,
        help_text=(
            "Let people without an account send a story, giving only an email address. "
            "When off, only signed-in supporters with a verified email can."
        ),
    )
    submission_intro = models.TextField(
        blank=True,
        default=(
            "Tell other local groups how your alliance came together and what came of it. "
            "An editor reads every story before it is published."
        ),
        help_text="Shown above the submission form.",
    )

    panels = [FieldPanel("allow_anonymous_submissions"), FieldPanel("submission_intro")]

    class Meta:
        verbose_name = "stories"


# Sub-page routes of the stories index; a story with one of these slugs would be hidden.
RESERVED_SLUGS = {"share", "at-a-glance", "feed"}
# The story form's sub-route (its request body may be larger: is_story_form_path).
SUBMIT_ROUTE = "share/"


def is_story_form_path(path: str) -> bool:
    """Whether `path` is the story form's address: a live stories index's "share/" route.

    The request body limit asks (cms.security): only the form's own address may receive
    photos, not any path that happens to end in "share/". Only such paths cost a query.
    """
    if not path.endswith("/" + SUBMIT_ROUTE):
        return False
    index_path = path.removesuffix(SUBMIT_ROUTE)
    for stories_index in StoriesIndexPage.objects.live():
        parts = stories_index.get_url_parts()
        if parts and parts[2] == index_path:
            return True
    return False


# The renditions a story card shows (one size and its double for sharp screens), 16:9.
CARD_PHOTO_FILTERS = ("fill-400x225-c100", "fill-800x450-c100")


def with_card_photos(queryset):
    """Stories with their photos, images and card renditions loaded: three queries in all.

    Each story gets `card_photos` (its photos in order); a card shows the first.
    """
    from wagtail.images import get_image_model

    images = get_image_model().objects.prefetch_renditions(*CARD_PHOTO_FILTERS)
    photos = StoryPhoto.objects.order_by("sort_order", "pk").prefetch_related(
        models.Prefetch("image", queryset=images)
    )
    return queryset.prefetch_related(models.Prefetch("photos", photos, to_attr="card_photos"))


def latest_stories(count: int = 3):
    """The newest live public stories with what their cards show (place, parties, photo)."""
    from cms.models import Party

    stories = (
        StoryPage.objects.live()
        .public()
        .select_related("place")
        .prefetch_related(
            models.Prefetch("parties", queryset=Party.objects.order_by("sort_order", "name"))
        )
        .order_by("-first_published_at", "-pk")
    )
    return with_card_photos(stories)[:count]


class StoriesIndexPage(RoutablePageMixin, BasePage):
    """The library of published stories, with the submission form and summaries as sub-pages."""

    # What keys the page cache (cms.cache): the library's search, filters and page number.
    query_params = ("q", "region", "place", "party", "arrangement", "outcome", "year", "page")
    search_listing = True  # search shows it after the pages it lists (cms.search)

    introduction = models.TextField(blank=True, help_text="A sentence or two above the library.")

    content_panels = [*Page.content_panels, FieldPanel("introduction")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["stories.StoryPage"]
    max_count = 1

    class Meta:
        verbose_name = "stories index"

    def published_stories(self):
        return StoryPage.objects.child_of(self).live().public()

    @path("")
    def library(self, request):
        from stories.views import story_library

        return story_library(request, self)

    @path(SUBMIT_ROUTE)
    def submit(self, request):
        from stories.views import submit_story

        return submit_story(request, self)

    @path("share/thanks/")
    def thanks(self, request):
        reference = request.session.get("stories_last_reference")
        if not reference:
            return redirect(self.url + self.reverse_subpage("submit"))
        response = TemplateResponse(
            request, "stories/thanks.html", {"page": self, "reference": reference}
        )
        add_never_cache_headers(response)  # it shows this visitor's own reference
        return response

    @path("at-a-glance/")
    def at_a_glance(self, request):
        from stories.views import alliances_at_a_glance

        return alliances_at_a_glance(request, self)

    @path("feed/")
    def feed(self, request):
        from stories.feeds import NewStoriesFeed

        return NewStoriesFeed(self)(request)


class StoryPage(BasePage):
    """One local alliance's story, sent in by the public or written by an editor."""

    group_name = models.CharField(
        max_length=120, help_text="The local group or alliance that tells the story."
    )
    place = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        related_name="stories",
        help_text="The constituency, council area or devolved seat.",
    )
    constituency = models.ForeignKey(
        "cms.Constituency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stories",
        help_text="The Westminster constituency, if any: the story shows on its page.",
    )
    region = models.CharField(
        max_length=20,
        choices=Region.choices,
        editable=False,
        db_index=True,
        help_text="Copied from the place when saved, so listings can filter and count by it.",
    )
    parties = ParentalManyToManyField(
        "cms.Party", related_name="stories", help_text="The parties involved."
    )
    arrangement = models.CharField(max_length=20, choices=Arrangement.choices, db_index=True)
    election = models.CharField(
        max_length=120,
        blank=True,
        help_text="Which election, e.g. '2019 general election' or '2023 district elections'.",
    )
    year = models.PositiveSmallIntegerField(db_index=True, help_text="The year it happened.")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, db_index=True)
    body = models.TextField(
        help_text=(
            "The story as plain paragraphs separated by blank lines. No HTML: web "
            "addresses become links by themselves."
        )
    )

    # Review information: never shown in public.
    reference = models.CharField(
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        help_text="Quoted to the person who sent the story in.",
    )
    contact_email = models.EmailField(
        blank=True, help_text="Never published. Used to tell the sender about the review."
    )
    consent_to_publish = models.BooleanField(
        default=False, help_text="The sender agreed to publication on this site."
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submitted_stories",
        help_text="The signed-in person who sent it (empty for anonymous senders).",
    )
    review_decision = models.CharField(
        max_length=20,
        choices=ReviewDecision.choices,
        blank=True,
        default="",
        editable=False,
        help_text="The last decision in review; the sender is emailed about each one.",
    )
    link_count = models.PositiveSmallIntegerField(default=0, editable=False)
    has_many_links = models.BooleanField(
        default=False,
        editable=False,
        help_text="Flag for editors: the text contains many links (often a sign of spam).",
    )
    fingerprint = models.CharField(
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="Hash of the normalised text: the same story cannot be sent twice.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("group_name"),
        MultiFieldPanel(
            [
                FieldPanel("place"),
                FieldPanel("constituency"),
                FieldPanel("parties", widget=forms.CheckboxSelectMultiple),
                FieldPanel("arrangement"),
                FieldPanel("election"),
                FieldPanel("year"),
                FieldPanel("outcome"),
            ],
            heading="Facts",
        ),
        FieldPanel("body"),
        InlinePanel("photos", label="Photos", max_num=5),
    ]
    review_panels = [
        FieldPanel("reference", read_only=True),
        FieldPanel("review_decision", read_only=True),
        FieldPanel("submitted_by", read_only=True),
        FieldPanel("contact_email"),
        FieldPanel("consent_to_publish"),
        FieldPanel("has_many_links", read_only=True),
        FieldPanel("link_count", read_only=True),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading="Story"),
            ObjectList(review_panels, heading="Review"),
            ObjectList(BasePage.promote_panels, heading="Promote"),
        ]
    )

    search_fields = [
        *Page.search_fields,
        index.SearchField("group_name"),
        index.SearchField("body"),
        index.SearchField("election"),
        index.RelatedFields("place", [index.SearchField("name")]),
        index.FilterField("arrangement"),
        index.FilterField("outcome"),
        index.FilterField("year"),
        index.FilterField("region"),
    ]

    parent_page_types = ["stories.StoriesIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "story"
        verbose_name_plural = "stories"

    def clean(self):
        super().clean()
        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": "This address is used by the stories index itself."})
        self.set_derived_fields()
        if (
            self.fingerprint
            and StoryPage.objects.filter(fingerprint=self.fingerprint).exclude(pk=self.pk).exists()
        ):
            raise ValidationError({"body": "Another story already has this text."})

    def save(self, *args, **kwargs):
        self.set_derived_fields()
        return super().save(*args, **kwargs)

    def set_derived_fields(self):
        """Region from the place; link count, flag and fingerprint from the text."""
        if self.place_id:
            self.region = self.place.region
        self.link_count = min(text.count_links(self.body), 32767)
        self.has_many_links = self.link_count >= settings.STORIES_MANY_LINKS_THRESHOLD
        self.fingerprint = text.fingerprint(self.body) or None

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["related"] = SimpleLazyObject(self.related_stories)  # unread when cached
        return context

    def related_stories(self) -> dict:
        """A few other published stories from the same region and with the same arrangement."""
        others = (
            StoryPage.objects.live()
            .public()
            .exclude(pk=self.pk)
            .select_related("place")
            .order_by("-first_published_at")
        )
        return {
            "region": list(others.filter(region=self.region)[:3]),
            "arrangement": list(others.filter(arrangement=self.arrangement)[:3]),
        }


class StoryPhoto(Orderable):
    """A photo with a story; the image file had its metadata removed on upload."""

    page = ParentalKey(StoryPage, on_delete=models.CASCADE, related_name="photos")
    image = models.ForeignKey("wagtailimages.Image", on_delete=models.CASCADE, related_name="+")
    caption = models.CharField(max_length=200, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]


class DeclineForm(TaskStateCommentForm):
    """Declining needs a reason: it is sent to the person who sent the story."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = True
        self.fields["comment"].label = "Reason (sent to the sender)"


class StoryReviewTask(AbstractGroupApprovalTask):
    """Group approval with a third choice for stories: decline, with a reason for the sender.

    "Request changes" (Wagtail's reject) asks the sender for changes; "Decline" also ends the
    review, but tells the sender the story will not be published. Either way the workflow
    stops and the page stays a draft; the decision is recorded on the story so the
    notification can say which it was.
    """

    DECLINE = "decline"

    def get_actions(self, obj, user):
        actions = super().get_actions(obj, user)
        if actions:
            actions = [*actions, (self.DECLINE, "Decline with a reason", True)]
        return actions

    def get_form_for_action(self, action):
        if action == self.DECLINE:
            return DeclineForm
        return super().get_form_for_action(action)

    def on_action(self, task_state, user, action_name, **kwargs):
        decisions = {
            "approve": ReviewDecision.APPROVED,
            "reject": ReviewDecision.CHANGES_REQUESTED,
            self.DECLINE: ReviewDecision.DECLINED,
        }
        if action_name in decisions:
            StoryPage.objects.filter(pk=task_state.workflow_state.object_id).update(
                review_decision=decisions[action_name]
            )
        if action_name == self.DECLINE:
            task_state.reject(user=user, **kwargs)
            return None
        return super().on_action(task_state, user, action_name, **kwargs)

    @classmethod
    def get_description(cls):
        return "Members of the chosen groups approve, request changes to, or decline a story."

    class Meta:
        verbose_name = "story review task"


def facet_counts(queryset, field: str) -> dict:
    """{value: number of stories} for one field, in one aggregate query."""
    rows = queryset.order_by().values(field).annotate(total=Count("pk", distinct=True))
    return {row[field]: row["total"] for row in rows if row[field] is not None}
