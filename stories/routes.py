"""The stories index's sub-pages: one table, attached to the page by `StoriesConfig.ready`
(cms/subpages.py says why). The names are those templates reverse (routablepageurl)."""

from cms.subpages import Route, RouteTable
from stories import views
from stories.feeds import new_stories_feed
from stories.models import SUBMIT_ROUTE, StoriesIndexPage

TABLE = RouteTable(
    routes=(
        Route("", views.story_library, name="library"),
        Route(SUBMIT_ROUTE, views.submit_story, name="submit"),
        Route("share/thanks/", views.story_thanks, name="thanks"),
        Route("at-a-glance/", views.alliances_at_a_glance, name="at_a_glance"),
        Route("feed/", new_stories_feed, name="feed"),
    )
)


def attach() -> None:
    StoriesIndexPage.attach_routes(TABLE)
