"""The home page: the one page type that lists the others (posts, events), so it stands
above them."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.blocks import ActionCardBlock, BodyBlock
from cms.models.blog import BlogPostPage
from cms.models.events import EVENT_SUMMARY_FIELDS, EventPage, with_finish
from cms.models.pages import LISTING_FIELDS, BasePage, SitePageQuerySet


class HomePage(BasePage):
    """The front page editors shape: a hero with an image, the current crowdfund's progress,
    what supporters have done so far, calls to join, give and propose, the latest stories,
    posts and events."""

    search_listing = True  # search shows it after the pages it lists (cms.search)

    # The crowdfund's total and the figures move without a publish: kept a minute at most.
    page_cache_seconds = 60

    hero_title = models.CharField(max_length=120, default="Together we are stronger")
    hero_text = models.TextField(blank=True, help_text="One or two sentences under the hero title.")
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A wide photo beside the hero title (1600x900 or larger works best).",
    )
    hero_image_alt = models.CharField(
        "hero image alternative text",
        max_length=200,
        blank=True,
        help_text=(
            "What the photo shows, for people who cannot see it. Leave empty to use the "
            "image's own description."
        ),
    )
    featured_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A campaign, crowdfund or the manifesto to feature under the hero.",
    )
    crowdfund = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The crowdfund whose progress the home page shows (empty: none).",
    )
    show_figures = models.BooleanField(
        default=True,
        help_text="Show how many supporters, amendments, votes, stories and meetings there are.",
    )
    calls_to_action = StreamField(
        [("action", ActionCardBlock())],
        blank=True,
        max_num=4,
        help_text="Up to four: e.g. join, give, propose an amendment, share a story.",
    )
    body = StreamField(BodyBlock(), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("hero_title"),
                FieldPanel("hero_text"),
                FieldPanel("hero_image"),
                FieldPanel("hero_image_alt"),
                FieldPanel("featured_page"),
            ],
            heading="Hero",
        ),
        FieldPanel("calls_to_action"),
        PageChooserPanel("crowdfund", "crowdfund.CrowdfundPage"),
        FieldPanel("show_figures"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("hero_text")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = "home page"

    def clean(self):
        super().clean()
        image = self.hero_image
        if image is not None and not (self.hero_image_alt or image.description):
            raise ValidationError(
                {"hero_image_alt": "Describe the photo: the image has no description of its own."}
            )

    def hero_alt_text(self) -> str:
        if self.hero_image is None:
            return ""
        return self.hero_image_alt or self.hero_image.default_alt_text

    def current_crowdfund(self):
        """The chosen crowdfund as its own page type, if it is live and public (else None)."""
        if self.crowdfund_id is None:
            return None
        page = SitePageQuerySet(Page).live().public().filter(pk=self.crowdfund_id).first()
        page = page.specific if page is not None else None
        return page if page is not None and hasattr(page, "totals") else None

    def current_featured_page(self):
        """The featured page if it is live and public: a private page's title is never shown."""
        if self.featured_page_id is None:
            return None
        return SitePageQuerySet(Page).live().public().filter(pk=self.featured_page_id).first()

    def latest_posts(self, count: int = 3):
        """The newest live blog posts anywhere on the site (no StreamFields loaded)."""
        return (
            BlogPostPage.objects.live()
            .public()
            .descendant_of(self)
            .only(*LISTING_FIELDS, "date", "intro")
            .order_by("-date", "-pk")[:count]
        )

    def upcoming_events(self, count: int = 3):
        """The next events that have not finished yet, soonest first."""
        events = (
            EventPage.objects.live()
            .public()
            .descendant_of(self)
            .only(*LISTING_FIELDS, *EVENT_SUMMARY_FIELDS)
        )
        return with_finish(events).filter(finishes_at__gte=timezone.now()).order_by("start")[:count]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["latest_posts"] = self.latest_posts()
        context["upcoming_events"] = self.upcoming_events()
        return context
