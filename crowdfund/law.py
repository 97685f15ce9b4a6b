"""UK donation law for a non-party campaigner, as pure functions of the ledger.

Sources (cited beside each rule's table test in tests/crowdfund/test_law.py, and in
docs/crowdfund.md): the Political Parties, Elections and Referendums Act 2000,
Schedule 11 (donations to recognised third parties), and the Electoral Commission's
guidance for non-party campaigners, "Donations" (what counts as a donation, checking
permissibility, reporting).

- A payment of £500 or less is not a donation in law and is disregarded. Each
  payment counts on its own: every payment of a monthly gift is a donation.
- A donation in law must be checked against the permissible-donor rules within 30
  days of *receiving* it (when the money moved, not when we entered it).
- A donor whose donations in law add up to more than £7,500 within the period the
  rules use (a regulated period) is reportable. Only money still held counts: what
  was refunded, or withdrawn by a dispute that was lost, was not kept.

Nothing here reads the database or the clock: callers pass ledger rows as they
stand, so the same rows give the same answer whatever order they were written in.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

DONATION_IN_LAW_OVER_PENCE = 50_000
REPORTABLE_OVER_PENCE = 750_000
PERMISSIBILITY_CHECK_DAYS = 30

MONEY_IN = ("payment", "offline")


@dataclass(frozen=True)
class Row:
    """One ledger row as the law needs it (a LedgerEntry without the database)."""

    donation_id: int
    kind: str
    amount_pence: int
    moved_at: datetime
    charge_id: str = ""
    source_id: str = ""


# The ledger entry's columns a Row is made of (LedgerEntry.objects.only(*ROW_FIELDS)).
ROW_FIELDS = ["donation_id", "kind", "amount_pence", "moved_at", "stripe_charge_id", "source_id"]


def rows_of(entries) -> list[Row]:
    """Ledger entries as the law reads them (from objects already loaded: no query)."""
    return [
        Row(
            donation_id=e.donation_id,
            kind=e.kind,
            amount_pence=e.amount_pence,
            moved_at=e.moved_at,
            charge_id=e.stripe_charge_id,
            source_id=e.source_id,
        )
        for e in entries
    ]


@dataclass(frozen=True)
class Gift:
    """One donation in law: a payment over £500 and how much of it is still held."""

    source_id: str
    received_at: datetime
    paid_pence: int
    held_pence: int


@dataclass(frozen=True)
class Period:
    """The period the reportable sum is taken over.

    `days` set: any run of that many days (a rolling window, conservative when the
    dates of the next regulated period are not known yet). `start`/`end` set: that
    fixed regulated period only.
    """

    days: int | None = 365
    start: datetime | None = None
    end: datetime | None = None


def normalise_email(email: str) -> str:
    """One donor across gifts, as the reportable rule matches donors: case and
    surrounding spaces do not matter."""
    return (email or "").strip().lower()


def is_donation_in_law(amount_pence: int) -> bool:
    return amount_pence > DONATION_IN_LAW_OVER_PENCE


def permissibility_due_by(received_at: datetime) -> datetime:
    """The check is due 30 days after the money was received."""
    return received_at + timedelta(days=PERMISSIBILITY_CHECK_DAYS)


def is_reportable_sum(total_pence: int) -> bool:
    return total_pence > REPORTABLE_OVER_PENCE


def gifts_in_law(rows: list[Row]) -> list[Gift]:
    """Each payment over £500, with what refunds and disputes took back from it.

    Money taken back (refunds, disputes lost, less disputes won) belongs to the
    payment with the same charge; what names no payment's charge belongs to the
    donation's only payment, else to its payments newest first. A gift is never
    held below nothing.
    """
    by_donation: dict[int, list[Row]] = {}
    for row in rows:
        by_donation.setdefault(row.donation_id, []).append(row)
    gifts = []
    for donation_rows in by_donation.values():
        payments = sorted(
            (r for r in donation_rows if r.kind in MONEY_IN),
            key=lambda r: (r.moved_at, r.source_id),
        )
        held = {p.source_id: p.amount_pence for p in payments}
        charges = {p.charge_id: p.source_id for p in payments if p.charge_id}
        unmatched = 0
        for row in donation_rows:
            if row.kind in MONEY_IN:
                continue
            source = charges.get(row.charge_id)
            if source is None:
                unmatched += row.amount_pence
            else:
                held[source] += row.amount_pence
        for payment in reversed(payments):
            if unmatched >= 0:
                break
            taken = min(held[payment.source_id], -unmatched)
            held[payment.source_id] -= taken
            unmatched += taken
        for payment in payments:
            if is_donation_in_law(payment.amount_pence):
                gifts.append(
                    Gift(
                        source_id=payment.source_id,
                        received_at=payment.moved_at,
                        paid_pence=payment.amount_pence,
                        held_pence=max(0, min(held[payment.source_id], payment.amount_pence)),
                    )
                )
    return sorted(gifts, key=lambda g: (g.received_at, g.source_id))


def reportable_window(gifts: list[Gift], period: Period) -> tuple[datetime, datetime, int] | None:
    """The first period (start, end, total held) in which the gifts pass £7,500, or None."""
    held = [g for g in gifts if g.held_pence > 0]
    if period.days is None:
        total = sum(g.held_pence for g in held if period.start <= g.received_at < period.end)
        return (period.start, period.end, total) if is_reportable_sum(total) else None
    length = timedelta(days=period.days)
    for i, first in enumerate(held):
        end = first.received_at + length
        total = sum(g.held_pence for g in held[i:] if g.received_at < end)
        if is_reportable_sum(total):
            return first.received_at, end, total
    return None


def is_reportable(rows: list[Row], period: Period) -> bool:
    """Whether a donor (all their ledger rows) is reportable: the one question asked."""
    return reportable_window(gifts_in_law(rows), period) is not None
