"""RSS and Atom feeds of the latest blog posts (django.contrib.syndication)."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.utils.feedgenerator import Atom1Feed

from cms.models import BlogIndexPage, BlogPostAuthor, BlogPostPage
from cms.navigation import navigation

FEED_LENGTH = 20
LONDON = ZoneInfo("Europe/London")


def with_imprint(text: str, request) -> str:
    """`text` followed by the site's digital imprint, which shared material carries."""
    imprint = navigation(request)["imprint"]
    return f"{text}\n\n{imprint}" if imprint and text else (text or imprint)


class LatestBlogPostsFeed(Feed):
    title = "Alliance Hub: latest posts"
    summary = "New posts from the Alliance Hub blog."

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def description(self):
        return with_imprint(self.summary, self.request)

    def link(self):
        blog = BlogIndexPage.objects.live().public().first()
        return blog.get_url(self.request) if blog else "/"

    def items(self):
        return (
            BlogPostPage.objects.live()
            .public()
            .defer_streamfields()
            .prefetch_related(
                Prefetch("author_links", BlogPostAuthor.objects.select_related("author"))
            )
            .order_by("-date", "-pk")[:FEED_LENGTH]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return with_imprint(item.intro, self.request)

    def item_link(self, item):
        return item.get_url(self.request)

    def item_guid(self, item):
        return item.get_full_url(self.request)

    def item_pubdate(self, item):
        return datetime.combine(item.date, time(9, 0), tzinfo=LONDON)

    def item_updateddate(self, item):
        return item.last_published_at

    def item_author_name(self, item):
        return ", ".join(author.name for author in item.authors()) or None

    def item_categories(self, item):
        return [tag.name for tag in item.tags.all()]


class LatestBlogPostsAtomFeed(LatestBlogPostsFeed):
    feed_type = Atom1Feed

    def subtitle(self):
        return self.description()
