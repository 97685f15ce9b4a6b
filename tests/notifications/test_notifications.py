"""A notification is created once per event, emailed once, and listed in the site."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse

from cms.models import OutgoingEmail
from notifications import sending
from notifications.kinds import Frequency, Kind
from notifications.models import Notification
from notifications.notify import notify
from notifications.preferences import set_frequency

pytestmark = pytest.mark.django_db


def _reply(recipients, key="reply:1"):
    return notify(
        [user.pk for user in recipients],
        kind=Kind.REPLY,
        key=key,
        summary="Sam replied to your comment on Fair votes",
        url="/papers/fair-votes/#reply-1",
    )


def test_an_event_told_twice_is_recorded_and_emailed_once(supporter, mail_via_celery):
    with mail_via_celery():
        _reply([supporter])
    with mail_via_celery():
        _reply([supporter])  # a retried task or a repeated signal
    assert Notification.objects.filter(recipient=supporter).count() == 1
    assert len(mail_via_celery.outbox) == 1
    # the task delivered twice (acks_late redelivery) still sends nothing more
    assert sending.email_now("reply:1") == 0
    assert OutgoingEmail.objects.count() == 1


def test_a_rolled_back_change_tells_nobody(supporter, mail_via_celery):
    with mail_via_celery(), pytest.raises(RuntimeError), transaction.atomic():
        _reply([supporter])
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists()
    assert mail_via_celery.outbox == []


def test_the_email_carries_one_click_unsubscribe_headers(supporter, mail_via_celery):
    with mail_via_celery():
        _reply([supporter])
    message = mail_via_celery.outbox[0]
    assert message.to == [supporter.email]
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http") and "/email/unsubscribe/" in unsubscribe
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/email/choices/" in message.body


def test_never_means_listed_in_the_site_but_not_emailed(supporter, mail_via_celery):
    set_frequency(supporter, Kind.REPLY, Frequency.NEVER)
    with mail_via_celery():
        _reply([supporter])
    assert Notification.objects.filter(recipient=supporter).count() == 1
    assert mail_via_celery.outbox == []


def test_the_sweep_sends_what_a_lost_task_did_not(supporter):
    lost = Notification.objects.create(
        recipient=supporter,
        kind=Kind.REPLY,
        key="reply:lost",
        summary="A reply whose task was lost",
        email_frequency=Frequency.IMMEDIATELY,
    )
    assert sending.sweep_immediate() == 0  # its own task may still be on its way
    Notification.objects.filter(pk=lost.pk).update(
        created_at=lost.created_at - timedelta(minutes=5)
    )
    assert sending.sweep_immediate() == 1
    assert sending.sweep_immediate() == 0


def test_the_list_counts_unread_and_opening_marks_read(client, supporter, other_supporter):
    _reply([supporter, other_supporter])
    client.force_login(supporter)
    page = client.get("/account/")
    assert '<span class="notifications-label">Notifications</span> <span class="badge">1' in (
        page.content.decode()
    )
    listing = client.get(reverse("notifications:list")).content.decode()
    assert "Sam replied to your comment on Fair votes" in listing
    mine = Notification.objects.get(recipient=supporter)
    response = client.get(reverse("notifications:open", args=[mine.pk]))
    assert response["Location"] == "/papers/fair-votes/#reply-1"
    mine.refresh_from_db()
    assert mine.read_at is not None
    theirs = Notification.objects.get(recipient=other_supporter)
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404


def test_mark_all_read(client, supporter):
    _reply([supporter], key="reply:1")
    _reply([supporter], key="reply:2")
    client.force_login(supporter)
    client.post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.filter(recipient=supporter, read_at__isnull=True).exists()


def test_the_author_of_the_change_is_not_told_of_it(supporter, other_supporter):
    notify(
        [supporter.pk, other_supporter.pk],
        kind=Kind.NEW_AMENDMENT,
        key="amendment:9",
        summary="A new amendment",
        exclude=[supporter.pk],
    )
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [other_supporter.pk]
