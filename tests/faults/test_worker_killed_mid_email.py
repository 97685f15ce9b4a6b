"""Testing that a worker killed while sending an email leaves it sent exactly once.

Needs PostgreSQL (the worker and the test share the test database) and the
redis-server binary (the broker is a private Redis). A real Celery worker sends
through Django's SMTP backend to a local mail server stand-in; the stand-in holds
the message after its final dot, before answering 250, so the worker is caught
mid-send. See cms/mail.py for the guarantee and its one remaining window.
"""

import os
import signal

import pytest
import redis
from django.core import mail
from django.core.management import call_command
from django.db import connection

from cms.models import OutgoingEmail
from cms.tasks import deliver_email
from tests.conftest import ON_POSTGRES
from tests.faults.conftest import needs_redis_server
from tests.faults.standins import publishing_to, start_worker, stop_worker
from tests.support.processes import pool_children, wait_for

pytestmark = [
    needs_redis_server,
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (set DATABASE_URL)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def send_receipt():
    """Send as the site does: the backend stores the message and, after commit, enqueues it."""
    mail.send_mail("Your receipt", "Thank you for giving.", "hub@example.com", ["ada@example.com"])
    return OutgoingEmail.objects.get()


def running(pid: int) -> bool:
    """True while the process exists and is not a zombie (its sockets still open)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def sent(email) -> bool:
    return OutgoingEmail.objects.filter(pk=email.pk, sent_at__isnull=False).exists()


def no_one_else_holds_the_outbox() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks JOIN pg_class ON pg_class.oid = pg_locks.relation "
            "WHERE pg_class.relname = %s AND pg_locks.pid <> pg_backend_pid()",
            [OutgoingEmail._meta.db_table],
        )
        return cursor.fetchone()[0] == 0


def test_pool_process_killed_mid_send_the_redelivered_task_sends_once(private_redis, smtp_standin):
    worker = start_worker(connection, private_redis.url(), smtp_standin.port)
    smtp_standin.hold()
    try:
        with publishing_to(private_redis.url()):
            email = send_receipt()
        wait_for(smtp_standin.receiving.is_set, 60, "the worker to be in the middle of sending")
        [child] = pool_children(worker.pid)
        os.kill(child, signal.SIGKILL)  # dies before the mail server has accepted
        wait_for(lambda: child not in pool_children(worker.pid), 30, "the pool to replace it")
        smtp_standin.release()
        wait_for(lambda: sent(email), 60, "the redelivered task to send the email")
    finally:
        smtp_standin.release()
        stop_worker(worker)

    assert smtp_standin.received == 2, "the first attempt reached the mail server"
    assert len(smtp_standin.messages_with("Your receipt")) == 1
    assert len(smtp_standin.accepted) == 1


def test_whole_worker_killed_mid_send_the_outbox_sends_once_after_restart(
    settings, private_redis, smtp_standin
):
    """Kill the worker outright: the broker keeps the task unacknowledged (for up to its
    visibility timeout), the row stays unsent, and the catch-up sends it once; the task,
    when it does come back, finds it sent."""
    worker = start_worker(connection, private_redis.url(), smtp_standin.port)
    smtp_standin.hold()
    try:
        with publishing_to(private_redis.url()):
            email = send_receipt()
        wait_for(smtp_standin.receiving.is_set, 60, "the worker to be in the middle of sending")
        killed = (*pool_children(worker.pid), worker.pid)
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        worker.wait(30)
        # The pool process holds the mail connection; until it is gone too (not only the
        # main process), the mail server cannot tell the client went away.
        wait_for(lambda: not any(map(running, killed)), 30, "the killed processes to be gone")
        smtp_standin.release()
        assert not sent(email)
        # PostgreSQL rolls back the dead worker's transaction as it notices the lost client.
        wait_for(no_one_else_holds_the_outbox, 30, "the dead worker's transaction to end")

        worker = start_worker(connection, private_redis.url(), smtp_standin.port)
        settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_standin.port
        call_command("send_pending_emails")  # what beat runs every minute
        assert sent(email)

        # The lost task, delivered late: queued, taken, run and acknowledged.
        broker = redis.Redis.from_url(private_redis.url())
        unacked_before = broker.hlen("unacked")  # the killed worker's task is still there
        with publishing_to(private_redis.url()):
            deliver_email.apply_async((email.pk,))
        wait_for(lambda: broker.llen("celery") == 0, 60, "the worker to take the task")
        wait_for(lambda: broker.hlen("unacked") == unacked_before, 60, "the task to finish")
    finally:
        smtp_standin.release()
        stop_worker(worker)

    assert len(smtp_standin.messages_with("Your receipt")) == 1
    assert OutgoingEmail.objects.get(pk=email.pk).attempts == 1
