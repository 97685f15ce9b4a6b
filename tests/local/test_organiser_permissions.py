"""Organisers edit their own group's page and publish it, and nothing else: a grid, in the admin."""

import pytest
from django.contrib.auth.models import Group

from local.models import LocalGroupPage
from local.organisers import organiser_group_name

pytestmark = pytest.mark.django_db

ROLES = ["organiser_of_this", "organiser_of_other", "supporter", "moderator", "editor"]
# Who may: edit this group's page, edit another group's page, publish this group's page,
# edit the home page.
GRID = {
    "organiser_of_this": (True, False, True, False),
    "organiser_of_other": (False, True, False, False),
    "supporter": (False, False, False, False),
    "moderator": (False, False, False, False),
    "editor": (True, True, True, True),
}


@pytest.fixture
def people(organiser, other_organiser, supporter, moderator, editor):
    return {
        "organiser_of_this": organiser,
        "organiser_of_other": other_organiser,
        "supporter": supporter,
        "moderator": moderator,
        "editor": editor,
    }


def can_open_editor(client, page) -> bool:
    response = client.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code in (200, 302, 403)
    return response.status_code == 200


def publish_through_admin(client, page) -> bool:
    data = {
        "title": page.title + " (new)",
        "slug": page.slug,
        "description": "Changed through the admin.",
        "constituencies": [c.pk for c in page.constituencies.all()],
        "organisers": [u.pk for u in page.organisers.all()],
        "action-publish": "action-publish",
    }
    response = client.post(f"/admin/pages/{page.pk}/edit/", data)
    assert response.status_code in (200, 302, 403)
    return LocalGroupPage.objects.get(pk=page.pk).title.endswith("(new)")


@pytest.mark.parametrize("role", ROLES)
def test_permission_grid(client, role, people, frome_group, stroud_group, home):
    client.force_login(people[role])
    edit_this, edit_other, publish_this, edit_home = GRID[role]
    assert can_open_editor(client, frome_group) is edit_this
    assert can_open_editor(client, stroud_group) is edit_other
    assert can_open_editor(client, home) is edit_home
    assert publish_through_admin(client, frome_group) is publish_this


def test_an_organiser_removed_loses_the_permission(client, organiser, frome_group):
    group = Group.objects.get(name=organiser_group_name(frome_group))
    assert list(group.user_set.all()) == [organiser]
    frome_group.organisers.set([])
    frome_group.save_revision().publish()
    assert not group.user_set.exists()
    client.force_login(organiser)
    assert not can_open_editor(client, frome_group)


def test_a_draft_adding_an_organiser_grants_nothing_until_published(
    supporter, frome_group, organiser
):
    frome_group.organisers.add(supporter)
    frome_group.save_revision()
    group = Group.objects.get(name=organiser_group_name(frome_group))
    assert list(group.user_set.all()) == [organiser]


def test_deleting_a_group_page_deletes_its_organiser_group(frome_group):
    name = organiser_group_name(frome_group)
    frome_group.delete()
    assert not Group.objects.filter(name=name).exists()


def test_an_organiser_cannot_choose_who_else_organises(client, organiser, supporter, frome_group):
    client.force_login(organiser)
    html = client.get(f"/admin/pages/{frome_group.pk}/edit/").content.decode()
    assert 'name="organisers"' not in html
    data = {
        "title": frome_group.title,
        "slug": frome_group.slug,
        "description": "Still us.",
        "constituencies": [c.pk for c in frome_group.constituencies.all()],
        "organisers": [organiser.pk, supporter.pk],
        "action-publish": "action-publish",
    }
    client.post(f"/admin/pages/{frome_group.pk}/edit/", data)
    page = LocalGroupPage.objects.get(pk=frome_group.pk)
    assert page.description == "Still us."
    assert list(page.organisers.all()) == [organiser]
