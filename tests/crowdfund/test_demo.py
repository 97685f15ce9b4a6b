"""The demo crowdfunds load once, add up, and never touch Stripe."""

import pytest
from wagtail.documents.models import Document

from crowdfund import demo
from crowdfund.models import CrowdfundPage, Donation, Expense, LedgerEntry

pytestmark = pytest.mark.django_db


def test_demo_loads_idempotently_with_the_right_totals(home, client, settings):
    settings.STRIPE_SECRET_KEY = ""
    demo.load(home)
    counts = (CrowdfundPage.objects.count(), Donation.objects.count(), LedgerEntry.objects.count())
    demo.load(home)
    assert counts == (
        CrowdfundPage.objects.count(),
        Donation.objects.count(),
        LedgerEntry.objects.count(),
    )
    hub = CrowdfundPage.objects.get(slug="build-the-hub")
    earlier = CrowdfundPage.objects.get(slug="launch-and-local-meetings")
    assert hub.target_pence == 500_000
    assert hub.budget_lines.count() == 5 and hub.updates.count() == 1
    assert list(hub.milestones.values_list("kind", flat=True)) == ["halfway"]
    assert 250_000 < hub.totals()["total"] < 500_000
    assert 400_000 < earlier.totals()["total"] < 420_000
    assert set(Donation.objects.values_list("method", flat=True)) >= {"demo_card", "cash", "cheque"}
    assert hub.expenses.count() == 6 and Expense.objects.count() == 6
    assert Document.objects.filter(title__startswith="Receipt").count() == 3
    response = client.get(hub.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Anonymous" in html
    assert "spent so far of a £5,000 budget" in html and "receipt held privately" in html
    assert "Sort code" in html  # no Stripe keys in the demo: offline giving is shown
    assert "£75 · " in html  # Dev Patel agreed to show his gift
    assert client.get(earlier.url).status_code == 200
