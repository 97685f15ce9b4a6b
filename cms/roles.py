"""The three roles (Django groups) and the model permissions each holds.

The groups themselves are created by a migration. Model permissions only exist
after migrations run, so they are granted here on every `post_migrate`; each app
declares what its roles need in its AppConfig.ready() with `grant()`.
"""

from django.db.models.signals import post_migrate

EDITORS = "Editors"
MODERATORS = "Moderators"
SUPPORTERS = "Supporters"

# Role name -> set of "app_label.codename" permissions.
ROLE_PERMISSIONS: dict[str, set[str]] = {
    EDITORS: {
        "wagtailadmin.access_admin",
        "wagtailimages.add_image",
        "wagtailimages.change_image",
        "wagtailimages.choose_image",
        "wagtaildocs.add_document",
        "wagtaildocs.change_document",
        "wagtaildocs.choose_document",
        "cms.add_party",
        "cms.change_party",
        "cms.view_party",
        "cms.change_navigationsettings",
        "cms.change_imprintsettings",
    },
    MODERATORS: {"wagtailadmin.access_admin"},
    SUPPORTERS: set(),
}


def group_names(user) -> frozenset[str]:
    """The names of the groups a signed-in person is in, read once per user object.

    The signed-in user of a request arrives with them (`cms.auth_backends`); any other
    user object costs one query, the first time.
    """
    names = getattr(user, "_group_names", None)
    if names is None:
        names = frozenset(user.groups.values_list("name", flat=True))
        user._group_names = names
    return names


def grant(role: str, permissions: list[str]) -> None:
    """Declare that `role` needs these permissions (applied after the next migrate)."""
    ROLE_PERMISSIONS.setdefault(role, set()).update(permissions)


def sync_role_permissions(**kwargs) -> None:
    """Give each role at least the permissions declared for it. Idempotent."""
    from django.contrib.auth.models import Group, Permission

    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".", 1)
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission:
                wanted.append(permission)
        group.permissions.add(*wanted)


def connect() -> None:
    post_migrate.connect(sync_role_permissions, dispatch_uid="cms.sync_role_permissions")
