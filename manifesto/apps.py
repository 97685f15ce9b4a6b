from django.apps import AppConfig


class ManifestoConfig(AppConfig):
    name = "manifesto"
    verbose_name = "Manifesto"

    def ready(self):
        from cms.accounts import PERSONAL_DATA_EXPORTERS
        from cms.roles import EDITORS, MODERATORS, grant
        from manifesto import rules, signals  # noqa: F401  (registers permissions, receivers)
        from manifesto.exports import personal_data

        moderation = [
            "manifesto.view_amendment",
            "manifesto.change_amendment",
            "manifesto.merge_amendment",
            "manifesto.view_vote",
            "manifesto.view_manifestoversion",
            "manifesto.view_amendmentcomment",
            "manifesto.change_amendmentcomment",
            "manifesto.view_report",
        ]
        grant(MODERATORS, moderation)
        grant(EDITORS, [*moderation, "manifesto.change_manifestoversion"])
        PERSONAL_DATA_EXPORTERS["manifesto"] = personal_data
