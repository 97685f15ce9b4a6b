"""Who may do what on the editorial site (django-rules predicates, checked on the server)."""

import rules

from cms.roles import EDITORS, MODERATORS, SUPPORTERS, group_names


@rules.predicate
def is_verified_supporter(user) -> bool:
    """Signed in, active, and in Supporters (people join it by confirming their email)."""
    return bool(user and user.is_authenticated and user.is_active) and (
        SUPPORTERS in group_names(user)
    )


@rules.predicate
def is_moderator(user) -> bool:
    """In Moderators or Editors, or a superuser."""
    if not (user and user.is_authenticated):
        return False
    return user.is_superuser or bool({MODERATORS, EDITORS} & group_names(user))


# Not a model permission name on purpose: granting it never opens admin screens.
rules.add_perm("cms.reply_to_page", is_verified_supporter)
rules.add_perm("cms.moderate_replies", is_moderator)
