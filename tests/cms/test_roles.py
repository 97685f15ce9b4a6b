"""Testing that roles exist from the migrations and are enforced on the server."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import GroupPagePermission

from cms.roles import EDITORS, MODERATORS, SUPPORTERS


def test_roles_are_created_by_migrations(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {EDITORS, MODERATORS, SUPPORTERS}


def test_editors_may_publish_pages_and_moderators_may_not(db):
    editors = set(
        GroupPagePermission.objects.filter(group__name=EDITORS).values_list(
            "permission__codename", flat=True
        )
    )
    assert {"add_page", "change_page", "publish_page"} <= editors
    assert not GroupPagePermission.objects.filter(group__name=MODERATORS).exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("supporter", 302), ("moderator", 200), ("editor", 200)],
)
def test_only_staff_roles_reach_the_admin(client, request, db, who, status):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    assert client.get("/admin/").status_code == status


# --- The one definition of each role (cms.roles), as a grid of people x roles ---------

ROLE_GRID = {
    # person: (is_signed_in, is_supporter, is_moderator, is_editor)
    "anonymous": (False, False, False, False),
    "unverified": (True, False, False, False),
    "supporter": (True, True, False, False),
    "moderator": (True, True, True, False),  # the fixtures make staff supporters too
    "editor": (True, True, True, True),
    "superuser": (True, False, True, True),
    "switched_off_supporter": (False, False, False, False),
}


@pytest.fixture
def person(request, db):
    from django.contrib.auth.models import AnonymousUser

    from tests.conftest import make_user

    name = request.param
    if name == "anonymous":
        return AnonymousUser()
    if name == "switched_off_supporter":
        return make_user("off@example.com", SUPPORTERS, is_active=False)
    return request.getfixturevalue(name)


@pytest.mark.parametrize("person", list(ROLE_GRID), indirect=True)
def test_role_grid(person, request):
    from cms import roles

    expected = ROLE_GRID[request.node.callspec.params["person"]]
    asked = (
        roles.is_signed_in(person),
        roles.is_supporter(person),
        roles.is_moderator(person),
        roles.is_editor(person),
    )
    assert asked == expected
    if person.is_authenticated:
        assert person.is_supporter == expected[1]


def test_is_supporter_reads_the_groups_once_per_user_object(supporter, django_assert_num_queries):
    from cms.models import User

    fresh = User.objects.get(pk=supporter.pk)
    with django_assert_num_queries(1):
        assert fresh.is_supporter and fresh.is_supporter


def test_joining_supporters_is_seen_on_the_same_user_object(unverified):
    assert not unverified.is_supporter
    unverified.groups.add(Group.objects.get(name=SUPPORTERS))
    assert unverified.is_supporter
