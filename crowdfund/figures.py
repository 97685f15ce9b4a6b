"""A crowdfund's figures: totals, donors and progress, as its page and the admin show them.

Every figure is derived from the ledger by SUM when asked, never kept as a counter:
one aggregate query for a page's totals, one for the donors of many crowdfunds.
"""

from collections import Counter

from django.db import models
from django.db.models import Case, F, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Concat
from django.template.defaultfilters import pluralize

from crowdfund import rules
from crowdfund.models import LedgerEntry, LedgerKind, Milestone


def crowdfund_totals(crowdfund_id: int) -> dict:
    """Totals straight from the ledger, in pence. The single source of truth for figures."""
    entries = LedgerEntry.objects.filter(crowdfund_id=crowdfund_id)
    figures = entries.aggregate(
        total=Coalesce(Sum("amount_pence"), 0),
        offline=Coalesce(Sum("amount_pence", filter=Q(kind=LedgerKind.OFFLINE)), 0),
    )
    figures["donors"] = donors_still_giving(entries).count()
    return figures


def donor_identity():
    """One donor across gifts, as the ledger knows them: the normalised email (as the
    reportable rule matches donors), else the Stripe customer, else the gift itself."""
    return Case(
        When(
            ~Q(donation__email_normalised=""),
            then=Concat(Value("email:"), F("donation__email_normalised")),
        ),
        When(
            ~Q(donation__stripe_customer_id=""),
            then=Concat(Value("customer:"), F("donation__stripe_customer_id")),
        ),
        default=Concat(Value("gift:"), Cast("donation_id", models.CharField())),
        output_field=models.CharField(),
    )


def donors_still_giving(entries):
    """People whose money in these ledger rows is still held: one row per donor.

    A donor counts once however many gifts they made, and not at all when everything
    they gave was refunded or withdrawn by a dispute (open or lost); a dispute won
    brings them back. Derived from the rows, never kept as a counter.
    """
    return (
        entries.order_by()
        .annotate(donor=donor_identity())
        .values("crowdfund_id", "donor")
        .annotate(held=Sum("amount_pence"))
        .filter(held__gt=0)
    )


def donor_counts(crowdfund_ids) -> dict[int, int]:
    """Donors still giving per crowdfund (the admin report), in one query."""
    entries = LedgerEntry.objects.filter(crowdfund_id__in=list(crowdfund_ids))
    return dict(Counter(row["crowdfund_id"] for row in donors_still_giving(entries)))


def figures_for(page) -> dict:
    """What the page, its live JSON and the donate page show: totals and progress."""
    totals = crowdfund_totals(page.pk)
    target = page.target_pence
    percent = min(100, int(totals["total"] * 100 / target)) if target else 0
    next_stretch = None
    if totals["total"] >= target:
        next_stretch = next(
            (s for s in page.stretch_targets.all() if s.amount_pence > totals["total"]), None
        )
    return {
        **totals,
        "donors_display": f"{totals['donors']} donor{pluralize(totals['donors'])}",
        "target": target,
        "percent": percent,
        "reached": totals["total"] >= target,
        "next_stretch": next_stretch,
    }


def target_missed(page, figures) -> bool:
    """An all-or-nothing crowdfund that closed below target: its card gifts are refunded."""
    return rules.target_missed(
        page,
        figures["reached"],
        Milestone.objects.filter(crowdfund=page, kind=Milestone.Kind.REFUNDS).exists,
    )
