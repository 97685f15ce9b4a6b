from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    """Newsletters to people who opted in: consent, audiences, sending through the outbox."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "newsletters"
    verbose_name = "Newsletters"

    def ready(self):
        from cms.accounts import PERSONAL_DATA_EXPORTERS
        from cms.roles import EDITORS, grant
        from newsletters import bounces, rules, signals  # noqa: F401 (receivers, rules)
        from newsletters.consent import export_consents

        grant(
            EDITORS,
            [
                "newsletters.add_newsletter",
                "newsletters.change_newsletter",
                "newsletters.delete_newsletter",
                "newsletters.view_newsletter",
                "newsletters.send_newsletter",
                "newsletters.view_subscription",
                "newsletters.view_suppression",
                "newsletters.add_suppression",
                "newsletters.change_suppression",
                "newsletters.delete_suppression",
            ],
        )
        # The data export lists the person's consent to newsletters and its history;
        # deleting the account deletes it (Subscription.user cascades).
        PERSONAL_DATA_EXPORTERS["newsletter"] = export_consents
