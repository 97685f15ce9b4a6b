"""Query budgets of the crowdfund's pages: budget lines, updates, stretch targets and donors
can grow without the SQL queries for a view growing. (The donor wall alone has its test
in test_page_and_donate.py.)"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crowdfund import ledger
from crowdfund.models import BudgetLine, CrowdfundUpdate, Method, StretchTarget
from tests.crowdfund.conftest import make_donation

pytestmark = pytest.mark.django_db
CEILING = 40  # queries for one anonymous view, page cache off


def count_queries(client, url):
    client.get(url)  # warm per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def add_content(crowdfund, start, stop):
    for n in range(start, stop):
        BudgetLine.objects.create(page=crowdfund, item=f"Budget item {n}", amount_pence=10_000)
        StretchTarget.objects.create(
            page=crowdfund, amount_pence=1_000_000 + n, description=f"Stretch {n}"
        )
        CrowdfundUpdate.objects.create(crowdfund=crowdfund, title=f"Update {n}", body="<p>News</p>")
        donation = make_donation(
            crowdfund,
            amount_pence=1_000,
            method=Method.CHEQUE,
            name=f"Donor {n}",
            show_name=True,
            message="Good luck",
        )
        ledger.record_offline(donation)


@pytest.mark.parametrize("subpage", ["", "donate/"])
def test_crowdfund_queries_do_not_grow_with_budget_updates_targets_and_donors(
    client, stripe_keys, crowdfund, subpage
):
    url = crowdfund.url + subpage
    add_content(crowdfund, 0, 1)
    few, _ = count_queries(client, url)
    add_content(crowdfund, 1, 9)
    many, response = count_queries(client, url)
    if not subpage:
        html = response.content.decode()
        assert "Budget item 8" in html and "Update 8" in html and "Donor 8" in html
    assert many <= few, f"queries grew with the crowdfund's content: {few} -> {many}"
    assert few <= CEILING


def test_a_crowdfunds_figures_and_wall_are_shared_for_five_seconds_at_most(
    client, settings, crowdfund, part_lifetimes
):
    """Live figures may be a few seconds stale (the page cache keeps this page 5 s too)."""
    settings.FRAGMENT_CACHE_SECONDS = 600
    assert client.get(crowdfund.url).status_code == 200
    assert part_lifetimes["figures"] == 5 and part_lifetimes["wall"] == 5
    # The story and budget change only when published: no shorter life than the default.
    assert part_lifetimes["crowdfund"] is None
