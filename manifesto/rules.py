"""Who may do what to a manifesto, in each phase: the one place that decides.

`PERMISSIONS[action][phase]` is the set of roles allowed. A person can hold several
roles at once (a moderator is usually also a supporter; the author of an amendment is a
supporter too), and is allowed if any of their roles is. Views, templates and the admin
all ask `can(user, action, page, amendment)` or the django-rules permission
`manifesto.<action>` with the page or amendment as the object.

`TRANSITIONS[(from_status, to_status)][phase]` is, in the same shape, who may move an
amendment from one status to another. `actions.set_status` asks `may_move` for every
caller (the public pages, the admin's edit form and bulk actions, merges), so a rule
cannot be skipped by reaching a status another way. `SYSTEM` is the merge itself: what a
new version does to the open amendments on the clauses it changed.
"""

import rules

from cms import roles as site_roles

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
    """The roles a person holds here, from the site's roles (`cms.roles`), cached on the user."""
    if user is None or not user.is_authenticated:
        return {ANONYMOUS}
    cached = getattr(user, "_manifesto_roles", None)
    if cached is None:
        cached = set()
        if site_roles.is_supporter(user):
            cached.add(SUPPORTER)
        if site_roles.is_moderator(user):
            cached.add(MODERATOR)
        if site_roles.is_editor(user):
            cached.add(EDITOR)
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


# --- Status transitions -------------------------------------------------------------

SYSTEM = "system"  # the merge (or an editor's new wording) acting on other open amendments

SUBMITTED, PUBLISHED, WITHDRAWN, ACCEPTED = "submitted", "published", "withdrawn", "accepted"
REJECTED, DUPLICATE, MERGED, NEEDS_UPDATE = "rejected", "duplicate", "merged", "needs_update"
CLOSED_STATUS = "closed"  # the clause was deleted
STATUSES = [
    SUBMITTED,
    PUBLISHED,
    WITHDRAWN,
    ACCEPTED,
    REJECTED,
    DUPLICATE,
    MERGED,
    NEEDS_UPDATE,
    CLOSED_STATUS,
]
WHILE_OPEN = {AMENDMENTS, VOTING}  # the author's own changes


def _only(roles: set[str], phases=PHASES) -> dict[str, set[str]]:
    return {phase: (set(roles) if phase in phases else set()) for phase in PHASES}


_STAFF_ALWAYS = _only(STAFF)
_AUTHOR_WHILE_OPEN = _only({AUTHOR}, WHILE_OPEN)
_AUTHOR_WHILE_PROPOSING = _only({AUTHOR}, {AMENDMENTS})
_SYSTEM_ALWAYS = _only({SYSTEM})
_SYSTEM_WHEN_MERGING = _only({SYSTEM}, {AMENDMENTS, VOTING, CLOSED})
_STAFF_OR_SYSTEM = _only(STAFF | {SYSTEM})  # duplicates: marked by hand or found by a merge

TRANSITIONS: dict[tuple[str, str], dict[str, set[str]]] = {
    # Screening: moderators publish, reject or point at a duplicate; the author may withdraw.
    (SUBMITTED, PUBLISHED): _STAFF_ALWAYS,
    (SUBMITTED, REJECTED): _STAFF_ALWAYS,
    (SUBMITTED, DUPLICATE): _STAFF_OR_SYSTEM,
    (SUBMITTED, WITHDRAWN): _AUTHOR_WHILE_OPEN,
    # A published amendment is decided on, or withdrawn by its author while voting is open.
    (PUBLISHED, ACCEPTED): _STAFF_ALWAYS,
    (PUBLISHED, REJECTED): _STAFF_ALWAYS,
    (PUBLISHED, DUPLICATE): _STAFF_OR_SYSTEM,
    (PUBLISHED, WITHDRAWN): _AUTHOR_WHILE_OPEN,
    # An accepted amendment is merged, or the decision is taken back; never withdrawn.
    (ACCEPTED, PUBLISHED): _STAFF_ALWAYS,
    (ACCEPTED, REJECTED): _STAFF_ALWAYS,
    (ACCEPTED, DUPLICATE): _STAFF_OR_SYSTEM,
    # Moderators may reconsider a rejection or a duplicate; the author may not undo them.
    (REJECTED, PUBLISHED): _STAFF_ALWAYS,
    (DUPLICATE, PUBLISHED): _STAFF_ALWAYS,
    # Needs update: the author rewrites it on today's text (screened again if screening
    # is on), or withdraws it; moderators may still reject it.
    (NEEDS_UPDATE, SUBMITTED): _AUTHOR_WHILE_PROPOSING,
    (NEEDS_UPDATE, PUBLISHED): _AUTHOR_WHILE_PROPOSING,
    (NEEDS_UPDATE, WITHDRAWN): _AUTHOR_WHILE_OPEN,
    (NEEDS_UPDATE, REJECTED): _STAFF_ALWAYS,
    (NEEDS_UPDATE, DUPLICATE): _STAFF_OR_SYSTEM,
    # What a merge does: merges the chosen amendments, and moves the other open amendments
    # of the clauses it changed (collided, already made, clause deleted).
    (PUBLISHED, MERGED): _SYSTEM_WHEN_MERGING,
    (ACCEPTED, MERGED): _SYSTEM_WHEN_MERGING,
    **{(status, NEEDS_UPDATE): _SYSTEM_ALWAYS for status in (SUBMITTED, PUBLISHED, ACCEPTED)},
    **{
        (status, CLOSED_STATUS): _SYSTEM_ALWAYS
        for status in (SUBMITTED, PUBLISHED, ACCEPTED, NEEDS_UPDATE)
    },
}

# Merged, withdrawn and closed are final: nothing leaves them.
FINAL_STATUSES = {MERGED, WITHDRAWN, CLOSED_STATUS}
# On a deleted clause an amendment can only be closed, withdrawn, rejected or a duplicate.
ON_DELETED_CLAUSE = {WITHDRAWN, REJECTED, DUPLICATE, CLOSED_STATUS}


def may_move(roles: set[str], from_status: str, to_status: str, phase: str) -> bool:
    """May someone holding `roles` move an amendment from one status to another now?"""
    row = TRANSITIONS.get((from_status, to_status))
    return bool(row and row[phase] & roles)


def transition_roles(by, amendment) -> set[str]:
    """The roles `by` (a user, or SYSTEM for the merge) holds over this amendment."""
    if by == SYSTEM:
        return {SYSTEM}
    return roles_of(by, amendment)


def may_restate(roles: set[str], status: str) -> bool:
    """A new reason (or unhiding) on an unchanged status: moderators and merges, never on
    a final status."""
    return status not in FINAL_STATUSES and bool(roles & (STAFF | {SYSTEM}))


def can_move(by, amendment, to_status: str, phase: str | None = None) -> bool:
    """May `by` move this amendment to `to_status` now (its clause deleted or not)?"""
    if amendment.clause.is_deleted and to_status not in ON_DELETED_CLAUSE:
        return False
    roles = transition_roles(by, amendment)
    if amendment.status == to_status:
        return may_restate(roles, to_status)
    return may_move(roles, amendment.status, to_status, phase or amendment.page.phase)


# --- Seeing and voting on one amendment -----------------------------------------------

# Open for voting (and for collisions, agreement and the amendment book): the statuses an
# amendment is decided on. The models take this list from here.
OPEN_STATUSES = (PUBLISHED, ACCEPTED)

# Why a vote is refused (None: it is not).
NOT_FOUND = "not_found"  # the voter may not even see the amendment
NOT_ALLOWED = "not_allowed"  # the voter may not vote here now
NOT_OPEN = "not_open"  # the amendment is not open for voting


def refusal_message(user) -> str:
    """Why an action in `PERMISSIONS` was refused, in words for the person who asked."""
    if not user.is_authenticated:
        return "Sign in as a verified supporter to do this."
    return "This is not open to you in the current phase."


def may_see(user, amendment, may_moderate) -> bool:
    """Submitted or hidden amendments exist only for their author and the moderators.

    `may_moderate()` is asked only when the amendment is not public to all.
    """
    visible = amendment.status != SUBMITTED and not amendment.is_hidden
    is_author = user.is_authenticated and amendment.author_id == user.pk
    return visible or is_author or may_moderate()


def can_see(user, page, amendment) -> bool:
    return may_see(user, amendment, lambda: can(user, "moderate", page))


def vote_refusal(user, page, phase: str | None = None):
    """The vote rule: a function saying why `user` may not vote on an amendment of `page`
    in a given state (NOT_FOUND, NOT_ALLOWED, NOT_OPEN) or None.

    The state is anything with `status`, `is_hidden` and `author_id`, so the vote itself
    can ask it about every state an amendment can be in (`actions.cast_vote_checked`).
    What does not depend on the amendment is worked out once: the phase, moderation
    rights, and the vote permission, which depends on the amendment only through whether
    this person wrote it (`roles_of`).
    """
    phase = phase or page.phase
    may_moderate = can(user, "moderate", page, phase=phase)
    may_vote = {}  # is the author -> allowed

    def refusal(amendment) -> str | None:
        if not may_see(user, amendment, lambda: may_moderate):
            return NOT_FOUND
        is_author = user.is_authenticated and amendment.author_id == user.pk
        if is_author not in may_vote:
            may_vote[is_author] = can(user, "vote", page, amendment, phase=phase)
        if not may_vote[is_author]:
            return NOT_ALLOWED
        if amendment.status not in OPEN_STATUSES:
            return NOT_OPEN
        return None

    return refusal


def can_vote(user, page, amendment) -> bool:
    """May `user` vote on this amendment now (the vote rule, for the amendment's page)?"""
    return vote_refusal(user, page)(amendment) is None


def can_withdraw(user, page, amendment) -> bool:
    """The author, while amendments are open, on an amendment not yet decided."""
    return can(user, "withdraw", page, amendment) and amendment.status in (
        SUBMITTED,
        PUBLISHED,
        NEEDS_UPDATE,
    )


def can_rewrite(user, page, amendment) -> bool:
    """The author of a needs-update amendment, while amendments may be proposed."""
    return (
        amendment.status == NEEDS_UPDATE
        and user.is_authenticated
        and amendment.author_id == user.pk
        and can(user, "propose", page, amendment)
    )
