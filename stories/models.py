"""Stories of local alliances: the places they happened, the story pages and the library.

A story sent in by the public becomes a draft `StoryPage` under the `StoriesIndexPage`,
submitted to the "Story review" workflow; only an approval publishes it. The index is a
routable page that also serves the submission form, the thanks page, "alliances at a
glance" and the Atom feed, so all of them live under the editor-chosen index URL.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Count
from django.utils.functional import SimpleLazyObject
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import (
    FieldPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.forms import TaskStateCommentForm
from wagtail.models import AbstractGroupApprovalTask, Orderable, Page, Site
from wagtail.search import index

from cms.models.pages import BasePage
from cms.regions import Region
from cms.subpages import RouteTableMixin
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


# What no editor may raise a photo limit past: the request body cap for the story form
# (STORY_UPLOAD_MAX_BYTES, an environment variable) and the image decoder's own limits.
MOST_PHOTOS = 10
LARGEST_PHOTO_BYTES = 20 * 1024 * 1024
LARGEST_PHOTO_SIDE = 10_000
# Room kept in the story form's request for its text fields, beside the photos.
FORM_TEXT_BYTES = 1024 * 1024
RATE = RegexValidator(
    r"^[1-9][0-9]*/[0-9]*[smhd]$",
    "Write a number of stories and a period, e.g. 5/h (five an hour) or 20/d (twenty a day).",
)


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

    submit_rate_per_ip = models.CharField(
        max_length=20,
        default="5/h",
        validators=[RATE],
        help_text="Most stories sent from one address (IP), e.g. 5/h: five an hour "
        "(s, m, h or d: a second, minute, hour or day).",
    )
    submit_rate_per_account = models.CharField(
        max_length=20,
        default="3/h",
        validators=[RATE],
        help_text="Most stories sent by one signed-in account, e.g. 3/h: three an hour.",
    )
    body_min_chars = models.PositiveIntegerField(
        default=200,
        validators=[MinValueValidator(1)],
        help_text="The shortest story text accepted, in characters.",
    )
    body_max_chars = models.PositiveIntegerField(
        default=8000,
        validators=[MinValueValidator(1)],
        help_text="The longest story text accepted, in characters.",
    )
    many_links_threshold = models.PositiveIntegerField(
        default=4,
        validators=[MinValueValidator(1)],
        help_text="A story with at least this many links is flagged for editors.",
    )
    max_photos = models.PositiveIntegerField(
        default=5,
        validators=[MaxValueValidator(MOST_PHOTOS)],
        help_text=f"How many photos one story may have (0 to {MOST_PHOTOS}).",
    )
    photo_max_bytes = models.PositiveIntegerField(
        default=5 * 1024 * 1024,
        validators=[MinValueValidator(1024), MaxValueValidator(LARGEST_PHOTO_BYTES)],
        help_text="The largest photo file accepted, in bytes (5242880 is 5 MB; at most "
        f"{LARGEST_PHOTO_BYTES}).",
    )
    photo_max_dimension = models.PositiveIntegerField(
        default=6000,
        validators=[MinValueValidator(1), MaxValueValidator(LARGEST_PHOTO_SIDE)],
        help_text="The most pixels a photo may have on either side "
        f"(at most {LARGEST_PHOTO_SIDE}).",
    )
    photo_min_dimension = models.PositiveIntegerField(
        default=100,
        validators=[MinValueValidator(1)],
        help_text="The fewest pixels a photo may have on either side.",
    )
    per_page = models.PositiveIntegerField(
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="How many stories one page of the library lists (1 to 100).",
    )

    panels = [
        FieldPanel("allow_anonymous_submissions"),
        FieldPanel("submission_intro"),
        MultiFieldPanel(
            [
                FieldPanel("submit_rate_per_ip"),
                FieldPanel("submit_rate_per_account"),
                FieldPanel("body_min_chars"),
                FieldPanel("body_max_chars"),
                FieldPanel("many_links_threshold"),
            ],
            heading="Sending a story",
        ),
        MultiFieldPanel(
            [
                FieldPanel("max_photos"),
                FieldPanel("photo_max_bytes"),
                FieldPanel("photo_max_dimension"),
                FieldPanel("photo_min_dimension"),
            ],
            heading="Photos",
        ),
        FieldPanel("per_page"),
    ]

    class Meta:
        verbose_name = "stories"

    def clean(self):
        super().clean()
        errors = {}
        if (
            self.body_min_chars
            and self.body_max_chars
            and self.body_min_chars > self.body_max_chars
        ):
            errors["body_max_chars"] = "The longest story cannot be shorter than the shortest."
        if (
            self.photo_min_dimension
            and self.photo_max_dimension
            and self.photo_min_dimension > self.photo_max_dimension
        ):
            errors["photo_max_dimension"] = "The largest side cannot be smaller than the smallest."
        cap = settings.STORY_UPLOAD_MAX_BYTES
        if (self.max_photos or 0) * (self.photo_max_bytes or 0) > cap - FORM_TEXT_BYTES:
            errors["photo_max_bytes"] = (
                f"So many photos of this size would be more than the story form may send "
                f"({cap // (1024 * 1024)} MB in all): allow fewer or smaller photos."
            )
        if errors:
            raise ValidationError(errors)


def story_limits(request=None) -> StorySettings:
    """The stories' limits as editors set them (Settings → Stories): the one way to read them.

    For the request's site (read once per request), else for the default site; the field
    defaults when there is no site yet.
    """
    if request is not None:
        return StorySettings.for_request(request)
    site = Site.objects.filter(is_default_site=True).first()
    return StorySettings.for_site(site) if site else StorySettings()


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


class StoriesIndexPage(RouteTableMixin, BasePage):
    """The library of published stories, with the submission form and summaries as sub-pages
    (their table: stories/routes.py)."""

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
        self.has_many_links = self.link_count >= story_limits().many_links_threshold
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
