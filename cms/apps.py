from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Site"

    def ready(self):
        from cms import cache, roles, signals  # noqa: F401

        roles.connect()
        cache.connect()
