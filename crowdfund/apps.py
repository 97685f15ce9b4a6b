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
                "crowdfund.view_webhookevent",
                "crowdfund.add_crowdfundupdate",
                "crowdfund.change_crowdfundupdate",
                "crowdfund.view_crowdfundupdate",
                "crowdfund.delete_crowdfundupdate",
            ],
        )
        grant(
            MODERATORS,
            [
                "crowdfund.view_donation",
                "crowdfund.view_permissibilitycheck",
                "crowdfund.change_permissibilitycheck",
                "crowdfund.view_webhookevent",
            ],
        )
        PERSONAL_DATA_EXPORTERS["donations"] = export_donations
