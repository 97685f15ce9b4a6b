from django.apps import AppConfig


class LocalConfig(AppConfig):
    """Organising locally: constituency pages, local groups, where parties campaign, the map."""

    name = "local"
    verbose_name = "Local organising"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete

        from cms.cache import purge_on
        from cms.places import register_place_count, register_place_listing
        from cms.roles import EDITORS, MODERATORS, grant
        from local.models import LocalGroupPage, PartyPosition
        from local.organisers import remove_organiser_group
        from local.places import count_groups, group_listing

        register_place_listing("groups", group_listing, order=10)
        register_place_count(
            "groups", "Local groups", count_groups, order=10, singular="Local group"
        )
        purge_on(PartyPosition)
        post_delete.connect(remove_organiser_group, sender=LocalGroupPage)
        # Moderators keep where parties campaign up to date and act on abuse reports.
        moderation = [
            "local.add_partyposition",
            "local.change_partyposition",
            "local.delete_partyposition",
            "local.view_partyposition",
            "local.change_abusereport",
            "local.view_abusereport",
            "local.view_relayedmessage",
        ]
        grant(MODERATORS, moderation)
        grant(EDITORS, ["local.view_partyposition", "local.choose_organisers"])
