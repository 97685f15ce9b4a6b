"""A worker killed mid-task: acks_late redelivers the message and the event is applied once.

Needs PostgreSQL and Redis (DATABASE_URL and REDIS_URL). A real Celery worker is
started against the test database; the test holds the donation's row lock so the
worker's apply_event is stuck inside its transaction, kills the pool process with
SIGKILL, lets go of the lock, and waits for the redelivered task to apply the event.
"""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, connections

from crowdfund.models import Donation, LedgerEntry, WebhookEvent
from tests.conftest import ON_POSTGRES
from tests.crowdfund.conftest import make_crowdfund, make_donation
from tests.support import stripe_standin as fake_stripe
from tests.support.processes import pool_children, wait_for

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = pytest.mark.skipif(
    not (ON_POSTGRES and REDIS_URL), reason="needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)"
)


def start_worker():
    settings = connection.settings_dict
    database_url = (
        f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
        "DEBUG": "False",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "STRIPE_SECRET_KEY": "sk_test_standin",
        "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    command = [sys.executable, "-m", "celery", "-A", "cms", "worker", "--pool", "prefork"]
    command += ["--concurrency", "1", "--without-gossip", "--without-mingle", "-l", "WARNING"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def worker_waiting_on_a_lock() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def hold_row_lock(rows):
    """Lock these rows from another connection until the `release()` returned is called
    (twice is harmless): a worker that reaches them waits there, where the test kills it."""
    from django.db import transaction

    locked, released = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                list(rows.select_for_update())
                locked.set()
                released.wait(120)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    locked.wait(10)

    def release():
        released.set()
        holder.join()

    return release


def send_to_the_real_worker(task, *args):
    """Publish the task to Redis for the worker started here (tasks run eagerly otherwise)."""
    from cms.celery import app

    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, REDIS_URL
    app._pool = app.amqp._producer_pool = None
    try:
        task.apply_async(args)
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        app._pool = app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_killed_mid_task_event_applied_once_on_redelivery(stripe_keys, home):
    from crowdfund.tasks import apply_webhook_event

    crowdfund = make_crowdfund(home, slug="killed-worker")
    donation = make_donation(crowdfund, amount_pence=4_200)
    data = fake_stripe.event(
        "checkout.session.completed",
        fake_stripe.checkout_session(amount=4_200, reference=str(donation.reference)),
    )
    stored = WebhookEvent.objects.create(
        event_id=data["id"], type=data["type"], livemode=False, payload=data
    )

    # Hold the donation row so the worker blocks inside apply_event's transaction.
    release = hold_row_lock(Donation.objects.filter(pk=donation.pk))

    worker = start_worker()
    try:
        send_to_the_real_worker(apply_webhook_event, stored.pk)

        wait_for(worker_waiting_on_a_lock, 90, "the worker to start applying the event")
        [child] = pool_children(worker.pid)
        os.kill(child, signal.SIGKILL)  # the worker dies mid-task
        wait_for(lambda: child not in pool_children(worker.pid), 30, "the pool to replace it")
        release()

        def applied():
            return WebhookEvent.objects.filter(pk=stored.pk, applied_at__isnull=False).exists()

        wait_for(applied, 90, "the redelivered task to apply the event")
    finally:
        release()
        worker.terminate()
        worker.wait(timeout=60)

    assert LedgerEntry.objects.filter(crowdfund=crowdfund).count() == 1
    assert LedgerEntry.objects.get(crowdfund=crowdfund).amount_pence == 4_200


def page_lock_waited_on(crowdfund_id: int) -> bool:
    """A worker waits on the crowdfund's page row: the end of a batch, every event applied."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE %s",
            ['%"wagtailcore_page"%FOR UPDATE%'],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_killed_mid_batch_every_event_applied_once_on_redelivery(stripe_keys, home):
    """A drain applies three payments in one transaction and waits, at the batch's end, on
    the crowdfund's page lock (its threshold check): killed there, nothing commits; the
    redelivered drain applies each payment once."""
    from wagtail.models import Page

    from crowdfund.tasks import drain_webhook_inbox

    crowdfund = make_crowdfund(home, slug="killed-drain", target_pence=1_000_000)
    stored = []
    for amount in (1_100, 2_200, 3_300):
        donation = make_donation(crowdfund, amount_pence=amount, email=f"d{amount}@example.com")
        data = fake_stripe.event(
            "checkout.session.completed",
            fake_stripe.checkout_session(amount=amount, reference=str(donation.reference)),
        )
        stored.append(
            WebhookEvent.objects.create(
                event_id=data["id"], type=data["type"], livemode=False, payload=data
            )
        )

    release = hold_row_lock(Page.objects.filter(pk=crowdfund.pk))

    worker = start_worker()
    try:
        send_to_the_real_worker(drain_webhook_inbox)

        wait_for(lambda: page_lock_waited_on(crowdfund.pk), 90, "the drain to reach its end")
        [child] = pool_children(worker.pid)
        os.kill(child, signal.SIGKILL)  # the worker dies with the batch applied, uncommitted
        wait_for(lambda: child not in pool_children(worker.pid), 30, "the pool to replace it")
        assert not LedgerEntry.objects.filter(crowdfund=crowdfund).exists()
        assert WebhookEvent.objects.filter(applied_at__isnull=True, attempts=0).count() == 3
        release()

        def applied():
            return not WebhookEvent.objects.filter(applied_at__isnull=True).exists()

        wait_for(applied, 90, "the redelivered drain to apply the events")
    finally:
        release()
        worker.terminate()
        worker.wait(timeout=60)

    assert sorted(LedgerEntry.objects.values_list("amount_pence", flat=True)) == [
        1_100,
        2_200,
        3_300,
    ]
    assert set(WebhookEvent.objects.values_list("attempts", flat=True)) == {1}
