"""Giving beyond the card form: offline instructions, the thank-you check, share links, the
portal link and spending. Plain functions, no request handling.

- Offline giving never dead-ends: bank and cheque details from the site setting (with a
  crowdfund's own reference), or else a link to the contact page, or else the site's
  contact address.
- The thank-you page says "being confirmed" only to the visitor who started that
  Checkout session: the donation's reference is kept in their own (server-side) session.
- Monthly donors manage their gift in Stripe's customer portal through a signed,
  expiring link in each receipt (`portal_token`); nothing else about them is in it.
- Spending is derived from expense rows by SUM, like the ledger's totals; receipts are
  linked only when Wagtail would serve them to anyone.
"""

from urllib.parse import quote, urlencode

from django.conf import settings
from django.core import signing
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from wagtail.models import CollectionViewRestriction

from cms.models import ContactPage
from crowdfund.models import Donation, Frequency, Method, OfflineGivingSettings

# --- offline giving ------------------------------------------------------------------
DONATION_LAW_LINE = (
    "Gifts over £500 are donations in UK electoral law: please send your full name and home "
    "address as they appear on the electoral register, so we can check you are a permissible "
    "donor. We are a campaign, not a charity, so gifts are not eligible for Gift Aid."
)


def offline_giving(page, site) -> dict:
    """What the "give by bank transfer or cheque" box shows for `page` on `site`."""
    found = OfflineGivingSettings.objects.filter(site=site).first() if site else None
    setting = found or OfflineGivingSettings()
    reference = page.offline_reference or setting.bank_reference
    contact_url = contact_page_url(site)
    return {
        "bank": setting.has_bank_transfer(),
        "cheque": setting.has_cheque(),
        "setting": setting,
        "reference": reference,
        "cheque_lines": [line.strip() for line in setting.cheque_address.splitlines() if line],
        "contact_url": contact_url,
        "contact_email": "" if contact_url else settings.CONTACT_EMAIL,
        "law_line": DONATION_LAW_LINE,
    }


def contact_page_url(site) -> str:
    """The first live, public contact page of the site, or ""."""
    if site is None:
        return ""
    contact = (
        ContactPage.objects.live()
        .public()
        .descendant_of(site.root_page, inclusive=True)
        .order_by("path")
        .first()
    )
    return contact.get_url(current_site=site) if contact else ""


# --- the thank-you page: whose session is it? -----------------------------------------
SESSION_KEY = "crowdfund_checkouts"
KEPT_CHECKOUTS = 10


def remember_checkout(session, donation) -> None:
    """Note in the visitor's own session that they started this donation's checkout."""
    started = [ref for ref in session.get(SESSION_KEY, []) if ref != str(donation.reference)]
    session[SESSION_KEY] = [*started, str(donation.reference)][-KEPT_CHECKOUTS:]


def started_by_visitor(session, donation) -> bool:
    return donation is not None and str(donation.reference) in session.get(SESSION_KEY, [])


# --- sharing ----------------------------------------------------------------------------
def share_links(url: str, title: str) -> list[dict]:
    """Plain links to share the crowdfund: no third-party script, nothing loaded."""
    text = f"Help fund {title}:"
    return [
        {
            "label": "Share by email",
            "href": "mailto:?"
            + urlencode({"subject": title, "body": f"{text} {url}"}, quote_via=quote),
        },
        {
            "label": "Share on WhatsApp",
            "href": "https://wa.me/?" + urlencode({"text": f"{text} {url}"}, quote_via=quote),
        },
        {
            "label": "Share on Bluesky",
            "href": "https://bsky.app/intent/compose?"
            + urlencode({"text": f"{text} {url}"}, quote_via=quote),
        },
        {
            "label": "Share on X (Twitter)",
            "href": "https://x.com/intent/post?"
            + urlencode({"text": text, "url": url}, quote_via=quote),
        },
        {
            "label": "Share on Facebook",
            "href": "https://www.facebook.com/sharer/sharer.php?"
            + urlencode({"u": url}, quote_via=quote),
        },
    ]


# --- the customer portal link ----------------------------------------------------------
PORTAL_SALT = "crowdfund.portal"


def portal_url(donation) -> str:
    """The absolute "change or cancel your monthly gift" address for a receipt email."""
    path = reverse("crowdfund_portal", args=[portal_token(donation)])
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def portal_token(donation) -> str:
    """A signed token naming one monthly gift; it expires (see `donation_for_portal_token`)."""
    return signing.TimestampSigner(salt=PORTAL_SALT).sign(str(donation.reference))


class PortalLinkRefused(Exception):
    """A forged, expired or unusable link: the page says so kindly."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def donation_for_portal_token(token: str):
    """The monthly card gift the token names, or PortalLinkRefused("expired" | "invalid")."""
    max_age = settings.CROWDFUND_PORTAL_LINK_DAYS * 86_400
    try:
        reference = signing.TimestampSigner(salt=PORTAL_SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise PortalLinkRefused("expired")
    except signing.BadSignature:
        raise PortalLinkRefused("invalid")
    donation = (
        Donation.objects.filter(
            reference=reference, frequency=Frequency.MONTHLY, method=Method.CARD
        )
        .select_related("crowdfund")
        .first()
    )
    if donation is None:
        raise PortalLinkRefused("invalid")
    return donation


# --- spending ----------------------------------------------------------------------------
def spending(page) -> dict:
    """Budget lines with what each has spent (SUMs), and every expense with its receipt.

    A receipt is linked only when its document is public: in no collection with a view
    restriction (Wagtail's serve view would refuse it anyway; the link would be a dead end).
    """
    lines = list(page.budget_with_spending())
    expenses = list(page.expenses.select_related("receipt__collection").order_by("spent_on", "pk"))
    restricted = tuple(CollectionViewRestriction.objects.values_list("collection__path", flat=True))
    by_line: dict = {}
    for expense in expenses:
        receipt = expense.receipt
        expense.public_receipt = bool(
            receipt and not receipt.collection.path.startswith(restricted)
        )
        by_line.setdefault(expense.budget_line_id, []).append(expense)
    for line in lines:
        line.expense_list = by_line.get(line.pk, [])
    other = by_line.get(None, [])
    totals = page.expenses.aggregate(
        spent=Coalesce(Sum("amount_pence"), 0),
        other=Coalesce(Sum("amount_pence", filter=Q(budget_line__isnull=True)), 0),
    )
    return {
        "lines": lines,
        "other_expenses": other,
        "other_spent": totals["other"],
        "spent": totals["spent"],
        "budget": sum(line.amount_pence for line in lines),
    }
