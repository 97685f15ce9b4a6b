import datetime

import pytest

from cms.models import Constituency, Party
from local.models import (
    ConstituencyIndexPage,
    LocalGroupIndexPage,
    LocalGroupPage,
    PartyPosition,
    Position,
)
from tests.conftest import make_user

# The stories' fixtures, for the tests of stories on constituency pages.
from tests.stories.conftest import (  # noqa: F401
    make_story,
    places,
    stories_index,
    story_form_data,
)


@pytest.fixture
def constituency_index(home):
    index = ConstituencyIndexPage(title="Constituencies", slug="constituencies")
    home.add_child(instance=index)
    return index


@pytest.fixture
def group_index(home):
    index = LocalGroupIndexPage(title="Local groups", slug="groups")
    home.add_child(instance=index)
    return index


def add_group(index, title, constituency_names, organisers=()):
    group = LocalGroupPage(
        title=title, slug=title.lower().replace(" ", "-"), description="We meet."
    )
    index.add_child(instance=group)
    group.constituencies.set(Constituency.objects.filter(name__in=constituency_names))
    group.organisers.set(organisers)
    group.save_revision().publish()
    return LocalGroupPage.objects.get(pk=group.pk)


@pytest.fixture
def organiser(db):
    return make_user("organiser@example.com", display_name="Olu")


@pytest.fixture
def other_organiser(db):
    return make_user("other.organiser@example.com", display_name="Oz")


@pytest.fixture
def frome_group(group_index, organiser):
    return add_group(group_index, "Frome Alliance", ["Frome and East Somerset"], [organiser])


@pytest.fixture
def stroud_group(group_index, other_organiser):
    return add_group(group_index, "Stroud Together", ["Stroud"], [other_organiser])


def add_position(name, party_slug, position, in_favour_of=None):
    return PartyPosition.objects.create(
        constituency=Constituency.objects.get(name=name),
        party=Party.objects.get(slug=party_slug),
        position=position,
        in_favour_of=Party.objects.get(slug=in_favour_of) if in_favour_of else None,
        as_of=datetime.date(2026, 11, 1),
        source_url="https://example.org/announcement",
    )


__all__ = ["Position", "add_group", "add_position"]
