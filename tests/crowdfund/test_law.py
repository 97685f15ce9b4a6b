"""Donation law for a non-party campaigner: each rule as a table, then through the webhooks.

Sources: the Political Parties, Elections and Referendums Act 2000 (PPERA), Schedule 11
(donations to recognised third parties), and the Electoral Commission's guidance for
non-party campaigners, "Donations" (see docs/crowdfund.md for the sections).
"""

from datetime import UTC, datetime, timedelta

import pytest

from crowdfund import law

DAY = timedelta(days=1)
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def payment(amount, at=T0, donation=1, source=None, charge=""):
    source = source or f"pi_{donation}_{amount}_{at}"
    return law.Row(donation, "payment", amount, at, charge, source)


def taken_back(kind, amount, donation=1, charge="", source="x", at=T0):
    return law.Row(donation, kind, amount, at, charge, source)


# EC guidance "What is a donation?"; PPERA Sch. 11: £500 or less is not a donation.
@pytest.mark.parametrize(
    ("amount_pence", "in_law"),
    [(1, False), (50_000, False), (50_001, True), (750_001, True)],
)
def test_only_payments_over_500_are_donations_in_law(amount_pence, in_law):
    assert law.is_donation_in_law(amount_pence) is in_law


# EC guidance "Checking whether a donation is permissible": within 30 days of receipt.
@pytest.mark.parametrize(
    ("received", "due"),
    [
        (datetime(2026, 12, 31, 23, 50, tzinfo=UTC), datetime(2027, 1, 30, 23, 50, tzinfo=UTC)),
        (datetime(2026, 2, 1, 9, tzinfo=UTC), datetime(2026, 3, 3, 9, tzinfo=UTC)),
    ],
)
def test_permissibility_check_is_due_30_days_after_the_money_was_received(received, due):
    assert law.permissibility_due_by(received) == due


# EC guidance: each payment of a regular gift is a separate donation (and £500 or less
# each is disregarded however many there are).
@pytest.mark.parametrize(
    ("monthly_pence", "months", "gifts"),
    [(60_000, 3, 3), (50_000, 12, 0), (40_000, 20, 0), (50_001, 1, 1)],
)
def test_each_payment_of_a_monthly_gift_is_its_own_donation(monthly_pence, months, gifts):
    rows = [payment(monthly_pence, T0 + 30 * DAY * n, source=f"in_{n}") for n in range(months)]
    assert len(law.gifts_in_law(rows)) == gifts


# EC guidance "Reporting donations"; PPERA Sch. 11: over £7,500 in the regulated period,
# counting only what was kept (a refunded or lost-in-dispute gift was not accepted).
ROLLING = law.Period(days=365)
REPORTABLE_CASES = [
    ("£7,500 exactly", [payment(750_000)], False),
    ("£7,500.01", [payment(750_001)], True),
    ("£4,000 + £4,000", [payment(400_000, donation=1), payment(400_000, donation=2)], True),
    (
        "£6,000 disputed and lost, then £2,000",
        [
            payment(600_000, donation=1, charge="ch_1"),
            taken_back("dispute_lost", -600_000, charge="ch_1", source="dp_1"),
            payment(200_000, T0 + DAY, donation=2),
        ],
        False,
    ),
    (
        "£5,000, then £3,000 disputed and won",
        [
            payment(500_000, donation=1),
            payment(300_000, donation=2, charge="ch_2"),
            taken_back("dispute_lost", -300_000, donation=2, charge="ch_2", source="dp_2"),
            taken_back("dispute_won", 300_000, donation=2, charge="ch_2", source="dp_2"),
        ],
        True,
    ),
    (
        "£8,000 refunded by 1p",
        [payment(800_000), taken_back("refund", -1, charge="ch_x")],
        True,
    ),
    (
        "£8,000 refunded by £501",
        [payment(800_000), taken_back("refund", -50_100)],
        False,
    ),
    (
        "£8,000 in £400s (not donations in law)",
        [payment(40_000, donation=n) for n in range(20)],
        False,
    ),
    (
        "£4,000 and £4,000 364 days apart",
        [payment(400_000, donation=1), payment(400_000, T0 + 364 * DAY, donation=2)],
        True,
    ),
    (
        "£4,000 and £4,000 365 days apart",
        [payment(400_000, donation=1), payment(400_000, T0 + 365 * DAY, donation=2)],
        False,
    ),
]


@pytest.mark.parametrize(
    ("history", "reportable"),
    [(rows, reportable) for _, rows, reportable in REPORTABLE_CASES],
    ids=[name for name, _, _ in REPORTABLE_CASES],
)
def test_reportable_is_over_7500_held_within_the_period(history, reportable):
    assert law.is_reportable(history, ROLLING) is reportable
    assert law.is_reportable(list(reversed(history)), ROLLING) is reportable


def test_a_fixed_regulated_period_counts_only_what_was_received_inside_it():
    period = law.Period(
        days=None,
        start=datetime(2026, 1, 1, tzinfo=UTC),
        end=datetime(2027, 1, 1, tzinfo=UTC),
    )
    before_midnight = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    after_midnight = datetime(2027, 1, 1, 0, 1, tzinfo=UTC)
    first = payment(400_000, donation=1)
    assert law.is_reportable([first, payment(400_000, before_midnight, donation=2)], period)
    assert not law.is_reportable([first, payment(400_000, after_midnight, donation=2)], period)


def test_money_taken_back_belongs_to_the_payment_with_its_charge():
    """A monthly gift: the £600 refunded is the second payment's, not the first's."""
    rows = [
        payment(60_000, T0, source="in_1", charge="ch_1"),
        payment(60_000, T0 + 30 * DAY, source="in_2", charge="ch_2"),
        taken_back("refund", -60_000, charge="ch_2", source="ch_2:refunded_to:60000"),
    ]
    held = {g.source_id: g.held_pence for g in law.gifts_in_law(rows)}
    assert held == {"in_1": 60_000, "in_2": 0}
