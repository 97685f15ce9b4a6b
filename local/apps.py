from django.apps import AppConfig


class LocalConfig(AppConfig):
    """Organising locally: constituency pages, local groups, where parties campaign, the map."""

    name = "local"
    verbose_name = "Local organising"
    default_auto_field = "django.db.models.BigAutoField"
