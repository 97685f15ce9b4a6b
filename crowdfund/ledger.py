"""The money rules: how movements reach the ledger and what follows from them.

Every writer here is idempotent: an entry is keyed by the Stripe object that
moved the money (`source_id`) and its kind, so recording the same movement
twice is a no-op, whatever order or how often events arrive. Callers hold the
donation row lock (select_for_update) so two workers touching one donation take
turns; thresholds (target reached, milestones) are decided under a lock on the
crowdfund row so exactly one transaction crosses each of them.

The legal rules (UK, a non-party campaigner, not a charity: no Gift Aid) are pure
functions in `crowdfund/law.py`, the books' arithmetic (a donation's status, refunds,
thresholds) in `crowdfund/bookkeeping.py`. Here they are applied: each payment over £500
opens its own permissibility check, due 30 days after the money moved; and after
every new ledger entry the donor's reportable flag is decided again from all of
their ledger rows as they stand, in the same transaction (writers take the
donor's lock before any donation row: `lock_donation`), so refunds and disputes
can lower it, any delivery order ends with the same flag, and a crash cannot
leave it stale.

Every entry carries `moved_at`, when the money moved by Stripe's own timestamps
(or the day an offline gift arrived), not when the event happened to be applied.
"""

import hashlib
from datetime import date, datetime, time

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from wagtail.models import Page

from crowdfund import emails, law
from crowdfund.bookkeeping import derive_status, refund_still_to_record, thresholds_reached
from crowdfund.law import is_donation_in_law
from crowdfund.models import (
    CrowdfundPage,
    Donation,
    Frequency,
    LedgerEntry,
    LedgerKind,
    Milestone,
    PermissibilityCheck,
    StretchTarget,
)

# The columns event handlers may change on a donation (never the donor's details).
DONATION_FACTS = [
    "status",
    "reportable",
    "paid_at",
    "failed_at",
    "expired_at",
    "cancelled_at",
    "stripe_checkout_session_id",
    "stripe_payment_intent_id",
    "stripe_subscription_id",
    "stripe_customer_id",
]


# --- settings and the clock -------------------------------------------------------
def reportable_period() -> law.Period:
    """The period the reportable sum is taken over, from settings (docs/crowdfund.md)."""
    start = settings.CROWDFUND_REGULATED_PERIOD_START
    end = settings.CROWDFUND_REGULATED_PERIOD_END
    if start and end:
        return law.Period(
            days=None,
            start=timezone.make_aware(datetime.combine(date.fromisoformat(str(start)), time.min)),
            end=timezone.make_aware(datetime.combine(date.fromisoformat(str(end)), time.min)),
        )
    return law.Period(days=settings.CROWDFUND_REPORTABLE_PERIOD_DAYS)


def arrival_moment(received_on: date | None) -> datetime:
    """When an offline gift arrived: midday on the date received (UK time), else now."""
    if received_on is None:
        return timezone.now()
    return timezone.make_aware(datetime.combine(received_on, time(12)))


# --- locks: the donor first, then the donation --------------------------------------
def lock_donor(email_normalised: str, donation_id: int) -> None:
    """Take the donor's lock for the rest of the transaction (a PostgreSQL advisory lock).

    Every writer takes it before any donation row, so transactions touching one donor
    (different gifts of one person included) take turns, and the one that decides the
    reportable flag reads every row the others committed; no two can wait on each
    other's donation rows. SQLite runs one writing transaction at a time anyway.
    """
    if connection.vendor != "postgresql":
        return
    donor = email_normalised or f"gift:{donation_id}"
    digest = hashlib.blake2b(f"crowdfund-donor:{donor}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
        )


def lock_donation_where(query):
    """Lock the donor, then the donation a query names; None if it names none."""
    found = Donation.objects.filter(query).values_list("pk", "email_normalised").first()
    if found is None:
        return None
    lock_donor(found[1], found[0])
    return Donation.objects.select_for_update().get(pk=found[0])


# --- writers (call inside transaction.atomic with the donation locked as above) -----
def lock_donation(donation_id: int):
    donation = lock_donation_where(Q(pk=donation_id))
    if donation is None:
        raise Donation.DoesNotExist(donation_id)
    return donation


def _add_entry(donation, kind: str, amount: int, source_id: str, *, moved_at=None, **extra):
    """Insert one ledger entry unless that movement is already recorded. Returns it or None.

    A new entry has the donor's reportable flag decided again in the same transaction.
    """
    if LedgerEntry.objects.filter(source_id=source_id, kind=kind).exists():
        return None
    try:
        with transaction.atomic():
            entry = LedgerEntry.objects.create(
                crowdfund_id=donation.crowdfund_id,
                donation=donation,
                kind=kind,
                amount_pence=amount,
                source_id=source_id,
                moved_at=moved_at or timezone.now(),
                **extra,
            )
    except IntegrityError:
        # Another transaction recorded it first: the constraint is the last word.
        return None
    decide_reportable(donation)
    return entry


def record_payment(
    donation, amount: int, source_id: str, *, charge_id="", event_id="", moved_at=None
):
    """Money in from Stripe (a one-off payment intent or a monthly invoice)."""
    if amount <= 0:
        return None
    entry = _add_entry(
        donation,
        LedgerKind.PAYMENT,
        amount,
        source_id,
        moved_at=moved_at,
        stripe_charge_id=charge_id,
        stripe_event_id=event_id,
    )
    if entry:
        if donation.paid_at is None or entry.moved_at < donation.paid_at:
            donation.paid_at = entry.moved_at
        after_money_in(donation, entry)
    refresh_status(donation)
    return entry


def record_offline(donation, *, event_id=""):
    """An editor recorded a cheque, transfer or cash gift: it counts like any other."""
    entry = _add_entry(
        donation,
        LedgerKind.OFFLINE,
        donation.amount_pence,
        f"offline:{donation.reference}",
        moved_at=arrival_moment(donation.received_on),
    )
    if entry:
        donation.paid_at = donation.paid_at or timezone.now()
        after_money_in(donation, entry, send_receipt=False)
    refresh_status(donation)
    return entry


def record_refund(
    donation, charge_id: str, cumulative_refunded: int, *, event_id="", moved_at=None
):
    """Bring the refunds recorded against a charge up to Stripe's cumulative figure."""
    already = -LedgerEntry.objects.filter(
        stripe_charge_id=charge_id, kind=LedgerKind.REFUND
    ).aggregate(total=Coalesce(Sum("amount_pence"), 0))["total"]
    new = refund_still_to_record(cumulative_refunded, already)
    entry = None
    if new:
        entry = _add_entry(
            donation,
            LedgerKind.REFUND,
            -new,
            f"{charge_id}:refunded_to:{cumulative_refunded}",
            moved_at=moved_at,
            stripe_charge_id=charge_id,
            stripe_event_id=event_id,
        )
    refresh_status(donation)
    return entry


def record_dispute(donation, dispute_id: str, charge_id: str, amount: int, status: str, **kw):
    """Stripe withdraws a disputed amount when the dispute opens and returns it if won.

    Both movements are keyed by the dispute, so `closed` arriving before `created`,
    or either twice, ends in the same ledger. Inquiries (warning_*) move no money.
    The withdrawal is dated when the dispute opened (`opened_at`), the return when
    it was won (`moved_at`, the closing event's time).
    """
    if status.startswith("warning_"):
        refresh_status(donation)
        return
    _add_entry(
        donation,
        LedgerKind.DISPUTE_LOST,
        -amount,
        dispute_id,
        moved_at=kw.get("opened_at"),
        stripe_charge_id=charge_id,
        stripe_event_id=kw.get("event_id", ""),
    )
    if status == "won":
        _add_entry(
            donation,
            LedgerKind.DISPUTE_WON,
            amount,
            dispute_id,
            moved_at=kw.get("moved_at"),
            stripe_charge_id=charge_id,
            stripe_event_id=kw.get("event_id", ""),
        )
    refresh_status(donation)


def refresh_status(donation) -> None:
    """Recompute and save the status from the ledger and the recorded facts."""
    entries = list(
        LedgerEntry.objects.filter(donation=donation).values_list(
            "kind", "amount_pence", "source_id"
        )
    )
    paid = sum(a for k, a, _ in entries if k in (LedgerKind.PAYMENT, LedgerKind.OFFLINE))
    refunded = -sum(a for k, a, _ in entries if k == LedgerKind.REFUND)
    won = {s for k, _, s in entries if k == LedgerKind.DISPUTE_WON}
    disputed = any(k == LedgerKind.DISPUTE_LOST and s not in won for k, _, s in entries)
    donation.status = derive_status(
        monthly=donation.frequency == Frequency.MONTHLY,
        paid=paid,
        refunded=refunded,
        disputed_open=disputed,
        failed=donation.failed_at is not None,
        expired=donation.expired_at is not None,
        cancelled=donation.cancelled_at is not None,
    )
    donation.save(update_fields=DONATION_FACTS)


# --- what follows money coming in ---------------------------------------------------
def after_money_in(donation, entry, *, send_receipt: bool = True) -> None:
    """Receipt, the payment's legal check and thresholds, in the transaction that recorded it."""
    if send_receipt and donation.email:
        transaction.on_commit(lambda: emails.send_receipt.delay(entry.pk))
    if is_donation_in_law(entry.amount_pence):
        PermissibilityCheck.open_for(entry)
    check_thresholds(donation.crowdfund_id)


def _donor_flag(email_normalised: str, donation_id: int) -> tuple[list[int], bool]:
    """The donor's donations and their flag, from all of their ledger rows as they stand.

    Donors are matched by normalised email; a gift without an email (an offline
    gift) is its own donor.
    """
    donor = {"email_normalised": email_normalised} if email_normalised else {"pk": donation_id}
    ids = list(Donation.objects.filter(**donor).order_by("pk").values_list("pk", flat=True))
    rows = law.rows_of(LedgerEntry.objects.filter(donation_id__in=ids).only(*law.ROW_FIELDS))
    return ids, law.is_reportable(rows, reportable_period())


def decide_reportable(donation) -> bool:
    """Decide the donor's flag inside the transaction that wrote their new ledger entry.

    The caller holds the donor's lock (`lock_donation`), so no other writer for this
    donor runs meanwhile: the flag commits with the entry or not at all, and a crash
    can never leave it stale.
    """
    ids, flag = _donor_flag(donation.email_normalised, donation.pk)
    Donation.objects.filter(pk__in=ids).exclude(reportable=flag).update(reportable=flag)
    donation.reportable = flag  # the handler saves the donation's facts after this
    return flag


def refresh_reportable(email_normalised: str, donation_id: int | None = None) -> bool:
    """Decide one donor's flag again in its own transaction (reconcile_stripe's repair,
    or after the reporting period setting changed), under the donor's lock."""
    with transaction.atomic():
        lock_donor(email_normalised, donation_id)
        ids, flag = _donor_flag(email_normalised, donation_id)
        Donation.objects.filter(pk__in=ids).exclude(reportable=flag).update(reportable=flag)
    return flag


def refresh_all_reportable() -> int:
    """Decide every donor's flag again (reconcile_stripe, or after the period setting changed)."""
    with_money = Donation.objects.filter(ledger_entries__isnull=False)
    donors = set(with_money.exclude(email_normalised="").values_list("email_normalised", flat=True))
    alone = with_money.filter(email_normalised="").values_list("pk", flat=True).distinct()
    flagged = sum(refresh_reportable(email) for email in sorted(donors))
    return flagged + sum(refresh_reportable("", pk) for pk in list(alone))


def check_thresholds(crowdfund_id: int) -> list:
    """Record (and announce) each threshold this movement crossed, exactly once.

    The crowdfund row is locked first, so concurrent payments take turns here and
    each sees the others' committed entries when it sums the ledger.
    """
    Page.objects.select_for_update().filter(pk=crowdfund_id).first()
    target = CrowdfundPage.objects.filter(pk=crowdfund_id).values_list("target_pence", flat=True)[0]
    after = LedgerEntry.objects.filter(crowdfund_id=crowdfund_id).aggregate(
        total=Coalesce(Sum("amount_pence"), 0)
    )["total"]
    stretches = list(
        StretchTarget.objects.filter(page_id=crowdfund_id).values_list("amount_pence", flat=True)
    )
    announced = set(
        Milestone.objects.filter(crowdfund_id=crowdfund_id).values_list("kind", "threshold_pence")
    )
    reached = []
    for kind, threshold in thresholds_reached(after, target, stretches):
        if (kind, threshold) in announced:
            continue
        milestone, created = Milestone.objects.get_or_create(
            crowdfund_id=crowdfund_id,
            kind=kind,
            threshold_pence=threshold,
            defaults={"total_pence_then": after},
        )
        if created:
            reached.append(milestone)
            transaction.on_commit(lambda pk=milestone.pk: emails.announce_milestone.delay(pk))
    return reached
