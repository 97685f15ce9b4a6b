"""The blog: an index with pagination and a tag filter, and posts that invite replies."""

import re

from django.core.paginator import Paginator
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, cached_property
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.fields import StreamField
from wagtail.search import index

from cms.blocks import BodyBlock
from cms.models.authors import AuthorLink, linked_authors
from cms.models.pages import BasePage
from cms.models.replies import AcceptsRepliesMixin

POSTS_PER_PAGE = 10


SLUG = re.compile(r"[-\w]{1,100}")


class BlogIndexPage(BasePage):
    """Lists posts newest first, ten to a page, optionally those with one tag."""

    query_params = ("tag", "page")  # what keys the page cache (cms.cache)
    search_listing = True  # search shows it after the pages it lists (cms.search)

    introduction = models.TextField(blank=True, help_text="A line or two above the list.")

    content_panels = [*BasePage.content_panels, FieldPanel("introduction")]
    search_fields = [*BasePage.search_fields, index.SearchField("introduction")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.BlogPostPage"]

    class Meta:
        verbose_name = "blog index"

    def posts(self, tag: str = ""):
        """Live, public posts with what the listing shows pre-loaded (constant query count)."""
        posts = (
            BlogPostPage.objects.child_of(self)
            .live()
            .public()
            .defer_streamfields()
            .prefetch_related(
                Prefetch("author_links", BlogPostAuthor.objects.select_related("author")),
                "tags",
            )
            .order_by("-date", "-pk")
        )
        if tag:
            posts = posts.filter(tags__slug=tag)
        return posts

    def tags(self):
        return (
            Tag.objects.filter(cms_blogposttag_items__content_object__in=self.posts())
            .distinct()
            .order_by("name")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        from cms.search import query_text

        tag = query_text(request.GET.get("tag", ""), 100)
        number = request.GET.get("page", "")
        # Built and read only when the listing is rendered, not when it comes from the
        # part cache (even building these querysets costs a fair part of a request).
        context["posts"] = SimpleLazyObject(
            lambda: Paginator(self.posts(tag), POSTS_PER_PAGE).get_page(number)
        )
        context["tags"] = SimpleLazyObject(lambda: list(self.tags()))
        context["current_tag"] = SimpleLazyObject(
            lambda: Tag.objects.filter(slug=tag).first() if tag else None
        )
        # One shared part per tag and page number; any other query renders afresh (the
        # pagination links repeat the query, so nothing else may reach a shared part).
        if (
            set(request.GET) <= {"tag", "page"}
            and SLUG.fullmatch(tag or "-")
            and (number.isdigit() or not number)
            and len(number) < 6
        ):
            context["listing_part"] = f"listing:{tag}:{number or 1}"
        return context


class BlogPostTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.BlogPostPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class BlogPostPage(AcceptsRepliesMixin, BasePage):
    """A post: authors, tags, a date, an introduction and a body; supporters may reply."""

    date = models.DateField("post date", default=timezone.localdate)
    intro = models.TextField(help_text="One or two sentences shown in listings and feeds.")
    body = StreamField(BodyBlock())
    tags = ClusterTaggableManager(
        through=BlogPostTag, blank=True, help_text="Readers can list posts by tag."
    )

    content_panels = [
        *BasePage.content_panels,
        InlinePanel("author_links", label="Authors", min_num=0),
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("tags"),
    ]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("intro"),
        index.RelatedFields(
            "author_links", [index.RelatedFields("author", [index.SearchField("name")])]
        ),
        index.SearchField("body"),
        index.FilterField("date"),
    ]
    parent_page_types = ["cms.BlogIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "blog post"

    @cached_property
    def author_list(self):
        return linked_authors(self)

    def authors(self):
        """The credited authors in order, read once per page view (byline and biographies)."""
        return self.author_list


class BlogPostAuthor(AuthorLink):
    page = ParentalKey(BlogPostPage, on_delete=models.CASCADE, related_name="author_links")
