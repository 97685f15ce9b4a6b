"""Non-page URLs of the editorial site: feeds and calendars.

Replies are posted to the page they answer (see cms.models.replies), so a form
with errors re-renders on that page with what was typed.
"""

from django.urls import path

from cms import views
from cms.feeds import LatestBlogPostsAtomFeed, LatestBlogPostsFeed

urlpatterns = [
    path("feeds/blog.rss", LatestBlogPostsFeed(), name="blog_rss"),
    path("feeds/blog.atom", LatestBlogPostsAtomFeed(), name="blog_atom"),
    path("calendar/upcoming.ics", views.upcoming_events_ics, name="upcoming_events_ics"),
    path("calendar/events/<int:page_id>.ics", views.event_ics, name="event_ics"),
]
