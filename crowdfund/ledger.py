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

import functools
import threading
import uuid
from contextlib import contextmanager
from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from cms import written_sql
from crowdfund import emails, law
from crowdfund.bookkeeping import (
    derive_status,
    refund_still_to_record,
    thresholds,
    thresholds_reached,
)
from crowdfund.law import is_donation_in_law
from crowdfund.models import (
    Donation,
    Frequency,
    LedgerEntry,
    LedgerKind,
    Milestone,
    PermissibilityCheck,
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
def _donor_lock_name(email_normalised: str, donation_id: int) -> str:
    """The donor's lock name: one per normalised email, else one per gift."""
    return f"crowdfund-donor:{email_normalised or f'gift:{donation_id}'}"


# PostgreSQL turns the name into the advisory lock's key (a 64-bit hash), the same way
# for `lock_donor` and for the donation lock statement below, which builds the name from
# the row it finds.
DONOR_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))"


def lock_donor(email_normalised: str, donation_id: int) -> None:
    """Take the donor's lock for the rest of the transaction (a PostgreSQL advisory lock).

    Every writer takes it before any donation row, so transactions touching one donor
    (different gifts of one person included) take turns, and the one that decides the
    reportable flag reads every row the others committed; no two can wait on each
    other's donation rows. SQLite runs one writing transaction at a time anyway.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(DONOR_LOCK_SQL, [_donor_lock_name(email_normalised, donation_id)])


class DonorBusy(Exception):
    """In a batch (`in_a_batch`): the donor is held by another transaction, or was passed
    by earlier in this batch. Nothing is waited for; the event is tried again later."""


# The donor's lock name built in SQL from the found row, as `_donor_lock_name` does.
DONOR_NAME_SQL = (
    "'crowdfund-donor:' || CASE WHEN found.email_normalised <> '' "
    "THEN found.email_normalised ELSE 'gift:' || found.id END"
)
# Find the donation, take its donor's lock, then lock its row, in one statement. Each
# CTE is materialised, so evaluated once and before the row lock: the advisory lock is
# taken on the found row's donor before the row is locked for update.
LOCK_DONOR_AND_DONATION_SQL = """
WITH found AS MATERIALIZED ({found}),
donor AS MATERIALIZED (
    SELECT found.id, pg_advisory_xact_lock(hashtextextended({donor_name}, 0)) AS held
    FROM found
)
SELECT {columns} FROM crowdfund_donation donation JOIN donor ON donation.id = donor.id
FOR UPDATE OF donation
"""
# The same for a batch, waiting for nothing: the donor's lock only if it is free and not
# one the batch passed by (the array parameter), the row only if no one holds it (NOWAIT
# raises). One row whenever the donation is found, with whether its donor was taken.
TRY_LOCK_DONOR_AND_DONATION_SQL = """
WITH found AS MATERIALIZED ({found}),
donor AS MATERIALIZED (
    SELECT found.id, {donor_name} AS name FROM found
),
held AS MATERIALIZED (
    SELECT donor.id, donor.name, CASE WHEN donor.name = ANY(%s) THEN false
        ELSE pg_try_advisory_xact_lock(hashtextextended(donor.name, 0)) END AS taken
    FROM donor
),
locked AS (
    SELECT donation.* FROM crowdfund_donation donation JOIN held ON donation.id = held.id
    WHERE held.taken FOR UPDATE OF donation NOWAIT
)
SELECT {columns}, held.taken AS donor_taken, held.name AS donor_name
FROM held LEFT JOIN locked ON locked.id = held.id
"""
# The found row's query: "WHERE a = %s OR b = %s" on the donation's own columns is written
# here once per shape (the lookups, the connector); anything else Django compiles.
FOUND_SQL = (
    'SELECT "crowdfund_donation"."id", "crowdfund_donation"."email_normalised" '
    'FROM "crowdfund_donation" WHERE ({where}) ORDER BY "crowdfund_donation"."id" ASC LIMIT 1'
)
_found_sql_by_shape: dict[tuple, str] = {}
# A locked donation's row, read back as a queryset would load it.
_DONATION_ROW = written_sql.RowReader(Donation, written_sql.columns(Donation, "donation")[1])


@functools.lru_cache(maxsize=64)
def _lock_statement(found: str, in_a_batch: bool) -> str:
    """The lock statement for a found row's query, written out once per query shape."""
    if in_a_batch:
        return TRY_LOCK_DONOR_AND_DONATION_SQL.format(
            found=found,
            donor_name=DONOR_NAME_SQL,
            columns=written_sql.columns(Donation, "locked")[0],
        )
    return LOCK_DONOR_AND_DONATION_SQL.format(
        found=found, donor_name=DONOR_NAME_SQL, columns=written_sql.columns(Donation, "donation")[0]
    )


def _plain_lookups(query) -> list | None:
    """(field, value) of each child if the query is `field=value` ORed or ANDed on the
    donation's own columns (what the handlers ask), else None."""
    if not isinstance(query, Q) or query.negated or not query.children:
        return None
    found = []
    for child in query.children:
        if not isinstance(child, tuple) or "__" in child[0]:
            return None
        name, value = child
        if not isinstance(value, str | int | uuid.UUID) or isinstance(value, bool):
            return None
        meta = Donation._meta
        try:
            field = meta.pk if name == "pk" else meta.get_field(name)
        except FieldDoesNotExist:
            return None  # Django says what is wrong
        if not field.concrete or field.is_relation:
            return None
        found.append((field, value))
    return found


def found_sql(query) -> tuple[str, list]:
    """The SQL (and its parameters) of the donation a query names first, lowest id first:
    `Donation.objects.filter(query).order_by("pk").values("id", "email_normalised")[:1]`.

    Compiling that through Django costs more CPU than PostgreSQL spends on the whole
    statement; the handlers' plain lookups are written out once per shape instead.
    """
    lookups = _plain_lookups(query)
    if lookups is None:
        found = Donation.objects.filter(query).order_by("pk").values("id", "email_normalised")
        return found[:1].query.sql_with_params()
    shape = (query.connector, tuple(field.column for field, _ in lookups))
    sql = _found_sql_by_shape.get(shape)
    if sql is None:
        quote = connection.ops.quote_name
        where = f" {query.connector} ".join(
            f'"crowdfund_donation".{quote(column)} = %s' for column in shape[1]
        )
        sql = _found_sql_by_shape[shape] = FOUND_SQL.format(where=where)
    params = [field.get_db_prep_value(value, connection) for field, value in lookups]
    return sql, params


def lock_donation_where(query, found: tuple[str, list] | None = None):
    """Lock the donor, then the donation a query names (the lowest id if several); None
    if it names none. One round trip on PostgreSQL (the statements above). In a batch,
    raises DonorBusy rather than wait for the donor.

    `found`: the query's `found_sql`, when the caller has it written out already."""
    if connection.vendor != "postgresql":
        found = Donation.objects.filter(query).order_by("pk").values_list("id", flat=True)
        pk = found.first()
        return None if pk is None else Donation.objects.select_for_update().get(pk=pk)
    found, params = found or found_sql(query)
    passed = getattr(_batch, "passed_donors", None)
    if passed is None:
        row = _fetch_one(_lock_statement(found, False), params)
        return None if row is None else _DONATION_ROW.build(row)
    row = _fetch_one(_lock_statement(found, True), [*params, sorted(passed)])
    if row is None:
        return None
    *values, donor_taken, donor_name = row
    if not donor_taken:
        # Its later events in this batch wait too, so one donor's events keep their order.
        passed.add(donor_name)
        raise DonorBusy(donor_name)
    return _DONATION_ROW.build(values)


def _fetch_one(sql: str, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


# --- writers (call inside transaction.atomic with the donation locked as above) -----
def lock_donation(donation_id: int):
    donation = lock_donation_where(Q(pk=donation_id))
    if donation is None:
        raise Donation.DoesNotExist(donation_id)
    return donation


def _add_entry(donation, kind: str, amount: int, source_id: str, *, moved_at=None, **extra):
    """Insert one ledger entry unless that movement is already recorded. Returns it or None.

    One statement (INSERT ... ON CONFLICT DO NOTHING on the entry's natural key): the
    unique constraint decides, so a movement recorded by another transaction, even one
    committing at this moment, is never recorded twice. A new entry has the donor's
    reportable flag decided again in the same transaction.
    """
    if amount == 0:
        return None  # moves no money (and the sign constraint would refuse it)
    donation.__dict__.pop(ROWS_AS_READ, None)
    entry = LedgerEntry(
        crowdfund_id=donation.crowdfund_id,
        donation=donation,
        kind=kind,
        amount_pence=amount,
        source_id=source_id,
        moved_at=moved_at or timezone.now(),
        **extra,
    )
    if connection.vendor != "postgresql":
        if not _insert_unless_recorded(entry):
            return None
        decide_reportable(donation)
        return entry
    donor_rows = _insert_with_donor_rows(entry, donation)
    if donor_rows is None:
        return None
    decide_reportable(donation, donor_rows)
    return entry


def _insert_unless_recorded(entry) -> bool:
    """INSERT the entry, or nothing if its (source_id, kind) is recorded; whether it was."""
    return insert_unless_present(entry, ["source_id", "kind"])


# A ledger entry inserted unless recorded and, only if it was, its donor's rows as
# `_donor_rows` reads them: one statement, one round trip. The SELECT sees the rows as
# they were before the INSERT (a statement has one snapshot), so the new row is added
# from what the INSERT returns (the first column, its id, is set on that row only).
INSERT_WITH_DONOR_ROWS_SQL = """
WITH new AS ({insert} RETURNING {returning})
SELECT new.id, NULL, NULL, new.donation_id, new.kind, new.amount_pence, new.moved_at,
    new.stripe_charge_id, new.source_id
FROM new
UNION ALL
SELECT NULL, donation.id, donation.reportable, entry.donation_id, entry.kind,
    entry.amount_pence, entry.moved_at, entry.stripe_charge_id, entry.source_id
FROM crowdfund_donation donation
LEFT OUTER JOIN crowdfund_ledgerentry entry ON donation.id = entry.donation_id
WHERE {donor} AND EXISTS (SELECT 1 FROM new)
"""


def _insert_with_donor_rows(entry, donation) -> list | None:
    """INSERT the entry unless its movement is recorded (as `_insert_unless_recorded`);
    None if it was, else the donor's rows with the new one (as `_donor_rows` gives them)."""
    fields, _ = _insert_statement(LedgerEntry, ("source_id", "kind"))
    values = [db_value(field, field.pre_save(entry, True)) for field in fields]
    sql = _insert_with_donor_rows_sql(bool(donation.email_normalised))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, donation.email_normalised or donation.pk])
        rows = cursor.fetchall()
    new = [row for row in rows if row[0] is not None]
    if not new:
        return None
    [(pk, _, _, *new_row)] = new
    entry.pk = pk
    entry._state.adding = False
    entry._state.db = connection.alias
    donor_rows = [row[1:] for row in rows if row[0] is None]
    # The new row belongs to one of the donor's donations (the one it was inserted for),
    # which has a row now: the one read as having none goes.
    reportable = next((r[1] for r in donor_rows if r[0] == donation.pk), donation.reportable)
    donor_rows = [r for r in donor_rows if r[0] != donation.pk or r[2] is not None]
    return [*donor_rows, (donation.pk, reportable, *new_row)]


@functools.cache
def _insert_with_donor_rows_sql(by_email: bool) -> str:
    _, insert = _insert_statement(LedgerEntry, ("source_id", "kind"))
    donor = "donation.email_normalised = %s" if by_email else "donation.id = %s"
    returning = ", ".join(["id", *law.ROW_FIELDS])
    return INSERT_WITH_DONOR_ROWS_SQL.format(insert=insert, returning=returning, donor=donor)


def insert_unless_present(instance, unique_fields: list[str]) -> bool:
    """INSERT a new row in one statement, or nothing if a row with the same unique fields
    exists (ON CONFLICT DO NOTHING): whether it was inserted, its pk set if so.

    No read before it and no savepoint around it: the unique constraint decides, even
    against a transaction committing the same row at this moment. Sends no signals.
    """
    fields, sql = _insert_statement(type(instance), tuple(unique_fields))
    values = [db_value(field, field.pre_save(instance, True)) for field in fields]
    sql = f"{sql} RETURNING {connection.ops.quote_name(instance._meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return True


# Values that need no conversion for a field, by its internal type: `get_db_prep_save`
# hands them over as they are (text and flags; whole numbers it wraps in a typed integer).
AS_IS = {"CharField": str, "TextField": str, "EmailField": str, "BooleanField": bool}


def db_value(field, value):
    """`field.get_db_prep_save(value, connection)`, without the calls for a value that
    passes as it is (the common case: most of a row's columns)."""
    as_is = AS_IS.get(field.get_internal_type())
    if as_is is not None and (value is None or type(value) is as_is):
        return value
    return field.get_db_prep_save(value, connection)


@functools.cache
def _insert_statement(model, unique_fields: tuple[str, ...]) -> tuple[list, str]:
    """The fields (all but the pk) and the INSERT ... ON CONFLICT DO NOTHING statement of a
    model (without its RETURNING), built once per model and key."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    # Every name comes from the model's own metadata, never from input.
    columns = ", ".join(quote(field.column) for field in fields)
    conflict = ", ".join(quote(meta.get_field(name).column) for name in unique_fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({conflict}) DO NOTHING"
    )
    return fields, sql


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


# The refunds recorded against a charge (negative pence), as `record_refund` reads them.
REFUNDED_SQL = (
    'SELECT COALESCE(SUM("amount_pence"), 0) FROM "crowdfund_ledgerentry" '
    'WHERE "stripe_charge_id" = %s AND "kind" = %s'
)


def record_refund(
    donation, charge_id: str, cumulative_refunded: int, *, event_id="", moved_at=None
):
    """Bring the refunds recorded against a charge up to Stripe's cumulative figure."""
    with connection.cursor() as cursor:
        cursor.execute(REFUNDED_SQL, [charge_id, LedgerKind.REFUND.value])
        already = -cursor.fetchone()[0]
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


# Set on a donation by `decide_reportable`: its ledger rows as read after the newest entry
# (kind, amount, source), so `refresh_status` right after needs no query of its own. Any
# new entry clears it first (`_add_entry`).
ROWS_AS_READ = "_ledger_rows_as_read"


def refresh_status(donation) -> None:
    """Recompute and save the status from the ledger and the recorded facts."""
    entries = donation.__dict__.pop(ROWS_AS_READ, None)
    if entries is None:
        with connection.cursor() as cursor:
            cursor.execute(DONATION_ROWS_SQL, [donation.pk])
            entries = cursor.fetchall()
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
    save_facts(donation)


# A donation's ledger rows as `refresh_status` needs them.
DONATION_ROWS_SQL = (
    'SELECT "kind", "amount_pence", "source_id" FROM "crowdfund_ledgerentry" '
    'WHERE "donation_id" = %s'
)


def save_facts(donation) -> None:
    """`donation.save(update_fields=DONATION_FACTS)` as one UPDATE, without the model's
    save machinery: the same statement, at a fraction of the CPU.

    No signal is sent, and none is missed: the page cache purges only on columns the
    public sees (crowdfund/apps.py), none of which is a fact (a test holds this).
    """
    fields = _save_facts_fields()
    values = [db_value(field, getattr(donation, field.attname)) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(_save_facts_sql(), [*values, donation.pk])
        if cursor.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")


@functools.cache
def _save_facts_fields() -> list:
    return [Donation._meta.get_field(name) for name in DONATION_FACTS]


@functools.cache
def _save_facts_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"{quote(Donation._meta.get_field(name).column)} = %s" for name in DONATION_FACTS
    )
    return f'UPDATE "crowdfund_donation" SET {columns} WHERE "id" = %s'  # noqa: S608


# --- what follows money coming in ---------------------------------------------------
def after_money_in(donation, entry, *, send_receipt: bool = True) -> None:
    """Receipt, the payment's legal check and thresholds, in the transaction that recorded it."""
    if send_receipt and donation.email:
        receipts = getattr(_batch, "receipts", None)
        if receipts is None:
            transaction.on_commit(lambda: emails.send_receipt.delay(entry.pk))
        else:
            # Kept only if this event's savepoint is; the batch queues them all at once.
            transaction.on_commit(lambda: receipts.append(entry.pk))
    if is_donation_in_law(entry.amount_pence):
        PermissibilityCheck.open_for(entry)
    later = getattr(_batch, "crowdfunds", None)
    if later is None:
        check_thresholds(donation.crowdfund_id)
    else:
        later.add(donation.crowdfund_id)


_batch = threading.local()


@contextmanager
def in_a_batch():
    """Writes of many events in one transaction (crowdfund/inbox.py), while it is open:

    - a donor held by another transaction is not waited for (`DonorBusy`), so batches
      applied at once never wait on each other's donors, and cannot deadlock on them;
      the donor's later events in the batch are passed by as well;
    - money coming in has its crowdfund's thresholds checked once, on the way out, in
      the same transaction (crowdfunds in id order), not after every payment: the sum is
      taken after all of the batch's money, and each threshold is still crossed by
      exactly one transaction (the page lock);
    - the receipts of the payments it recorded are queued as one task after commit
      (each still sent once: `emails.send_receipt`), not one task per payment.
    """
    if getattr(_batch, "crowdfunds", None) is not None:
        raise RuntimeError("already in a batch")
    receipts = []
    _batch.crowdfunds, _batch.passed_donors, _batch.receipts = set(), set(), receipts
    try:
        yield
        crowdfunds, _batch.crowdfunds = sorted(_batch.crowdfunds), None
        _batch.passed_donors = _batch.receipts = None
        for crowdfund_id in crowdfunds:
            check_thresholds(crowdfund_id)
        # After the receipts' own callbacks (in order), with those the batch kept.
        transaction.on_commit(lambda: receipts and emails.send_receipts.delay(receipts))
    finally:
        _batch.crowdfunds = _batch.passed_donors = _batch.receipts = None


def _donor_flag(email_normalised: str, donation_id: int, donor_rows=None):
    """The donor's donations (and the flag each holds), their ledger rows, and their flag
    decided from all of those rows as they stand: one query.

    Donors are matched by normalised email; a gift without an email (an offline
    gift) is its own donor.
    """
    held: dict[int, bool] = {}
    rows = []
    if donor_rows is None:
        donor_rows = _donor_rows(email_normalised, donation_id)
    for pk, reportable, *entry in donor_rows:
        held[pk] = reportable
        if entry[1] is not None:  # a donation with no ledger rows yet
            donation_id, kind, amount, moved_at, charge_id, source_id = entry
            rows.append(law.Row(donation_id, kind, amount, moved_at, charge_id, source_id))
    return held, rows, law.is_reportable(rows, reportable_period())


# The donor's donations and their ledger rows (`_donor_rows`), written out: the statement
# Django would compile for the queryset below on every new ledger entry.
DONOR_ROWS_SQL = """
SELECT donation.id, donation.reportable, entry.donation_id, entry.kind, entry.amount_pence,
    entry.moved_at, entry.stripe_charge_id, entry.source_id
FROM crowdfund_donation donation
LEFT OUTER JOIN crowdfund_ledgerentry entry ON donation.id = entry.donation_id
WHERE {donor} ORDER BY donation.created_at DESC
"""


def _donor_rows(email_normalised: str, donation_id: int):
    """(donation id, its flag, and a ledger row's ROW_FIELDS or Nones) for the donor."""
    if connection.vendor != "postgresql":
        donor = {"email_normalised": email_normalised} if email_normalised else {"pk": donation_id}
        return Donation.objects.filter(**donor).values_list(
            "pk", "reportable", *(f"ledger_entries__{field}" for field in law.ROW_FIELDS)
        )
    if email_normalised:
        sql, param = DONOR_ROWS_SQL.format(donor="donation.email_normalised = %s"), email_normalised
    else:
        sql, param = DONOR_ROWS_SQL.format(donor="donation.id = %s"), donation_id
    with connection.cursor() as cursor:
        cursor.execute(sql, [param])
        return cursor.fetchall()


def _set_flag(held: dict[int, bool], flag: bool) -> None:
    """Write the flag on the donor's donations that hold another one (usually none)."""
    changed = [pk for pk, reportable in held.items() if reportable != flag]
    if changed:
        Donation.objects.filter(pk__in=changed).update(reportable=flag)


def decide_reportable(donation, donor_rows=None) -> bool:
    """Decide the donor's flag inside the transaction that wrote their new ledger entry.

    The caller holds the donor's lock (`lock_donation`), so no other writer for this
    donor runs meanwhile: the flag commits with the entry or not at all, and a crash
    can never leave it stale.
    """
    held, rows, flag = _donor_flag(donation.email_normalised, donation.pk, donor_rows)
    _set_flag(held, flag)
    donation.reportable = flag  # the handler saves the donation's facts after this
    setattr(
        donation,
        ROWS_AS_READ,
        [(r.kind, r.amount_pence, r.source_id) for r in rows if r.donation_id == donation.pk],
    )
    return flag


def refresh_reportable(email_normalised: str, donation_id: int | None = None) -> bool:
    """Decide one donor's flag again in its own transaction (reconcile_stripe's repair,
    or after the reporting period setting changed), under the donor's lock."""
    with transaction.atomic():
        lock_donor(email_normalised, donation_id)
        held, _, flag = _donor_flag(email_normalised, donation_id)
        _set_flag(held, flag)
    return flag


def refresh_all_reportable() -> int:
    """Decide every donor's flag again (reconcile_stripe, or after the period setting changed)."""
    with_money = Donation.objects.filter(ledger_entries__isnull=False)
    donors = set(with_money.exclude(email_normalised="").values_list("email_normalised", flat=True))
    alone = with_money.filter(email_normalised="").values_list("pk", flat=True).distinct()
    flagged = sum(refresh_reportable(email) for email in sorted(donors))
    return flagged + sum(refresh_reportable("", pk) for pk in list(alone))


# The crowdfund's target, its stretch targets and the milestones it has: one statement,
# written out (checked once per crowdfund for every batch that brings money in).
THRESHOLDS_SQL = """
SELECT 'target', '', target_pence FROM crowdfund_crowdfundpage WHERE page_ptr_id = %s
UNION ALL
SELECT 'stretch', '', amount_pence FROM crowdfund_stretchtarget WHERE page_id = %s
UNION ALL
SELECT 'announced', kind, threshold_pence FROM crowdfund_milestone WHERE crowdfund_id = %s
"""
# The crowdfund's page row, locked: payments crossing a threshold take turns after this.
LOCK_PAGE_SQL = 'SELECT "id" FROM "wagtailcore_page" WHERE "id" = %s FOR UPDATE'
# What the crowdfund's ledger adds up to.
CROWDFUND_TOTAL_SQL = (
    "SELECT COALESCE(SUM(amount_pence), 0) FROM crowdfund_ledgerentry WHERE crowdfund_id = %s"
)


def _thresholds_and_announced(crowdfund_id: int) -> tuple[int, list[int], set]:
    """The crowdfund's target, its stretch targets and the milestones announced: one query."""
    with connection.cursor() as cursor:
        cursor.execute(THRESHOLDS_SQL, [crowdfund_id] * 3)
        rows = cursor.fetchall()
    target, stretches, announced = 0, [], set()
    for source, kind, amount in rows:
        if source == "target":
            target = amount
        elif source == "stretch":
            stretches.append(amount)
        else:
            announced.add((kind, amount))
    return target, stretches, announced


def check_thresholds(crowdfund_id: int) -> list:
    """Record (and announce) each threshold this movement crossed, exactly once.

    When every threshold of the crowdfund is already announced, nothing can be crossed
    (milestones are only ever added): one read, no lock. Otherwise the crowdfund's page
    row is locked first, so concurrent payments take turns here and each sees the
    others' committed entries when it sums the ledger.
    """
    target, stretches, announced = _thresholds_and_announced(crowdfund_id)
    if set(thresholds(target, stretches)) <= announced:
        return []
    if connection.features.has_select_for_update:  # SQLite: one writer at a time anyway
        with connection.cursor() as cursor:
            cursor.execute(LOCK_PAGE_SQL, [crowdfund_id])
    target, stretches, announced = _thresholds_and_announced(crowdfund_id)
    with connection.cursor() as cursor:
        cursor.execute(CROWDFUND_TOTAL_SQL, [crowdfund_id])
        after = cursor.fetchone()[0]
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
