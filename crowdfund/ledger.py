"""The money rules: how movements reach the ledger and what follows from them.

Every writer here is idempotent: an entry is keyed by the Stripe object that
moved the money (`source_id`) and its kind, so recording the same movement
twice is a no-op, whatever order or how often events arrive. Callers hold the
donation row lock (select_for_update) so two workers touching one donation take
turns; thresholds (target reached, milestones) are decided under a lock on the
crowdfund row so exactly one transaction crosses each of them.

Legal rules (UK, a non-party campaigner, not a charity: no Gift Aid):
- a gift of £500 or less is not a donation in law and is disregarded;
- a gift over £500 needs a permissible donor: a check is opened, due in 30 days;
- a donor whose gifts in law (each over £500) add up to more than £7,500 within
  one calendar year is reportable; each year (1 January to 31 December, UK time,
  by the date the money arrived) is counted on its own.
"""

from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

DONATION_IN_LAW_OVER_PENCE = 50_000
REPORTABLE_OVER_PENCE = 750_000
HALFWAY = 0.5
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


# --- pure rules ------------------------------------------------------------------
def normalise_email(email: str) -> str:
    """Match one donor across gifts: case and surrounding spaces do not matter."""
    return (email or "").strip().lower()


def is_donation_in_law(amount_pence: int) -> bool:
    return amount_pence > DONATION_IN_LAW_OVER_PENCE


def is_reportable(total_in_law_pence: int) -> bool:
    return total_in_law_pence > REPORTABLE_OVER_PENCE


def calendar_year_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """Start of the calendar year `moment` falls in (UK time) and of the next one."""
    year = timezone.localtime(moment).year
    start = timezone.make_aware(datetime(year, 1, 1))
    return start, timezone.make_aware(datetime(year + 1, 1, 1))


def arrival_moment(received_on: date | None) -> datetime:
    """When an offline gift arrived: midday on the date received (UK time), else now."""
    if received_on is None:
        return timezone.now()
    return timezone.make_aware(datetime.combine(received_on, time(12)))


def refund_still_to_record(cumulative_refunded: int, already_recorded: int) -> int:
    """Stripe sends the charge's cumulative amount_refunded; record only what is new.

    A duplicate or an older event (smaller cumulative figure) records nothing.
    """
    return max(0, cumulative_refunded - already_recorded)


def derive_status(
    *,
    monthly: bool,
    paid: int,
    refunded: int,
    disputed_open: bool,
    failed: bool,
    expired: bool,
    cancelled: bool,
) -> str:
    """The donation's status from facts that only ever accumulate, so order does not matter."""
    if paid > 0:
        if disputed_open:
            return "disputed"
        if refunded >= paid:
            return "refunded"
        if refunded > 0:
            return "partially_refunded"
        if monthly:
            return "cancelled" if cancelled else "active"
        return "paid"
    if monthly and cancelled:
        return "cancelled"
    if failed:
        return "failed"
    if expired:
        return "expired"
    return "pending"


def thresholds_reached(total: int, target: int, stretches: list[int]) -> list:
    """(kind, threshold) pairs the total has reached; each is announced once (a unique row)."""
    reached = []
    candidates = [("halfway", int(target * HALFWAY)), ("target", target)]
    candidates += [("stretch", amount) for amount in sorted(stretches) if amount > target]
    for kind, threshold in candidates:
        if threshold <= total:
            reached.append((kind, threshold))
    return reached


# --- writers (call inside transaction.atomic with the donation row locked) --------
def lock_donation(donation_id: int):
    from crowdfund.models import Donation

    return Donation.objects.select_for_update().get(pk=donation_id)


def _add_entry(donation, kind: str, amount: int, source_id: str, **extra):
    """Insert one ledger entry unless that movement is already recorded. Returns it or None."""
    from crowdfund.models import LedgerEntry

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
                **extra,
            )
    except IntegrityError:
        # Another transaction recorded it first: the constraint is the last word.
        return None
    return entry


def record_payment(donation, amount: int, source_id: str, *, charge_id="", event_id=""):
    """Money in from Stripe (a one-off payment intent or a monthly invoice)."""
    from crowdfund.models import LedgerKind

    if amount <= 0:
        return None
    entry = _add_entry(
        donation,
        LedgerKind.PAYMENT,
        amount,
        source_id,
        stripe_charge_id=charge_id,
        stripe_event_id=event_id,
    )
    if entry:
        if donation.paid_at is None:
            donation.paid_at = timezone.now()
        after_money_in(donation, entry)
    refresh_status(donation)
    return entry


def record_offline(donation, *, event_id=""):
    """An editor recorded a cheque, transfer or cash gift: it counts like any other."""
    from crowdfund.models import LedgerKind

    entry = _add_entry(
        donation,
        LedgerKind.OFFLINE,
        donation.amount_pence,
        f"offline:{donation.reference}",
        created_at=arrival_moment(donation.received_on),
    )
    if entry:
        donation.paid_at = donation.paid_at or timezone.now()
        after_money_in(donation, entry, send_receipt=False)
    refresh_status(donation)
    return entry


def record_refund(donation, charge_id: str, cumulative_refunded: int, *, event_id=""):
    """Bring the refunds recorded against a charge up to Stripe's cumulative figure."""
    from crowdfund.models import LedgerEntry, LedgerKind

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
            stripe_charge_id=charge_id,
            stripe_event_id=event_id,
        )
    refresh_status(donation)
    return entry


def record_dispute(donation, dispute_id: str, charge_id: str, amount: int, status: str, **kw):
    """Stripe withdraws a disputed amount when the dispute opens and returns it if won.

    Both movements are keyed by the dispute, so `closed` arriving before `created`,
    or either twice, ends in the same ledger. Inquiries (warning_*) move no money.
    """
    from crowdfund.models import LedgerKind

    if status.startswith("warning_"):
        refresh_status(donation)
        return
    _add_entry(
        donation,
        LedgerKind.DISPUTE_LOST,
        -amount,
        dispute_id,
        stripe_charge_id=charge_id,
        stripe_event_id=kw.get("event_id", ""),
    )
    if status == "won":
        _add_entry(
            donation,
            LedgerKind.DISPUTE_WON,
            amount,
            dispute_id,
            stripe_charge_id=charge_id,
            stripe_event_id=kw.get("event_id", ""),
        )
    refresh_status(donation)


def refresh_status(donation) -> None:
    """Recompute and save the status from the ledger and the recorded facts."""
    from crowdfund.models import Frequency, LedgerEntry, LedgerKind

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
    """Receipt, legal checks and thresholds, in the transaction that recorded the money."""
    from crowdfund import tasks

    if send_receipt and donation.email:
        transaction.on_commit(lambda: tasks.send_receipt.delay(entry.pk))
    if is_donation_in_law(entry.amount_pence):
        from crowdfund.models import PermissibilityCheck

        PermissibilityCheck.open_for(donation)
    flag_reportable_donor(donation, entry.created_at)
    check_thresholds(donation.crowdfund_id)


def flag_reportable_donor(donation, when: datetime | None = None) -> bool:
    """Flag a donor (by normalised email) whose gifts in law pass £7,500 in a calendar year.

    Only gifts over £500 count (smaller ones are not donations in law), and only the
    money that arrived in the calendar year of `when` (reporting is per period). The
    donor's donations with money in that year are flagged.
    """
    from crowdfund.models import Donation, LedgerEntry

    if not donation.email_normalised:
        return False
    start, end = calendar_year_bounds(when or timezone.now())
    in_year = LedgerEntry.objects.filter(
        donation__email_normalised=donation.email_normalised,
        created_at__gte=start,
        created_at__lt=end,
    )
    total = in_year.filter(donation__amount_pence__gt=DONATION_IN_LAW_OVER_PENCE).aggregate(
        total=Coalesce(Sum("amount_pence"), 0)
    )["total"]
    if not is_reportable(total):
        return False
    Donation.objects.filter(pk__in=in_year.values("donation")).update(reportable=True)
    donation.reportable = True
    return True


def check_thresholds(crowdfund_id: int) -> list:
    """Record (and announce) each threshold this movement crossed, exactly once.

    The crowdfund row is locked first, so concurrent payments take turns here and
    each sees the others' committed entries when it sums the ledger.
    """
    from wagtail.models import Page

    from crowdfund import tasks
    from crowdfund.models import CrowdfundPage, LedgerEntry, Milestone, StretchTarget

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
            transaction.on_commit(lambda pk=milestone.pk: tasks.announce_milestone.delay(pk))
    return reached
