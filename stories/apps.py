from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = "Stories"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms.accounts import PERSONAL_DATA_EXPORTERS
        from cms.figures import register as register_figure
        from cms.places import register_place_count, register_place_listing
        from cms.roles import EDITORS, MODERATORS, grant
        from cms.security import register_body_limit
        from stories import routes, signals  # noqa: F401
        from stories.models import is_story_form_path
        from stories.personal_data import export_stories

        grant(
            EDITORS,
            [
                "stories.add_place",
                "stories.change_place",
                "stories.delete_place",
                "stories.view_place",
                "stories.change_storysettings",
            ],
        )
        # Moderators review stories through the "Story review" workflow (see stories.workflow);
        # they may look at the list of places the stories refer to.
        grant(MODERATORS, ["stories.view_place"])
        PERSONAL_DATA_EXPORTERS["stories"] = export_stories
        # The story form takes photos: a larger body than other forms, at its own address only.
        register_body_limit(is_story_form_path, "STORY_UPLOAD_MAX_BYTES")
        register_figure("stories", "stories of local alliances", count_published_stories, 40)
        # Constituency pages and the map show the stories told about each constituency.
        register_place_listing("stories", story_listing, order=30)
        register_place_count("stories", "Stories", count_stories, order=30, singular="Story")
        register_public_text()
        routes.attach()


def register_public_text() -> None:
    """What stories show besides their pages: a place's name is on every story there."""
    from cms.cache import purge_on
    from stories.models import Place

    purge_on(Place)


def count_published_stories() -> int:
    from stories.models import StoryPage

    return StoryPage.objects.live().public().count()


def story_listing(constituencies: list):
    from cms.places import PlaceListing
    from stories.models import StoryPage

    stories = (
        StoryPage.objects.live()
        .public()
        .filter(constituency__in=constituencies)
        .order_by("-year", "title")
        .only("title", "url_path", "year", "group_name")
    )
    return PlaceListing(
        heading="Stories",
        items=list(stories[:10]),
        template="stories/listings/stories.html",
        empty_text="No story from here yet.",
    )


def count_stories() -> dict[int, int]:
    from django.db.models import Count

    from stories.models import StoryPage

    rows = (
        StoryPage.objects.live()
        .public()
        .filter(constituency__isnull=False)
        .values("constituency_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["constituency_id"]: row["n"] for row in rows}
