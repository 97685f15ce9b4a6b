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
