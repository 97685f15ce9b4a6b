"""Drain the Stripe inbox: apply waiting events in batches, each exactly once.

At a few hundred events a second the cost of applying one event alone is mostly not the
event: its own task, transaction, commit, inbox lock and threshold check. A drain claims up
to `BATCH_SIZE` due events in arrival order (`SELECT ... FOR UPDATE SKIP LOCKED`, so drains
running at once claim different events and never wait on each other's inbox rows), applies
each in a savepoint of one transaction (kept, not released, until the commit), and writes
what became of them (one UPDATE for the events applied) in that transaction. So:

- a duplicate, or an event another drain or `apply_event` finished meanwhile, is not due
  any more and is not claimed; a row that is claimed is locked until the batch commits;
- an event that fails rolls back to its own savepoint (its writes and its receipt with it)
  and is kept waiting with its reason and back-off, as `apply_event` keeps it; the others
  in the batch still commit;
- a drain killed mid-batch commits nothing: every event of its batch is still due and the
  next drain (the redelivered task, another delivery's, beat's) applies it;
- a donor another transaction holds is not waited for (`ledger.in_a_batch`): its events
  are left due and untouched for a later batch, so drains never wait on each other's
  donors and cannot deadlock on them;
- thresholds (halfway, target, stretch targets) are checked once per crowdfund at the end
  of the batch, and receipts queued as one task, still in and after the transaction that
  recorded the money.

Events whose charge needs Stripe to be placed are applied alone after the batch commits
(`apply_event`: Stripe is asked outside any transaction, never under a lock).

The webhook view asks for a drain through `claim_drain_request`: at most one drain is
waiting to start at any moment (a cache key set with SET NX); the drain clears it before
it reads anything, so an event stored after that read has its own delivery ask again.
If the broker loses the request, the key expires and beat's catch-up drains anyway.
"""

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.cache import cache
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from cms import redis_cache
from crowdfund import ledger, payments
from crowdfund.models import WebhookEvent
from crowdfund.stripe_events import (
    HANDLERS,
    LOOKS_UP,
    NotOurs,
    NotYetKnown,
    apply_event,
    dispatch,
    retry_delay,
)

logger = logging.getLogger(__name__)

# Each event's savepoint becomes a subtransaction once it (or an event after it, nested in
# it) writes; PostgreSQL keeps 64 of them per transaction in shared memory before every
# other session's snapshots slow down.
BATCH_SIZE = 50
# A drain hands over to a fresh task after this many batches (other queued work gets a turn).
BATCHES_PER_DRAIN = 40
DRAIN_REQUEST_KEY = "crowdfund:inbox-drain-requested"
DRAIN_REQUEST_SECONDS = 5
# A drain whose batches hold nothing but events of donors other transactions hold pauses
# between them, and hands over after this many (the next drain or beat goes on).
STALLED_BATCHES = 20
STALLED_PAUSE_SECONDS = 0.05
# How long drains leave an event handed to `apply_event` alone before taking it again.
ALONE_SECONDS = 60
# Lost a lock cycle or a serialisation check: not the event's fault, try again at once.
TRY_AGAIN_SQLSTATES = {"40P01", "40001", "55P03"}


@dataclass
class Batch:
    """What became of a batch's events: applied (by outcome), left waiting (with the
    reason and the next attempt), handed to `apply_event` alone, or to try again."""

    claimed: int = 0
    applied: int = 0
    applied_as: dict[str, list[int]] = field(default_factory=dict)
    waiting: list[tuple] = field(default_factory=list)
    alone: list[int] = field(default_factory=list)
    try_again: list[int] = field(default_factory=list)


def claim_drain_request() -> bool:
    """Whether this caller should queue a drain: true for one caller until a drain starts.

    One cache round trip (SET NX with an expiry): while a drain is already queued, a
    delivery needs nothing else. The expiry is the safety net for a lost task.
    """
    if cache.add(DRAIN_REQUEST_KEY, 1, DRAIN_REQUEST_SECONDS):
        return True
    # An unreachable cache answers False too: then every delivery asks (as before).
    outage_key = getattr(cache, "outage_key", None)
    return outage_key is not None and redis_cache.outage.skipping(outage_key)


def clear_drain_request() -> None:
    """A drain starting: the next stored event asks for another (before anything is read)."""
    cache.delete(DRAIN_REQUEST_KEY)


def due_events(now=None, *, due_only: bool = True):
    pending = WebhookEvent.objects.filter(applied_at__isnull=True)
    if due_only:
        pending = pending.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now or timezone.now())
        )
    return pending.order_by("received_at", "pk")


def drain(
    *,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = BATCHES_PER_DRAIN,
    now=None,
    apply_alone=None,
    more_waiting=None,
) -> tuple[int, bool]:
    """Apply due events batch after batch until none is left to claim.

    `apply_alone(pk)` takes each event that may need Stripe (default: `apply_event` here
    and now; the worker's drain hands them to tasks of their own, so a slow Stripe holds
    up none of the batches). `more_waiting()` is called after every full batch (the
    worker's drain asks for a second drain to share the backlog).

    Returns how many were applied (ignored ones included, not those left waiting or
    handed on) and whether it ran out of events to claim (rather than of batches).
    """
    applied, batches, stalled = 0, 0, 0
    while (max_batches is None or batches < max_batches) and stalled < STALLED_BATCHES:
        batches += 1
        batch = apply_batch(batch_size, now=now)
        applied += batch.applied
        for pk in batch.alone:
            if apply_alone is not None:
                apply_alone(pk)
            elif apply_event(pk) != "deferred":
                applied += 1
        if batch.claimed < batch_size and not batch.try_again:
            return applied, True
        if more_waiting is not None and batch.claimed == batch_size:
            more_waiting()
        # Only events whose donors others hold: give those transactions time to commit.
        stalled = stalled + 1 if len(batch.try_again) == batch.claimed else 0
        if stalled:
            time.sleep(STALLED_PAUSE_SECONDS)
    return applied, False


def apply_batch(limit: int = BATCH_SIZE, *, now=None, due_only: bool = True) -> Batch:
    """Claim up to `limit` due events and apply them in one transaction (module docstring)."""
    batch = Batch()
    with transaction.atomic(), ledger.in_a_batch():
        events = list(
            due_events(now, due_only=due_only).select_for_update(skip_locked=True)[:limit]
        )
        batch.claimed = len(events)
        for event in events:
            _apply_in_savepoint(event, batch)
        _write_down(batch)
    return batch


def _apply_in_savepoint(event: WebhookEvent, batch: Batch) -> None:
    """Apply one claimed event in its own savepoint; note in `batch` what became of it."""
    try:
        with kept_savepoint():
            try:
                outcome = dispatch(event)
            except NotOurs as not_ours:
                outcome = f"ignored: {not_ours}"
                logger.info("Stripe event %s ignored: %s", event.event_id, not_ours)
    except NotYetKnown as error:
        if HANDLERS.get(event.type) in LOOKS_UP and payments.card_payments_enabled():
            batch.alone.append(event.pk)  # Stripe may place the charge: asked outside
        else:
            _keep_waiting(event, error, batch)
    except ledger.DonorBusy:
        batch.try_again.append(event.pk)  # another transaction holds the donor
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) in TRY_AGAIN_SQLSTATES:
            batch.try_again.append(event.pk)
        else:
            logger.exception("Stripe event %s could not be applied", event.pk)
            _keep_waiting(event, error, batch)
    except Exception as error:  # noqa: BLE001 - recorded, then retried by a later drain
        logger.exception("Stripe event %s could not be applied", event.pk)
        _keep_waiting(event, error, batch)
    else:
        batch.applied_as.setdefault(outcome[:200], []).append(event.pk)
        batch.applied += 1


@contextmanager
def kept_savepoint():
    """An event's savepoint in the batch's transaction, as `transaction.atomic()` nested
    there makes one, but not released when the event succeeds: PostgreSQL keeps the
    batch's savepoints nested until it commits, so each event costs one statement for its
    savepoint rather than two.

    On an error it rolls back to it, with the event's writes and the on-commit callbacks
    registered since (its receipt), and re-raises, exactly as `atomic()` does; the events
    before it keep theirs. Nested, a savepoint gets a transaction id once anything after
    it writes: a batch of 50 still stays under the 64 subtransactions PostgreSQL keeps in
    shared memory.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block or connection.needs_rollback:
        raise transaction.TransactionManagementError("kept_savepoint() needs a healthy atomic")
    sid = connection.savepoint()
    # Callbacks registered from here on carry this savepoint: rolled back, they are dropped.
    connection.savepoint_ids.append(sid)
    failed = True
    try:
        yield
        failed = connection.needs_rollback  # an atomic(savepoint=False) inside failed
    finally:
        connection.savepoint_ids.pop()
        if failed and not connection.closed_in_transaction:
            connection.needs_rollback = False
            try:
                connection.savepoint_rollback(sid)
            except DatabaseError:
                connection.needs_rollback = True  # then the batch's transaction rolls back


def _keep_waiting(event: WebhookEvent, error: Exception, batch: Batch) -> None:
    """As `stripe_events._defer`: the reason, and when to try again; never dropped."""
    attempts = event.attempts + 1
    batch.waiting.append(
        (
            event.pk,
            attempts,
            f"{type(error).__name__}: {error}"[:2000],
            timezone.now() + retry_delay(attempts),
        )
    )


# The batch's applied events marked with their outcomes, in one statement (PostgreSQL):
# the ids and outcomes go as two arrays, unnested side by side.
MARK_APPLIED_SQL = """
UPDATE crowdfund_webhookevent AS event
SET applied_at = %s, outcome = applied.outcome, attempts = event.attempts + 1,
    last_error = '', next_attempt_at = NULL
FROM unnest(%s::bigint[], %s::text[]) AS applied (id, outcome)
WHERE event.id = applied.id
"""


def _write_down(batch: Batch) -> None:
    """What became of the batch's events, in the transaction that did it: one UPDATE for
    the events applied, whatever their outcomes (on other databases one per outcome), one
    for the events applied alone, and one per event left waiting. Events tried again are
    left exactly as they were."""
    applied_at = timezone.now()
    if connection.vendor == "postgresql":
        if batch.applied_as:
            pks = [pk for these in batch.applied_as.values() for pk in these]
            outcomes = [outcome for outcome, these in batch.applied_as.items() for _ in these]
            with connection.cursor() as cursor:
                cursor.execute(MARK_APPLIED_SQL, [applied_at, pks, outcomes])
    else:
        for outcome, pks in batch.applied_as.items():
            WebhookEvent.objects.filter(pk__in=pks).update(
                applied_at=applied_at,
                outcome=outcome,
                attempts=F("attempts") + 1,
                last_error="",
                next_attempt_at=None,
            )
    if batch.alone:
        # Later drains pass them by until apply_event has had its turn; if that is lost,
        # they are due again after ALONE_SECONDS. Not an attempt: nothing has failed.
        WebhookEvent.objects.filter(pk__in=batch.alone).update(
            next_attempt_at=applied_at + timedelta(seconds=ALONE_SECONDS)
        )
    for pk, attempts, last_error, next_attempt_at in batch.waiting:
        WebhookEvent.objects.filter(pk=pk).update(
            attempts=attempts, last_error=last_error, next_attempt_at=next_attempt_at
        )
