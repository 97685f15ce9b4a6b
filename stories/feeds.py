"""An Atom feed of newly published stories, served under the stories index."""

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.text import Truncator

FEED_LENGTH = 20


def new_stories_feed(request, index):
    return NewStoriesFeed(index)(request)


class NewStoriesFeed(Feed):
    feed_type = Atom1Feed

    def __init__(self, index):
        super().__init__()
        self.index = index

    def get_feed(self, obj, request):
        self.request = request  # so links reuse the request's cached site root paths
        return super().get_feed(obj, request)

    def title(self):
        return f"{self.index.title}: new stories | Alliance Hub"

    def link(self):
        return self.index.get_url(self.request)

    def subtitle(self):
        return "Stories of local progressive alliances, newest first."

    def items(self):
        return (
            self.index.published_stories()
            .select_related("place")
            .order_by("-first_published_at")[:FEED_LENGTH]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # Atom summaries are HTML: escape the plain text so markup in it stays text.
        return escape(Truncator(item.body).words(60))

    def item_link(self, item):
        return item.get_url(self.request)

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at

    def item_categories(self, item):
        return [item.get_arrangement_display(), item.place.name]
