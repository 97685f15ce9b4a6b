"""Who may do what to a manifesto, in each phase: the one place that decides.

`PERMISSIONS[action][phase]` is the set of roles allowed. A person can hold several
roles at once (a moderator is usually also a supporter; the author of an amendment is a
supporter too), and is allowed if any of their roles is. Views, templates and the admin
all ask `can(user, action, page, amendment)` or the django-rules permission
`manifesto.<action>` with the page or amendment as the object.
"""

import rules

from cms.roles import EDITORS, MODERATORS, SUPPORTERS, group_names

ANONYMOUS = "anonymous"
UNVERIFIED = "unverified"
SUPPORTER = "supporter"
AUTHOR = "author"
MODERATOR = "moderator"
EDITOR = "editor"
ROLES = [ANONYMOUS, UNVERIFIED, SUPPORTER, AUTHOR, MODERATOR, EDITOR]

DRAFTING, AMENDMENTS, VOTING, CLOSED = "drafting", "amendments", "voting", "closed"
PHASES = [DRAFTING, AMENDMENTS, VOTING, CLOSED]

EVERYONE = set(ROLES)
STAFF = {MODERATOR, EDITOR}
PARTICIPANTS = {SUPPORTER, AUTHOR, MODERATOR, EDITOR}


def _phases(**by_phase) -> dict[str, set[str]]:
    return {phase: set(by_phase.get(phase, ())) for phase in PHASES}


PERMISSIONS: dict[str, dict[str, set[str]]] = {
    # Reading the text and its public amendments. Drafts are for editors (and moderators,
    # who prepare screening).
    "view": _phases(drafting=STAFF, amendments=EVERYONE, voting=EVERYONE, closed=EVERYONE),
    # Proposing an amendment: verified supporters while amendments are open.
    "propose": _phases(amendments=PARTICIPANTS),
    # Withdrawing: only the author, until voting closes.
    "withdraw": _phases(amendments={AUTHOR}, voting={AUTHOR}),
    # Voting and discussing: verified supporters while amendments or voting are open.
    "vote": _phases(amendments=PARTICIPANTS, voting=PARTICIPANTS),
    "discuss": _phases(amendments=PARTICIPANTS, voting=PARTICIPANTS),
    # Reporting abuse: any verified supporter but the author, whenever amendments are visible.
    "report": _phases(
        amendments={SUPPORTER, MODERATOR, EDITOR},
        voting={SUPPORTER, MODERATOR, EDITOR},
        closed={SUPPORTER, MODERATOR, EDITOR},
    ),
    # Screening, hiding, rejecting, marking duplicates; and the discussion's moderation.
    "moderate": _phases(drafting=STAFF, amendments=STAFF, voting=STAFF, closed=STAFF),
    # Accepting amendments into a new version: once there are amendments to accept.
    "merge": _phases(amendments=STAFF, voting=STAFF, closed=STAFF),
    # Editing the text directly (always makes a new version): editors only, any phase.
    "edit_text": _phases(drafting={EDITOR}, amendments={EDITOR}, voting={EDITOR}, closed={EDITOR}),
}
ACTIONS = list(PERMISSIONS)

# Roles that rule an action out even if another role allows it: nobody reports their own text.
EXCLUDED: dict[str, set[str]] = {"report": {AUTHOR}}


def roles_of(user, amendment=None) -> set[str]:
    """The roles a person holds (looked up once per request and cached on the user)."""
    if user is None or not user.is_authenticated:
        return {ANONYMOUS}
    cached = getattr(user, "_manifesto_roles", None)
    if cached is None:
        groups = group_names(user) if user.is_active else frozenset()
        cached = set()
        if SUPPORTERS in groups:
            cached.add(SUPPORTER)
        if MODERATORS in groups:
            cached.add(MODERATOR)
        if EDITORS in groups or (user.is_active and user.is_superuser):
            cached.update({EDITOR, MODERATOR})
        if not cached:
            cached.add(UNVERIFIED)
        user._manifesto_roles = cached
    roles = set(cached)
    if amendment is not None and amendment.author_id == user.pk and SUPPORTER in roles:
        roles.add(AUTHOR)
    return roles


def allowed(roles: set[str], action: str, phase: str) -> bool:
    if EXCLUDED.get(action, set()) & roles:
        return False
    return bool(PERMISSIONS[action][phase] & roles)


def can(user, action: str, page, amendment=None, phase: str | None = None) -> bool:
    """May `user` do `action` on this manifesto (and amendment) now?"""
    return allowed(roles_of(user, amendment), action, phase or page.phase)


def _predicate(action: str):
    @rules.predicate(name=f"manifesto_{action}")
    def check(user, obj=None) -> bool:
        if obj is None:
            return False
        if hasattr(obj, "clause_id"):  # an Amendment
            return can(user, action, obj.page, obj)
        return can(user, action, obj)

    return check


for _action in ACTIONS:
    rules.add_perm(f"manifesto.{_action}", _predicate(_action))
