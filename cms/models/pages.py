"""The editorial page types every part of the site builds on."""

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import StreamField
from wagtail.models import Page, PageManager, PageViewRestriction
from wagtail.query import PageQuerySet
from wagtail.search import index

from cms import routing, sitewide
from cms.blocks import ActionCardBlock, BodyBlock

# What a listing needs of each page to show its title and link to it (see Page.get_url).
LISTING_FIELDS = ("id", "title", "path", "depth", "url_path", "content_type_id", "live")


class SitePageQuerySet(PageQuerySet):
    """Wagtail's page queryset, with the private sections read from the shared cache.

    `public()` is on every listing; Wagtail reads every view restriction for each call.
    """

    def private_q(self):
        return sitewide.private_q()


SitePageManager = PageManager.from_queryset(SitePageQuerySet)


class BasePage(Page):
    """Fields every public page shares: a social-sharing image for Open Graph."""

    social_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown when the page is shared on social media (1200x630 works best).",
    )

    promote_panels = [*Page.promote_panels, FieldPanel("social_image")]

    # Listing pages (indexes, the home page) set this: search shows them after content.
    search_listing = False

    objects = SitePageManager()

    class Meta:
        abstract = True

    def route(self, request, path_components):
        """Wagtail's routing, with the pages along the path from the shared cache.

        Wagtail reads each level's child and then its specific page: two queries a level.
        Here the pages along the path come from `cms.routing` (the shared cache, or one
        query and one per page type), already specific. The outcome is Wagtail's: the
        same page, the same 404s.
        """
        if not path_components:
            return super().route(request, path_components)
        urls = []
        for slug in path_components:
            urls.append(f"{urls[-1] if urls else self.url_path}{slug}/")

        def routing_goes_on(page, position):
            return position + 1 < len(urls) and type(page).route is BasePage.route

        along = routing.pages_along(self, urls, routing_goes_on)
        parent = self
        for position, url in enumerate(urls):
            page = along.get(url)
            if page is None or page.depth != parent.depth + 1:
                raise Http404
            page._cached_parent_obj = parent
            if not routing_goes_on(page, position):
                return page.route(request, path_components[position + 1 :])
            parent = page
        raise Http404  # not reached: the last page always returns above

    def get_view_restrictions(self):
        """Wagtail reads the page's ancestors and their restrictions on every view; most pages
        are in no private section, which the cached list of sections tells without a query."""
        if not sitewide.may_be_restricted(self):
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()

    def admits(self, request) -> bool:
        """Whether the request may see this page, as Wagtail decides before serving it.

        For what answers about a page outside its own address (JSON, a vote, a calendar
        entry): a page in a private section is shown only to whom its restrictions
        (password, sign-in, groups) admit. Lists of pages use `.public()` instead.
        """
        return all(
            restriction.accept_request(request) for restriction in self.get_view_restrictions()
        )


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
        from cms.models.blog import BlogPostPage

        return (
            BlogPostPage.objects.live()
            .public()
            .descendant_of(self)
            .only(*LISTING_FIELDS, "date", "intro")
            .order_by("-date", "-pk")[:count]
        )

    def upcoming_events(self, count: int = 3):
        """The next events that have not finished yet, soonest first."""
        from django.utils import timezone

        from cms.models.events import EVENT_SUMMARY_FIELDS, EventPage, with_finish

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


class StandardPage(BasePage):
    """A plain page of text: about us, privacy, contact."""

    introduction = models.TextField(blank=True)
    body = StreamField(BodyBlock(), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("introduction"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("introduction"),
        index.SearchField("body"),
    ]

    class Meta:
        verbose_name = "standard page"
