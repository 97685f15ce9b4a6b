"""A crowdfund's figures: totals, donors and progress, as its page and the admin show them.

Every figure is derived from the ledger by SUM when asked, never kept as a counter:
one aggregate query for a page's totals, one for the donors of many crowdfunds (the
queries themselves are the ledger's, `LedgerEntryQuerySet`, which the page's own
`totals()` also uses: the home page shows them without importing this app).
"""

from collections import Counter

from django.template.defaultfilters import pluralize

from crowdfund import rules
from crowdfund.models import LedgerEntry, Milestone


def crowdfund_totals(crowdfund_id: int) -> dict:
    """Totals straight from the ledger, in pence. The single source of truth for figures."""
    return LedgerEntry.objects.filter(crowdfund_id=crowdfund_id).totals()


def donor_counts(crowdfund_ids) -> dict[int, int]:
    """Donors still giving per crowdfund (the admin report), in one query."""
    entries = LedgerEntry.objects.filter(crowdfund_id__in=list(crowdfund_ids))
    return dict(Counter(row["crowdfund_id"] for row in entries.donors_still_giving()))


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
