from django.apps import AppConfig


class CrowdfundConfig(AppConfig):
    name = "crowdfund"
    verbose_name = "Crowdfund"

    def ready(self):
        from cms.accounts import PERSONAL_DATA_EXPORTERS
        from cms.roles import EDITORS, MODERATORS, grant
        from crowdfund import routes, signals  # noqa: F401
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
                "crowdfund.view_webhookevent",
            ],
        )
        PERSONAL_DATA_EXPORTERS["donations"] = export_donations
        register_public_text()
        routes.attach()


def register_public_text() -> None:
    """What a crowdfund shows besides its page: a change purges the page cache.

    A donor who asks to be anonymous, or to take their message down, is off the wall at
    once. New and paid gifts do not purge: the figures and the wall live a few seconds.
    """
    from cms.cache import purge_on
    from crowdfund.models import CrowdfundUpdate, Donation, Expense, OfflineGivingSettings

    def on_the_wall(donation) -> bool:
        return bool(donation.show_name or donation.message or donation.show_amount)

    # A monthly donor's new amount (changed in the customer portal) shows on the wall too.
    purge_on(
        Donation,
        ["name", "show_name", "message", "show_amount", "monthly_amount_pence"],
        shown=on_the_wall,
        on_create=False,
    )
    purge_on(CrowdfundUpdate, ["crowdfund", "title", "body", "published_at"])
    # Spending and how to give offline are on the crowdfund pages.
    purge_on(Expense)
    purge_on(OfflineGivingSettings)
