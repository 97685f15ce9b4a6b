from django.apps import AppConfig


class CrowdfundConfig(AppConfig):
    name = "crowdfund"
    verbose_name = "Crowdfund"

    def ready(self):
        from cms.accounts import PERSONAL_DATA_EXPORTERS
        from cms.roles import EDITORS, MODERATORS, grant
        from crowdfund import signals  # noqa: F401
        from crowdfund.exports import export_donations

        grant(
            EDITORS,
            [
                "crowdfund.view_donation",
                "crowdfund.add_donation",
                "crowdfund.change_donation",
                "crowdfund.view_ledgerentry",
                "crowdfund.add_crowdfundupdate",
                "crowdfund.change_crowdfundupdate",
                "crowdfund.view_crowdfundupdate",
                "crowdfund.delete_crowdfundupdate",
                "crowdfund.add_expense",
                "crowdfund.change_expense",
                "crowdfund.view_expense",
                "crowdfund.delete_expense",
                "crowdfund.change_offlinegivingsettings",
            ],
        )
        grant(
            MODERATORS,
            [
                "crowdfund.view_donation",
                "crowdfund.view_permissibilitycheck",
                "crowdfund.change_permissibilitycheck",
            ],
        )
        PERSONAL_DATA_EXPORTERS["donations"] = export_donations
