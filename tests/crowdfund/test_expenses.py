"""Spending people can see: expenses against each budget line, totals by SUM, receipts that
keep Wagtail's document privacy, and the admin that manages them."""

import html as html_module
import re
from datetime import date

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.documents.models import Document
from wagtail.models import Collection, CollectionViewRestriction

from crowdfund.models import BudgetLine, Expense
from tests.conftest import make_user
from tests.crowdfund.conftest import make_crowdfund

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    words = html_module.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r"\s+", " ", words.replace("\xa0", " "))


def document(title, collection=None):
    return Document.objects.create(
        title=title,
        collection=collection or Collection.get_first_root_node(),
        file=ContentFile(b"%PDF-1.4 receipt", name=f"{title.lower().replace(' ', '-')}.pdf"),
    )


def private_collection():
    collection = Collection.get_first_root_node().add_child(name="Private receipts")
    CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=CollectionViewRestriction.LOGIN
    )
    return collection


@pytest.fixture
def budget(crowdfund):
    design = BudgetLine.objects.create(
        page=crowdfund, item="Design and accessibility", amount_pence=120_000, sort_order=0
    )
    hosting = BudgetLine.objects.create(
        page=crowdfund, item="Hosting for two years", amount_pence=60_000, sort_order=1
    )
    return design, hosting


def spend(crowdfund, line, pence, description, **fields):
    return Expense.objects.create(
        crowdfund=crowdfund,
        budget_line=line,
        amount_pence=pence,
        description=description,
        spent_on=fields.pop("spent_on", date(2026, 11, 2)),
        **fields,
    )


def test_each_line_shows_what_it_has_spent_beside_its_budget(client, crowdfund, budget):
    design, hosting = budget
    spend(crowdfund, design, 45_000, "Usability sessions with disabled supporters")
    spend(crowdfund, design, 12_550, "Screen reader licence")
    spend(crowdfund, hosting, 9_900, "Three months of hosting")
    spend(crowdfund, None, 1_500, "Bank charges")
    text = text_of(client.get(crowdfund.url))
    assert "Design and accessibility £1,200 £575.50" in text
    assert "Hosting for two years £600 £99" in text
    assert "Other spending – No budget line £15" in text
    assert "Total £1,800 £689.50" in text
    assert "£689.50 spent so far of a £1,800 budget" in text
    assert "Usability sessions with disabled supporters" in text
    assert "2 November 2026" in text


def test_totals_are_sums_so_a_deleted_expense_leaves_them(client, crowdfund, budget):
    design, _ = budget
    kept = spend(crowdfund, design, 10_000, "Kept")
    spend(crowdfund, design, 5_000, "Deleted").delete()
    assert [line.spent_pence for line in crowdfund.budget_with_spending()] == [10_000, 0]
    assert kept.amount_pence == 10_000
    assert "£100 spent so far" in text_of(client.get(crowdfund.url))


def test_nothing_spent_yet_says_so(client, crowdfund, budget):
    assert "Nothing spent yet" in text_of(client.get(crowdfund.url))


def test_a_public_receipt_is_linked_and_a_private_one_is_not(client, crowdfund, budget):
    design, _ = budget
    public = document("Invoice 17")
    private = document("Contractor invoice", private_collection())
    spend(crowdfund, design, 1_000, "Printing", receipt=public)
    spend(crowdfund, design, 2_000, "Contractor", receipt=private)
    html = client.get(crowdfund.url).content.decode()
    assert public.url in html
    assert private.url not in html and "receipt held privately" in html
    # The private receipt itself stays private through Wagtail's serve view.
    refused = client.get(private.url)
    assert refused.status_code == 302 and "login" in refused["Location"]
    assert client.get(public.url).status_code == 200


def test_making_a_receipt_private_drops_the_cached_page(client, settings, crowdfund, budget):
    settings.PAGE_CACHE_SECONDS = 300
    settings.FRAGMENT_CACHE_SECONDS = 300
    cache.clear()
    design, _ = budget
    private = private_collection()
    receipt = document("Invoice 18")
    spend(crowdfund, design, 1_000, "Printing", receipt=receipt)
    assert receipt.url in client.get(crowdfund.url).content.decode()
    receipt.collection = private  # moved into the private collection by an editor
    receipt.save()
    assert receipt.url not in client.get(crowdfund.url).content.decode()


def test_a_new_expense_shows_on_a_cached_page_at_once(client, settings, crowdfund, budget):
    settings.PAGE_CACHE_SECONDS = 300
    settings.FRAGMENT_CACHE_SECONDS = 300
    cache.clear()
    assert "Nothing spent yet" in text_of(client.get(crowdfund.url))
    spend(crowdfund, budget[0], 3_000, "Venue hire in Frome")
    assert "Venue hire in Frome" in text_of(client.get(crowdfund.url))


def test_an_expense_cannot_use_another_crowdfunds_budget_line(home, crowdfund, budget):
    other = make_crowdfund(home, slug="other")
    expense = Expense(
        crowdfund=other, budget_line=budget[0], amount_pence=100, description="Mixed up"
    )
    with pytest.raises(ValidationError, match="this crowdfund's budget"):
        expense.full_clean()


# --- the admin ------------------------------------------------------------------------------
def test_editor_adds_and_filters_expenses_in_the_admin(client, editor, home, crowdfund, budget):
    client.force_login(editor)
    design, _ = budget
    receipt = document("Invoice 19")
    response = client.post(
        reverse("wagtailsnippets_crowdfund_expense:add"),
        {
            "crowdfund": crowdfund.pk,
            "budget_line": design.pk,
            "amount_pence": "4500",
            "spent_on": "2026-11-20",
            "description": "Captioning the Liverpool meeting",
            "paid_to": "Caption Co",
            "receipt": receipt.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    expense = Expense.objects.get()
    assert expense.budget_line == design and expense.receipt == receipt
    other = make_crowdfund(home, slug="other", title="Other appeal")
    spend(other, None, 700, "Stamps for the other appeal")
    listing = client.get(
        reverse("wagtailsnippets_crowdfund_expense:list"), {"crowdfund": crowdfund.pk}
    )
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "Captioning the Liverpool meeting" in page and "Stamps" not in page
    found = client.get(reverse("wagtailsnippets_crowdfund_expense:list"), {"q": "stamps"})
    assert "Stamps for the other appeal" in found.content.decode()
    assert "Captioning the Liverpool meeting" not in found.content.decode()
    edit = client.get(reverse("wagtailsnippets_crowdfund_expense:edit", args=[expense.pk]))
    assert (
        edit.status_code == 200
        and "Build the hub: Design and accessibility" in edit.content.decode()
    )


def test_an_expense_on_another_crowdfunds_line_is_refused_in_the_admin(
    client, editor, home, crowdfund, budget
):
    client.force_login(editor)
    other = make_crowdfund(home, slug="other")
    response = client.post(
        reverse("wagtailsnippets_crowdfund_expense:add"),
        {
            "crowdfund": other.pk,
            "budget_line": budget[0].pk,
            "amount_pence": "100",
            "spent_on": "2026-11-20",
            "description": "Mixed up",
        },
    )
    assert response.status_code == 200
    assert "this crowdfund&#x27;s budget" in response.content.decode()
    assert not Expense.objects.exists()


@pytest.mark.parametrize("role", [None, "Supporters", "Moderators"])
def test_only_editors_manage_expenses(client, crowdfund, role):
    if role:
        client.force_login(make_user(f"{role.lower()}@example.com", role))
    response = client.get(reverse("wagtailsnippets_crowdfund_expense:add"))
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "login" in response["Location"] or response["Location"] == "/admin/"


def test_page_queries_do_not_grow_with_expenses_and_receipts(client, crowdfund, budget):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        client.get(crowdfund.url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(crowdfund.url).status_code == 200
        return len(captured)

    private = private_collection()
    spend(crowdfund, budget[0], 100, "First", receipt=document("R0"))
    few = queries()
    for n in range(1, 9):
        receipt = document(f"R{n}", private if n % 2 else None)
        spend(crowdfund, budget[n % 2], 100 + n, f"Expense {n}", receipt=receipt)
    spend(crowdfund, None, 5, "Unassigned")
    assert queries() <= few
