from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Following, notifications in the site and by email, and the way out of every email."""

    name = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms.accounts import PERSONAL_DATA_EXPORTERS
        from notifications import receivers  # noqa: F401 (connects the signal receivers)
        from notifications.exports import export_notification_data

        PERSONAL_DATA_EXPORTERS["following_and_notifications"] = export_notification_data
