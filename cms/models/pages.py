"""The editorial page types every part of the site builds on."""

from django.db import models
from django.http import Http404
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page, PageManager, PageViewRestriction
from wagtail.query import PageQuerySet
from wagtail.search import index

from cms import routing, sitewide
from cms.blocks import BodyBlock

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
