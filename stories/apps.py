from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = "Stories"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms.accounts import PERSONAL_DATA_EXPORTERS
        from cms.figures import register as register_figure
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
