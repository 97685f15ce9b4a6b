"""Digests: one email per person per run, grouped by kind, sent once, respecting changes of mind."""

import pytest

from cms.models import OutgoingEmail
from notifications import sending
from notifications.kinds import Frequency, Kind
from notifications.models import Notification
from notifications.notify import notify
from notifications.preferences import set_frequency, stop_emails

pytestmark = pytest.mark.django_db


def _news(users, n, kind=Kind.STATUS_CHANGE):
    for i in range(n):
        notify(
            [user.pk for user in users],
            kind=kind,
            key=f"{kind}:{i}",
            summary=f"Amendment {i} was accepted",
            url=f"/manifesto/amendments/{i}/",
        )


def test_one_digest_each_grouped_and_sent_once(supporter, other_supporter, mailoutbox):
    _news([supporter, other_supporter], 3)  # decisions: daily by default
    _news([supporter], 2, kind=Kind.MEETING)  # meetings: daily by default
    assert sending.send_digests(Frequency.DAILY, "daily") == 2
    assert sending.send_digests(Frequency.DAILY, "daily") == 0
    assert OutgoingEmail.objects.count() == 2
    mine = next(
        row.payload for row in OutgoingEmail.objects.all() if row.payload["to"] == [supporter.email]
    )
    assert mine["subject"] == "Your daily summary: 5 updates"
    body = mine["body"]
    assert body.index("Decisions on amendments you follow") < body.index("Meetings near you")
    assert "Amendment 2 was accepted" in body and "/manifesto/amendments/2/" in body
    assert mine["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_long_digest_lists_ten_of_a_kind_and_says_how_many_more(supporter):
    _news([supporter], 14)
    sending.send_digests(Frequency.DAILY, "daily")
    body = OutgoingEmail.objects.get().payload["body"]
    assert "...and 4 more in your notifications" in body


def test_unsubscribing_before_the_digest_stops_it(supporter):
    _news([supporter], 2)
    stop_emails(supporter)
    assert sending.send_digests(Frequency.DAILY, "daily") == 0
    assert not OutgoingEmail.objects.exists()
    assert Notification.objects.filter(recipient=supporter).count() == 2  # still in the site


def test_moving_a_kind_to_weekly_moves_its_waiting_news(supporter):
    _news([supporter], 2)
    set_frequency(supporter, Kind.STATUS_CHANGE, Frequency.WEEKLY)
    assert sending.send_digests(Frequency.DAILY, "daily") == 0
    assert sending.send_digests(Frequency.WEEKLY, "weekly") == 1
    assert OutgoingEmail.objects.get().payload["subject"] == "Your weekly summary: 2 updates"


def test_data_export_and_account_deletion(client, supporter):
    from cms.accounts import delete_account, export_personal_data

    _news([supporter], 1)
    set_frequency(supporter, Kind.REPLY, Frequency.DAILY)
    exported = export_personal_data(supporter)["following_and_notifications"]
    assert exported["email_choices"] == {"reply": "daily"}
    assert len(exported["notifications"]) == 1
    delete_account(supporter)
    assert not Notification.objects.exists()
