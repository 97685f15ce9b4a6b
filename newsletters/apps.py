from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    """Newsletters to people who opted in: consent, audiences, sending through the outbox."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "newsletters"
    verbose_name = "Newsletters"
