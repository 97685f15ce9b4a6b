"""Demo crowdfunds: the £5,000 hub appeal in progress and the earlier, finished one.

Demo card gifts are written straight to the ledger (method "demo card", source
ids prefixed "demo:"), never through Stripe, and send no email. Every object is
found by a natural key first, so loading twice changes nothing.
"""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.models import Collection, CollectionViewRestriction, Site

from cms.demo.pdf import simple_pdf
from cms.demo.site import add_menu_link
from crowdfund.bookkeeping import thresholds_reached
from crowdfund.figures import crowdfund_totals
from crowdfund.models import (
    BudgetLine,
    CrowdfundPage,
    CrowdfundUpdate,
    Donation,
    DonationStatus,
    Expense,
    LedgerEntry,
    LedgerKind,
    Method,
    Milestone,
    OfflineGivingSettings,
    StretchTarget,
)

HUB_BUDGET = [
    ("Design and accessibility testing with disabled supporters", 120_000),
    ("Building the manifesto, amendments and voting", 200_000),
    ("Hosting, backups and security for two years", 60_000),
    ("Moderator training for local volunteers", 50_000),
    ("Streaming and captioning local meetings", 70_000),
]

# (name, show name, message, pence, method)
HUB_GIFTS = [
    ("Priya Shah", True, "For an alliance that outlasts election night.", 5_000, Method.DEMO_CARD),
    ("Tom Evans", True, "From a Green in Frome: let's keep talking.", 2_500, Method.DEMO_CARD),
    ("Anonymous Donor", False, "Proportional representation now!", 10_000, Method.DEMO_CARD),
    ("Siân Morgan", True, "Plaid and proud to be part of this.", 2_000, Method.DEMO_CARD),
    ("Wealden Alliance Meeting", True, "Collected at our October meeting.", 18_450, Method.CASH),
    ("Liverpool Progressive Group", True, "", 50_000, Method.BANK_TRANSFER),
    ("Jo Fraser", False, "", 1_500, Method.DEMO_CARD),
    ("Hamish Reid", True, "An SNP member who wants this to work.", 3_000, Method.DEMO_CARD),
    ("Margaret Lloyd", True, "", 25_000, Method.CHEQUE),
    ("Dev Patel", True, "Lib Dem, Brighton. Make it participatory!", 7_500, Method.DEMO_CARD),
    ("Anonymous Donor 2", False, "Inequality harms everyone.", 40_000, Method.DEMO_CARD),
    ("Lancaster planning group", True, "Lancaster is next!", 45_000, Method.BANK_TRANSFER),
    ("Birmingham supporters", True, "", 50_000, Method.CHEQUE),
    ("Chris Wood", True, "All of us are smarter than any one of us.", 20_000, Method.DEMO_CARD),
    ("Anonymous Donor 3", False, "", 30_000, Method.DEMO_CARD),
]

# Donors who agreed to show how much they gave and when on the donor wall.
AMOUNT_SHOWN = {"Priya Shah", "Tom Evans", "Wealden Alliance Meeting", "Dev Patel", "Chris Wood"}

EARLIER_GIFTS = [
    ("London launch collection", True, "Over 1,000 of us on 5 July!", 180_000, Method.CASH),
    ("Brighton supporters", True, "", 65_000, Method.BANK_TRANSFER),
    ("Rachel Green", True, "Meetings in market towns, please.", 50_000, Method.DEMO_CARD),
    ("Anonymous Donor", False, "", 40_000, Method.DEMO_CARD),
    ("Frome Alliance", True, "Run by local people, as it should be.", 43_750, Method.CHEQUE),
    ("Sam Okafor", True, "", 33_000, Method.DEMO_CARD),
]


def load(home) -> None:
    hub = _crowdfund(
        home,
        slug="build-the-hub",
        title="Build the hub",
        target_pence=500_000,
        deadline=timezone.now() + timedelta(days=45),
        introduction=(
            "Help us build an online hub where supporters of every progressive party, and of "
            "none, shape a shared manifesto and learn from local alliances."
        ),
        body=(
            "<p>Our supporters asked for more than a blog: a place to propose and vote on "
            "manifesto amendments, share events, and tell the stories of local alliances. "
            "£5,000 builds it. Every pound is accounted for below, and we will report back "
            "as we spend it.</p>"
        ),
    )
    if not hub.budget_lines.exists():
        for order, (item, amount) in enumerate(HUB_BUDGET):
            BudgetLine.objects.create(page=hub, item=item, amount_pence=amount, sort_order=order)
        StretchTarget.objects.create(
            page=hub,
            amount_pence=750_000,
            description="Welsh and Gaelic translations and easy-read versions of every paper.",
        )
    CrowdfundUpdate.objects.get_or_create(
        crowdfund=hub,
        title="Halfway there, and the first designs are in",
        defaults={
            "body": "<p>Thank you! We have passed half our target. Disabled supporters tested "
            "the first designs at our Brighton meeting; their notes are shaping the build.</p>",
            "email_backers": False,
            "published_at": timezone.now() - timedelta(days=3),
        },
    )
    _gifts(hub, HUB_GIFTS)
    _mark_thresholds_announced(hub)
    _expenses(hub)
    _offline_giving(home)

    earlier = _crowdfund(
        home,
        slug="launch-and-local-meetings",
        title="Launch event and local meetings",
        target_pence=400_000,
        deadline=timezone.now() - timedelta(days=120),
        introduction=(
            "Our first crowdfund paid for the London launch and the local meetings that "
            "followed in Brighton, Frome, Liverpool and Wealden."
        ),
        body="<p>This crowdfund has closed. Thank you to everyone who gave.</p>",
        monthly_offered=False,
    )
    _gifts(earlier, EARLIER_GIFTS)
    _mark_thresholds_announced(earlier)
    add_menu_link("Crowdfund", page=hub, sort_order=60)


# (budget line index or None, pence, days ago, what it bought, paid to, receipt kind or None)
HUB_EXPENSES = [
    (0, 45_000, 40, "Two usability sessions with disabled supporters in Brighton", "", "public"),
    (0, 18_000, 21, "Screen reader and magnifier testing licences for a year", "", None),
    (
        1,
        60_000,
        14,
        "First build of amendments and voting (20 hours)",
        "A freelance developer",
        "private",
    ),
    (2, 9_900, 10, "Three months of hosting and backups", "", "public"),
    (4, 12_500, 6, "Live captions for the Liverpool meeting", "A captioning co-operative", None),
    (None, 1_250, 3, "Bank charges for the quarter", "", None),
]
RECEIPTS_COLLECTION = "Crowdfund receipts (editors only)"


def _expenses(hub) -> None:
    """A few expenses against the hub's budget; one public and one private receipt."""
    if hub.expenses.exists():
        return
    lines = list(hub.budget_lines.order_by("sort_order", "pk"))
    today = timezone.localdate()
    for index, (line, pence, days, description, paid_to, receipt) in enumerate(HUB_EXPENSES):
        Expense.objects.create(
            crowdfund=hub,
            budget_line=lines[line] if line is not None else None,
            amount_pence=pence,
            spent_on=today - timedelta(days=days),
            description=description,
            paid_to=paid_to,
            receipt=_receipt(index, description, pence, private=receipt == "private")
            if receipt
            else None,
        )


def _receipt(number: int, description: str, pence: int, *, private: bool) -> Document:
    collection = Collection.get_first_root_node()
    if private:
        found = Collection.objects.filter(name=RECEIPTS_COLLECTION).first()
        if found is None:
            found = collection.add_child(name=RECEIPTS_COLLECTION)
            CollectionViewRestriction.objects.create(
                collection=found, restriction_type=CollectionViewRestriction.LOGIN
            )
        collection = found
    title = f"Receipt {number + 1}: {description}"
    content = simple_pdf(title, [description, f"Amount: £{pence / 100:,.2f}", "Paid in full."])
    return Document.objects.create(
        title=title,
        collection=collection,
        file=ContentFile(content, name=f"receipt-{number + 1}.pdf"),
    )


def _offline_giving(home) -> None:
    """Example bank and cheque details (clearly not a real account) for the demo site."""
    site = Site.objects.filter(root_page=home).first() or Site.objects.get(is_default_site=True)
    setting = OfflineGivingSettings.for_site(site)
    if setting.has_bank_transfer():
        return
    setting.bank_account_name = "Alliance Hub Campaign (demo)"
    setting.bank_sort_code = "00-00-00"
    setting.bank_account_number = "12345678"
    setting.bank_reference = "HUB GIFT"
    setting.cheque_payable_to = "Alliance Hub Campaign"
    setting.cheque_address = "Alliance Hub (demo address)\n1 Example Street\nFrome\nBA11 1AA"
    setting.save()


def _crowdfund(home, *, slug, title, body, **fields) -> CrowdfundPage:
    page = CrowdfundPage.objects.filter(slug=slug).first()
    if page:
        return page
    page = CrowdfundPage(
        title=title, slug=slug, body=[{"type": "paragraph", "value": body}], **fields
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return CrowdfundPage.objects.get(pk=page.pk)


def _gifts(page, gifts) -> None:
    now = timezone.now()
    for number, (name, show_name, message, pence, method) in enumerate(gifts):
        donation, created = Donation.objects.get_or_create(
            crowdfund=page,
            name=name,
            demo=True,
            defaults={
                "amount_pence": pence,
                "method": method,
                "message": message,
                "show_name": show_name,
                "show_amount": name in AMOUNT_SHOWN,
                "status": DonationStatus.PAID,
                "paid_at": now - timedelta(days=len(gifts) - number),
            },
        )
        kind = LedgerKind.PAYMENT if method == Method.DEMO_CARD else LedgerKind.OFFLINE
        LedgerEntry.objects.get_or_create(
            source_id=f"demo:{page.slug}:{number}",
            kind=kind,
            defaults={
                "crowdfund": page,
                "donation": donation,
                "amount_pence": pence,
                "moved_at": donation.paid_at,
                "created_at": donation.paid_at,
            },
        )


def _mark_thresholds_announced(page) -> None:
    """Demo money is written straight to the ledger: record the thresholds it passed
    as already announced, so the next real gift does not email about them."""
    total = crowdfund_totals(page.pk)["total"]
    stretches = list(page.stretch_targets.values_list("amount_pence", flat=True))
    for kind, threshold in thresholds_reached(total, page.target_pence, stretches):
        Milestone.objects.get_or_create(
            crowdfund=page,
            kind=kind,
            threshold_pence=threshold,
            defaults={"total_pence_then": total, "announced_at": timezone.now()},
        )
