"""Who may do what on the editorial site (django-rules predicates, checked on the server)."""

import rules

from cms.roles import EDITORS, MODERATORS, SUPPORTERS


@rules.predicate
def is_verified_supporter(user) -> bool:
    """Signed in, active, and in Supporters (people join it by confirming their email)."""
    return (
        bool(user and user.is_authenticated and user.is_active)
        and user.groups.filter(name=SUPPORTERS).exists()
    )


is_moderator = (
    rules.is_group_member(MODERATORS) | rules.is_group_member(EDITORS) | rules.is_superuser
)

# Not a model permission name on purpose: granting it never opens admin screens.
rules.add_perm("cms.reply_to_page", is_verified_supporter)
rules.add_perm("cms.moderate_replies", is_moderator)
