"""The three roles (Django groups), the one definition of who holds each, and the model
permissions each holds.

Who is a supporter, a moderator or an editor is decided here and nowhere else: the
predicates below are what every app's `rules.py` (and `User.is_supporter`) builds on.
They read a person's groups once per user object (`group_names`), so asking them again
costs no query.

The groups themselves are created by a migration. Model permissions only exist
after migrations run, so they are granted here on every `post_migrate`; each app
declares what its roles need in its AppConfig.ready() with `grant()`.
"""

import rules
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_migrate

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


def forget_roles(user) -> None:
    """Drop what was read about a person's groups (after their groups change)."""
    for name in ("_group_names", "_manifesto_roles"):
        user.__dict__.pop(name, None)


# --- The roles, as predicates (django-rules): one definition each --------------------


@rules.predicate
def is_signed_in(user) -> bool:
    """Signed in with an account that is not switched off."""
    return bool(user is not None and user.is_authenticated and user.is_active)


@rules.predicate
def is_supporter(user) -> bool:
    """A verified supporter: in Supporters (people join it by confirming their email)."""
    return is_signed_in(user) and SUPPORTERS in group_names(user)


@rules.predicate
def is_editor(user) -> bool:
    """In Editors, or a superuser."""
    return is_signed_in(user) and (user.is_superuser or EDITORS in group_names(user))


@rules.predicate
def is_moderator(user) -> bool:
    """In Moderators; editors (and superusers) moderate too."""
    return is_editor(user) or (is_signed_in(user) and MODERATORS in group_names(user))


def grant(role: str, permissions: list[str]) -> None:
    """Declare that `role` needs these permissions (applied after the next migrate)."""
    ROLE_PERMISSIONS.setdefault(role, set()).update(permissions)


def sync_role_permissions(app_config=None, **kwargs) -> None:
    """Give each role at least the permissions declared for it. Idempotent.

    After a migrate, post_migrate calls this once per app (its `app_config`), after auth's
    own receiver has made that app's permissions: each call adds that app's, in one query
    per role. Called with no app, it adds them all.
    """
    from django.contrib.auth.models import Group, Permission

    for role, names in ROLE_PERMISSIONS.items():
        pairs = [name.split(".", 1) for name in sorted(names)]
        if app_config is not None:
            pairs = [pair for pair in pairs if pair[0] == app_config.label]
        group, _ = Group.objects.get_or_create(name=role)
        if not pairs:
            continue
        wanted = Q()
        for app_label, codename in pairs:
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(wanted))


def _groups_changed(sender, instance, reverse, **kwargs):
    """`user.groups.add(...)` changes that user object's roles: read them afresh."""
    if not reverse:
        forget_roles(instance)


def connect() -> None:
    from django.contrib.auth import get_user_model  # the user model exists once apps are ready

    post_migrate.connect(sync_role_permissions, dispatch_uid="cms.sync_role_permissions")
    m2m_changed.connect(
        _groups_changed,
        sender=get_user_model().groups.through,
        dispatch_uid="cms.roles.groups_changed",
    )
