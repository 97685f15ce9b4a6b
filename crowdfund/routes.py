"""The crowdfund page's sub-pages and what its views add to the page: one table.

Attached to `CrowdfundPage` by `CrowdfundConfig.ready` (cms/subpages.py says why).
"""

from cms.subpages import Route, RouteTable
from crowdfund import views
from crowdfund.models import CrowdfundPage

TABLE = RouteTable(
    routes=(
        Route("donate/", views.donate, name="donate"),
        Route("thank-you/", views.success, name="success"),
        Route("cancelled/", views.cancel, name="cancel"),
    ),
    context=(
        lambda page, request: views.page_context(page),
        views.giving_context,
    ),
)


def attach() -> None:
    CrowdfundPage.attach_routes(TABLE)
