"""Testing that a supporter's proposal goes to moderators, and an organiser's is published."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import TaskState, WorkflowState

from meetings.models import MeetingPage

pytestmark = pytest.mark.django_db


def proposal(**changes):
    start = (timezone.localtime() + timedelta(days=10)).replace(hour=19, minute=0)
    data = {
        "title": "Market town alliance evening",
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "venue": "The Cheese and Grain, Frome",
        "accessibility": "Step-free; hearing loop.",
        "online_link": "",
        "capacity": "40",
        "group": "",
        "constituency": "frome and east somerset",
        "summary": "Small groups, then a shared plan.",
    }
    data.update(changes)
    return data


def current_task_state(meeting):
    return WorkflowState.objects.get(object_id=str(meeting.pk)).current_task_state


def test_a_supporters_proposal_waits_for_a_moderator_who_publishes_it(
    client, supporter, moderator, group, mail_via_celery
):
    client.force_login(supporter)
    with mail_via_celery():
        response = client.post(reverse("meetings_propose"), proposal(group=group.pk))
    assert response.status_code == 302 and response.url == reverse("meetings_proposed")
    meeting = MeetingPage.objects.get()
    assert not meeting.live
    assert meeting.get_parent().pk == group.pk
    assert meeting.proposed_by == supporter
    assert meeting.constituency.name == "Frome and East Somerset"
    # 19:00 UK time, whatever the season.
    assert timezone.localtime(meeting.start).hour == 19
    # The proposer hears from us; the moderators from Wagtail's own review notice.
    recipients = sorted(m.to[0] for m in mail_via_celery.outbox)
    assert recipients == [moderator.email, supporter.email]
    client.logout()
    assert client.get(f"/groups/frome-together/{meeting.slug}/").status_code == 404

    client.force_login(moderator)
    action = reverse(
        "wagtailadmin_pages:workflow_action",
        args=(meeting.pk, "approve", current_task_state(meeting).pk),
    )
    with mail_via_celery():
        client.post(action, {"comment": ""})
    meeting.refresh_from_db()
    assert meeting.live
    assert current_task_state(meeting).status == TaskState.STATUS_APPROVED
    assert "published" in mail_via_celery.outbox[-1].subject


def test_a_supporter_cannot_approve(client, supporter, other_supporter, group):
    client.force_login(supporter)
    client.post(reverse("meetings_propose"), proposal(group=group.pk))
    meeting = MeetingPage.objects.get()
    client.force_login(other_supporter)
    action = reverse(
        "wagtailadmin_pages:workflow_action",
        args=(meeting.pk, "approve", current_task_state(meeting).pk),
    )
    client.post(action, {"comment": ""})
    meeting.refresh_from_db()
    assert not meeting.live


def test_an_organiser_publishes_their_groups_meeting_directly(client, organiser, group):
    client.force_login(organiser)
    response = client.post(reverse("meetings_propose"), proposal(group=group.pk))
    meeting = MeetingPage.objects.get()
    assert meeting.live
    assert response.url == meeting.url
    assert not WorkflowState.objects.filter(object_id=str(meeting.pk)).exists()


def test_an_organiser_of_another_group_goes_to_review(client, other_organiser, group):
    client.force_login(other_organiser)
    client.post(reverse("meetings_propose"), proposal(group=group.pk))
    assert not MeetingPage.objects.get().live


def test_a_meeting_without_a_group_goes_under_the_meetings_index(client, supporter, meeting_index):
    client.force_login(supporter)
    client.post(reverse("meetings_propose"), proposal(venue="", online_link="meet.example/x"))
    meeting = MeetingPage.objects.get()
    assert meeting.get_parent().pk == meeting_index.pk
    assert meeting.online_link == "https://meet.example/x"
    assert current_task_state(meeting).status == TaskState.STATUS_IN_PROGRESS


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"constituency": "Atlantis"}, "constituency", "no constituency called “Atlantis”"),
        ({"venue": "", "online_link": ""}, "venue", b"or an online link"),
        ({"end": "2020-01-01T10:00"}, "end", b"must end after it starts"),
        ({"start": "2020-01-01T10:00"}, "start", b"must start in the future"),
        ({"capacity": "0"}, "capacity", b"greater than or equal to 1"),
        ({"group": "99999999999999999999999"}, "group", b"Choose a group from the list"),
        ({"start": "tomorrow-ish"}, "start", b"Enter a valid date/time"),
    ],
)
def test_a_bad_proposal_shows_clear_errors_and_keeps_what_was_typed(
    client, supporter, meeting_index, changes, field, message
):
    client.force_login(supporter)
    response = client.post(reverse("meetings_propose"), proposal(**changes))
    assert response.status_code == 400
    assert (message if isinstance(message, bytes) else message.encode()) in response.content
    assert b"Market town alliance evening" in response.content
    assert not MeetingPage.objects.exists()


def test_proposals_are_rate_limited(client, supporter, meeting_index, settings):
    settings.MEETINGS_PROPOSE_RATE = "2/h"
    client.force_login(supporter)
    statuses = [
        client.post(reverse("meetings_propose"), proposal(title=f"Meeting {n}")).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert MeetingPage.objects.count() == 2


def test_the_form_offers_constituency_names_and_works_without_javascript(client, supporter):
    client.force_login(supporter)
    response = client.get(reverse("meetings_propose"))
    html = response.content.decode()
    assert '<datalist id="id_constituency-names">' in html
    assert '<option value="Frome and East Somerset">' in html
    assert 'list="id_constituency-names"' in html
