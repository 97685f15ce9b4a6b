"""Fixtures for the meetings tests: a meetings index, two local groups and their organisers,
and a factory of published meetings."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from cms.models import Constituency
from cms.roles import SUPPORTERS
from local.models import LocalGroupIndexPage, LocalGroupPage
from meetings.models import MeetingIndexPage, MeetingPage
from tests.cms.conftest import publish_child
from tests.conftest import make_user

_numbers = itertools.count(1)


@pytest.fixture
def frome(db):
    return Constituency.objects.get(name="Frome and East Somerset")


@pytest.fixture
def meeting_index(home):
    return publish_child(home, MeetingIndexPage(title="Meetings", slug="meetings"))


@pytest.fixture
def groups_index(home):
    return publish_child(home, LocalGroupIndexPage(title="Local groups", slug="groups"))


@pytest.fixture
def organiser(db):
    return make_user("organiser@example.com", SUPPORTERS, display_name="Olu")


@pytest.fixture
def other_organiser(db):
    return make_user("other-organiser@example.com", SUPPORTERS, display_name="Orla")


def make_group(groups_index, title, slug, constituency, organiser):
    group = LocalGroupPage(title=title, slug=slug, description="We meet monthly.")
    groups_index.add_child(instance=group)
    group.constituencies.set([constituency])
    group.organisers.set([organiser])
    group.save_revision().publish()
    return LocalGroupPage.objects.get(pk=group.pk)


@pytest.fixture
def group(groups_index, frome, organiser):
    return make_group(groups_index, "Frome Together", "frome-together", frome, organiser)


@pytest.fixture
def other_group(groups_index, organiser, other_organiser):
    bath = Constituency.objects.get(name="Bath")
    return make_group(groups_index, "Bath Alliance", "bath-alliance", bath, other_organiser)


@pytest.fixture
def make_meeting(group, frome):
    """A published meeting of `group` (or under `parent`), a week away; fields override."""

    def create(parent=None, publish=True, **fields):
        number = next(_numbers)
        start = fields.pop("start", timezone.now() + timedelta(days=7))
        values = {
            "title": f"Meeting {number}",
            "slug": f"meeting-{number}",
            "start": start,
            "end": start + timedelta(hours=2),
            "venue": "Frome Library, Justice Lane",
            "accessibility": "Step-free entrance.",
            "capacity": 10,
            "constituency": frome,
            "summary": "A participatory meeting about a local alliance.",
            **fields,
        }
        meeting = MeetingPage(live=publish, **values)
        (parent or group).add_child(instance=meeting)
        if publish:
            meeting.save_revision().publish()
        return MeetingPage.objects.get(pk=meeting.pk)

    return create


@pytest.fixture
def meeting(make_meeting):
    return make_meeting()
