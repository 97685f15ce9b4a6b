"""Testing that every email is stored before it is handed over, and sent once.

Real parts throughout: the project's email backend, the `deliver_email` task (eager
here), Django's SMTP backend against a port where nothing listens for a mail server
that is down, and a real Redis-transport broker where nothing listens for a broker
that is down.
"""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from cms.delivery import MAX_ATTEMPTS, deliver, deliver_pending
from cms.models import OutgoingEmail
from cms.tasks import deliver_email, send_pending_emails
from tests.crowdfund.test_milestones_and_broker import unreachable_broker

pytestmark = pytest.mark.django_db


def send(subject="Welcome", to="sam@example.com"):
    mail.send_mail(subject, "Hello.", "hub@example.com", [to])


@pytest.fixture
def send_with_broker_down(django_capture_on_commit_callbacks):
    """Send as a request would, its on-commit hand-over meeting a broker that is down."""

    def send_all(*subjects):
        with unreachable_broker(), django_capture_on_commit_callbacks(execute=True):
            for subject in subjects:
                send(subject)

    return send_all


def test_a_message_is_stored_then_sent_once_after_commit(mail_via_celery):
    with mail_via_celery():
        send("Welcome")
        stored = OutgoingEmail.objects.get()
        assert stored.sent_at is None
        assert mail_via_celery.outbox == []  # nothing leaves before the commit
    assert [m.subject for m in mail_via_celery.outbox] == ["Welcome"]
    stored.refresh_from_db()
    assert stored.sent_at is not None
    assert stored.attempts == 1


def test_a_rolled_back_request_leaves_no_message(mail_via_celery):
    with mail_via_celery(), pytest.raises(RuntimeError), transaction.atomic():
        send("Never")
        raise RuntimeError("the request failed")
    assert not OutgoingEmail.objects.exists()
    assert mail_via_celery.outbox == []


def test_delivering_the_same_message_twice_sends_it_once(mail_via_celery):
    with mail_via_celery():
        send("Once only")
    pk = OutgoingEmail.objects.get().pk
    assert deliver(pk) is False  # a redelivered task finds it sent
    assert deliver_email.delay(pk).get() is False
    assert len(mail_via_celery.outbox) == 1


def test_with_the_broker_down_the_message_waits_and_the_catch_up_sends_it(
    send_with_broker_down, mailoutbox, caplog
):
    started = time.monotonic()
    send_with_broker_down("Your story arrived")
    assert time.monotonic() - started < 2, "a down broker must not hold up the request"
    assert "waits in the outbox" in caplog.text
    assert OutgoingEmail.objects.get().sent_at is None
    assert mailoutbox == []

    call_command("send_pending_emails")
    assert [m.subject for m in mailoutbox] == ["Your story arrived"]
    call_command("send_pending_emails")  # running it again sends nothing more
    assert len(mailoutbox) == 1


def test_the_beat_catch_up_leaves_fresh_messages_to_their_own_task(
    send_with_broker_down, mailoutbox
):
    send_with_broker_down("Just now", "A while ago")
    OutgoingEmail.objects.filter(payload__subject="A while ago").update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    assert send_pending_emails.delay().get() == 1
    assert [m.subject for m in mailoutbox] == ["A while ago"]


def test_a_mail_server_that_is_down_is_recorded_and_retried_later(
    settings, send_with_broker_down, mailoutbox
):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens
    send_with_broker_down("Receipt")
    pk = OutgoingEmail.objects.get().pk
    with pytest.raises(OSError):
        deliver(pk)
    assert deliver_pending() == 0  # logged, left for later
    stored = OutgoingEmail.objects.get()
    assert stored.sent_at is None
    assert stored.attempts == 2
    assert "ConnectionRefusedError" in stored.last_error

    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_pending() == 1
    assert [m.subject for m in mailoutbox] == ["Receipt"]


def test_a_message_that_keeps_failing_is_left_for_a_person(send_with_broker_down, mailoutbox):
    send_with_broker_down("Poison")
    OutgoingEmail.objects.update(attempts=MAX_ATTEMPTS)
    assert deliver_pending() == 0
    assert mailoutbox == []


def test_a_task_queued_before_the_outbox_still_sends_its_message(mailoutbox):
    payload = {
        "subject": "Queued last week",
        "body": "Hello.",
        "from_email": "hub@example.com",
        "to": ["sam@example.com"],
        "cc": [],
        "bcc": [],
        "reply_to": [],
        "headers": {},
        "alternatives": [],
    }
    deliver_email.delay(payload).get()
    assert [m.subject for m in mailoutbox] == ["Queued last week"]


def test_sent_messages_are_forgotten_after_the_keep_period(
    settings, mail_via_celery, send_with_broker_down
):
    settings.EMAIL_OUTBOX_KEEP_DAYS = 30
    with mail_via_celery():
        send("Old news")
        send("Last week")
    send_with_broker_down("Not sent yet")
    now = timezone.now()
    OutgoingEmail.objects.update(created_at=now - timedelta(days=40))
    OutgoingEmail.objects.filter(payload__subject="Old news").update(
        sent_at=now - timedelta(days=31)
    )
    OutgoingEmail.objects.filter(payload__subject="Last week").update(
        sent_at=now - timedelta(days=7)
    )
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # the unsent one fails again
    send_pending_emails.delay().get()
    remaining = sorted(email.payload["subject"] for email in OutgoingEmail.objects.all())
    assert remaining == ["Last week", "Not sent yet"]
