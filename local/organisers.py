"""A local group's organisers may edit its page and publish its meetings, and nothing else.

Each group page has its own Django group ("Organisers of group N"), kept equal to the
page's `organisers` whenever the page is saved (published), with Wagtail page permissions
on the group's page and so its subtree: edit and publish. The admin checks these as it
checks any page permission, so an organiser cannot edit another group or any other page.
"""

from django.contrib.auth.models import Group, Permission
from wagtail.models import GroupPagePermission

PAGE_PERMISSIONS = ["change_page", "publish_page"]


def organiser_group_name(page) -> str:
    return f"Organisers of local group {page.pk}"


def sync_organiser_group(page) -> Group:
    """Make the page's organiser group hold exactly its organisers, with its permissions."""
    group, created = Group.objects.get_or_create(name=organiser_group_name(page))
    if created:
        group.permissions.add(Permission.objects.get(codename="access_admin"))
        for codename in PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=group,
                page=page,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
    # From the table, not the page object: a draft's organisers (in a revision, or still in
    # memory) grant nothing until the page is published.
    through = type(page).organisers.through
    wanted = set(
        through.objects.filter(localgrouppage_id=page.pk).values_list("user_id", flat=True)
    )
    current = set(group.user_set.values_list("pk", flat=True))
    if wanted - current:
        group.user_set.add(*(wanted - current))
    if current - wanted:
        group.user_set.remove(*(current - wanted))
    return group


def remove_organiser_group(sender, instance, **kwargs) -> None:
    """A deleted group page takes its organiser group with it."""
    Group.objects.filter(name=organiser_group_name(instance)).delete()
