"""Testing who may propose, publish directly, see and export attendees: a grid of people.

The grid is written out here by hand, apart from meetings.rules, so a change of a rule
shows up as a failing row rather than passing with it.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from meetings import bookings
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PEOPLE = ["anonymous", "supporter", "organiser", "other_organiser", "moderator"]

#                         anonymous supporter organiser other_organiser moderator
GRID = {
    "propose": (False, True, True, True, True),
    "publish_directly": (False, False, True, False, True),
    "see_attendees": (False, False, True, False, True),
    "export_attendees": (False, False, True, False, True),
}
CASES = [
    (action, person, allowed)
    for action, row in GRID.items()
    for person, allowed in zip(PEOPLE, row, strict=True)
]


@pytest.fixture
def person(request):
    def get(name):
        if name == "anonymous":
            return AnonymousUser()
        return request.getfixturevalue(name)

    return get


@pytest.fixture
def booked_meeting(meeting, other_group):
    """A meeting of `group` with one booking; `other_group` exists, run by other_organiser."""
    bookings.book_signed_in(meeting, make_user("attendee@example.com", display_name="Ada"))
    return meeting


def rule_allows(action, user, group, meeting) -> bool:
    if action == "propose":
        return user.has_perm("meetings.propose_meeting")
    if action == "publish_directly":
        return user.has_perm("meetings.publish_meeting_directly", group)
    return user.has_perm(f"meetings.{action}", meeting)


def view_allows(client, action, user, meeting) -> bool:
    if not isinstance(user, AnonymousUser):
        client.force_login(user)
    if action == "propose":
        response = client.get(reverse("meetings_propose"))
        return b'name="constituency"' in response.content
    if action == "see_attendees":
        response = client.get(reverse("meetings_attendees", args=[meeting.pk]))
        allowed = response.status_code == 200
        assert allowed == (b"attendee@example.com" in response.content)
        return allowed
    if action == "export_attendees":
        response = client.get(reverse("meetings_attendees_csv", args=[meeting.pk]))
        allowed = response.status_code == 200
        assert allowed == (b"attendee@example.com" in response.content)
        return allowed
    return None


@pytest.mark.parametrize(("action", "who", "allowed"), CASES)
def test_permission_grid(client, person, group, booked_meeting, action, who, allowed):
    user = person(who)
    assert rule_allows(action, user, group, booked_meeting) is allowed
    seen = view_allows(client, action, user, booked_meeting)
    if seen is not None:
        assert seen is allowed


def test_the_meeting_page_links_to_attendees_only_for_organisers(
    client, organiser, other_organiser, booked_meeting
):
    client.force_login(other_organiser)
    assert b"Who has booked" not in client.get(booked_meeting.url).content
    client.force_login(organiser)
    assert b"Who has booked" in client.get(booked_meeting.url).content


def test_without_a_group_the_proposer_organises_the_meeting(
    client, supporter, other_supporter, meeting_index, make_meeting
):
    meeting = make_meeting(parent=meeting_index, proposed_by=supporter)
    assert supporter.has_perm("meetings.see_attendees", meeting)
    assert not other_supporter.has_perm("meetings.see_attendees", meeting)
    # Nobody but a moderator publishes a meeting without a group directly.
    assert not supporter.has_perm("meetings.publish_meeting_directly", None)


def test_an_unverified_account_may_not_propose(client, unverified):
    client.force_login(unverified)
    assert client.get(reverse("meetings_propose")).status_code == 200
    response = client.post(reverse("meetings_propose"), {"title": "x"})
    assert response.status_code == 403
