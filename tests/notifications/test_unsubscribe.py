"""Every notification email has a way out that works signed out: one-click POST, or the link."""

import pytest
from django.test import Client
from django.urls import reverse

from notifications.kinds import Frequency, Kind
from notifications.models import EmailPreference
from notifications.notify import notify
from notifications.preferences import (
    ALL_KINDS,
    frequency_for,
    unsubscribe_token,
)

pytestmark = pytest.mark.django_db


def test_one_click_post_from_a_mail_provider_unsubscribes_at_once(supporter, mail_via_celery):
    provider = Client(enforce_csrf_checks=True)  # no cookies, no CSRF token: as RFC 8058 says
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token(supporter)])
    response = provider.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert all(frequency_for(supporter, kind) == Frequency.NEVER for kind in Kind.values)
    with mail_via_celery():
        notify([supporter.pk], kind=Kind.REPLY, key="reply:after", summary="After")
    assert mail_via_celery.outbox == []


def test_the_link_asks_first_then_unsubscribes_one_kind(client, supporter):
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token(supporter, Kind.MEETING)])
    page = client.get(url)
    assert page.status_code == 200 and "meetings near you" in page.content.decode()
    assert not EmailPreference.objects.exists()  # a GET (a link scanner) changes nothing
    client.post(url)
    assert frequency_for(supporter, Kind.MEETING) == Frequency.NEVER
    assert frequency_for(supporter, Kind.REPLY) == Frequency.IMMEDIATELY


@pytest.mark.parametrize(
    "token",
    ["", "nonsense", "WzEsImFsbCJd:1abcde:forgedsignature", None],
    ids=["empty", "nonsense", "forged", "other-person"],
)
def test_a_forged_token_is_refused_and_changes_nothing(client, supporter, other_supporter, token):
    if token is None:  # a real token, edited to name someone else
        real = unsubscribe_token(other_supporter)
        token = unsubscribe_token(supporter)[:-3] + real[-3:]
    if token == "":
        token = "x"
    response = client.post(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == 400
    assert not EmailPreference.objects.exists()


def test_choices_by_link_without_signing_in(client, supporter):
    url = reverse("notifications:preferences_by_token", args=[unsubscribe_token(supporter)])
    page = client.get(url)
    assert page.status_code == 200 and "Replies to you" in page.content.decode()
    data = dict.fromkeys(Kind.values, Frequency.WEEKLY)
    data[Kind.REPLY] = Frequency.DAILY
    response = client.post(url, data)
    assert response.status_code == 302
    assert frequency_for(supporter, Kind.REPLY) == Frequency.DAILY
    assert frequency_for(supporter, Kind.MEETING) == Frequency.WEEKLY


def test_a_bad_choice_is_explained_not_a_500(client, supporter):
    url = reverse("notifications:preferences_by_token", args=[unsubscribe_token(supporter)])
    response = client.post(url, {Kind.REPLY: "hourly"})
    assert response.status_code == 200
    assert "Please choose one option for each kind" in response.content.decode()
    assert not EmailPreference.objects.exists()


def test_all_kinds_token_is_not_a_kind():
    assert ALL_KINDS not in Kind.values
