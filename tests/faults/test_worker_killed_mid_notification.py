"""Testing that a notification is recorded once and emailed once when its worker dies or its
task comes twice.

Needs PostgreSQL (the worker and the test share the test database) and the redis-server
binary (the broker is a private Redis). A real Celery worker runs the notification's task,
which hands the email to the outbox; the outbox's own task sends it through Django's SMTP
backend to a mail server stand-in that holds the message after its final dot, so the
worker is caught mid-send and killed.
"""

import os
import signal
from datetime import timedelta

import pytest
import redis
from django.db import connection, transaction

from cms.models import OutgoingEmail
from notifications import sending
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.notify import notify
from notifications.tasks import email_notifications_now
from tests.conftest import ON_POSTGRES
from tests.faults.conftest import needs_redis_server
from tests.faults.standins import publishing_to, start_worker, stop_worker
from tests.support.processes import pool_children, wait_for

pytestmark = [
    needs_redis_server,
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (set DATABASE_URL)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SUMMARY = "Lee replied on “Fair votes”"


def tell(supporter, key="reply:77"):
    """What the reply receiver does: notify in the change's transaction; the task is
    queued after commit."""
    with transaction.atomic():
        notify([supporter.pk], kind=Kind.REPLY, key=key, summary=SUMMARY, url="/papers/fair/")


def emailed(supporter) -> bool:
    return Notification.objects.filter(recipient=supporter, emailed_at__isnull=False).exists()


def all_sent() -> bool:
    return (
        OutgoingEmail.objects.exists()
        and not OutgoingEmail.objects.filter(sent_at__isnull=True).exists()
    )


def drained(broker) -> bool:
    return broker.llen("celery") == 0 and broker.hlen("unacked") == 0


def test_worker_killed_mid_send_then_the_task_again_one_notification_one_email(
    private_redis, smtp_standin, supporter
):
    broker = redis.Redis.from_url(private_redis.url())
    worker = start_worker(connection, private_redis.url(), smtp_standin.port)
    smtp_standin.hold()
    try:
        with publishing_to(private_redis.url()):
            tell(supporter)
        wait_for(smtp_standin.receiving.is_set, 60, "the worker to be in the middle of sending")
        assert emailed(supporter)  # handed to the outbox, in the task's own transaction
        [child] = pool_children(worker.pid)
        os.kill(child, signal.SIGKILL)  # dies before the mail server has accepted
        wait_for(lambda: child not in pool_children(worker.pid), 30, "the pool to replace it")
        smtp_standin.release()
        wait_for(all_sent, 60, "the redelivered delivery to send the email")

        # The same event told again (a repeated signal) and its task delivered again.
        with publishing_to(private_redis.url()):
            tell(supporter)
            email_notifications_now.apply_async(("reply:77",))
        wait_for(lambda: drained(broker), 60, "the worker to run the repeated task")
    finally:
        smtp_standin.release()
        stop_worker(worker)

    assert Notification.objects.filter(recipient=supporter).count() == 1
    assert OutgoingEmail.objects.count() == 1
    assert len(smtp_standin.messages_with("/papers/fair/")) == 1
    assert len(smtp_standin.accepted) == 1


def test_a_task_lost_with_its_worker_is_swept_and_its_late_copy_sends_nothing(
    private_redis, smtp_standin, supporter
):
    """No worker runs when the event is told (it died): the task waits in the broker. The
    beat's sweep sends the email; the worker that comes back runs the task and finds it
    sent."""
    broker = redis.Redis.from_url(private_redis.url())
    with publishing_to(private_redis.url()):
        tell(supporter, key="reply:78")
    assert broker.llen("celery") == 1 and not emailed(supporter)
    with publishing_to(private_redis.url()):
        assert sending.sweep_immediate(older_than=timedelta(0)) == 1
    assert emailed(supporter)

    worker = start_worker(connection, private_redis.url(), smtp_standin.port)
    try:
        wait_for(all_sent, 60, "the worker to deliver the swept email")
        wait_for(lambda: drained(broker), 60, "the worker to run the late task")
    finally:
        stop_worker(worker)

    assert OutgoingEmail.objects.count() == 1
    assert len(smtp_standin.messages_with("/papers/fair/")) == 1
