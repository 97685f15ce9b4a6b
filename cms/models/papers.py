"""Papers: long publications with authors, a contents list, footnotes and a PDF copy."""

from django.db import models
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, cached_property
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.fields import StreamField
from wagtail.search import index

from cms.blocks import PaperBodyBlock
from cms.models.authors import AuthorLink, linked_authors
from cms.models.pages import BasePage
from cms.models.replies import AcceptsRepliesMixin
from cms.outline import build_outline


class PaperIndexPage(BasePage):
    """Lists the papers below it, newest first."""

    search_listing = True  # search shows it after the pages it lists (cms.search)

    introduction = models.TextField(blank=True, help_text="A line or two above the list.")

    content_panels = [*BasePage.content_panels, FieldPanel("introduction")]
    search_fields = [*BasePage.search_fields, index.SearchField("introduction")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.PaperPage"]

    class Meta:
        verbose_name = "paper index"

    def papers(self):
        return (
            PaperPage.objects.child_of(self)
            .live()
            .public()
            .defer_streamfields()
            .prefetch_related(
                Prefetch("author_links", PaperAuthor.objects.select_related("author"))
            )
            .order_by("-publication_date", "-pk")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Read only when the list is rendered, not when it comes from the part cache.
        context["papers"] = SimpleLazyObject(lambda: list(self.papers()))
        return context


class PaperPage(AcceptsRepliesMixin, BasePage):
    """A publication: authors, a summary, a body with sections and footnotes, a PDF."""

    publication_date = models.DateField(default=timezone.localdate)
    summary = models.TextField(
        help_text="Two or three sentences: shown under the title, in listings and in search."
    )
    body = StreamField(
        PaperBodyBlock(),
        help_text="Headings build the contents list. Cite a footnote with [^marker] in a "
        "paragraph and add a Footnote block with the same marker.",
    )
    pdf = models.ForeignKey(
        "wagtaildocs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="PDF copy",
        help_text="Optional: a PDF of the paper readers can download.",
    )

    content_panels = [
        *BasePage.content_panels,
        InlinePanel("author_links", label="Authors", min_num=0),
        FieldPanel("publication_date"),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("pdf"),
    ]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("summary"),
        index.RelatedFields(
            "author_links", [index.RelatedFields("author", [index.SearchField("name")])]
        ),
        index.SearchField("body"),
        index.FilterField("publication_date"),
    ]
    parent_page_types = ["cms.PaperIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "paper"

    def outline(self):
        """The contents list, the footnotes (numbered) and the blocks as rendered."""
        return build_outline(self.body)

    @cached_property
    def author_list(self):
        return linked_authors(self)

    def authors(self):
        """The credited authors in order, read once per page view (byline and biographies)."""
        return self.author_list

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["outline"] = SimpleLazyObject(self.outline)  # unread when the part is cached
        return context


class PaperAuthor(AuthorLink):
    page = ParentalKey(PaperPage, on_delete=models.CASCADE, related_name="author_links")
