"""The permission grid: every role x every action x every phase, against one expected table."""

import pytest

from manifesto import rules
from manifesto.actions import propose
from tests.conftest import make_user
from tests.manifesto.conftest import set_phase

A, V, D, C = rules.AMENDMENTS, rules.VOTING, rules.DRAFTING, rules.CLOSED

# The expected grid, written out independently of rules.PERMISSIONS: action -> role -> phases.
EXPECTED = {
    "view": {
        "anonymous": {A, V, C},
        "unverified": {A, V, C},
        "supporter": {A, V, C},
        "author": {A, V, C},
        "moderator": {D, A, V, C},
        "editor": {D, A, V, C},
    },
    "propose": {
        r: ({A} if r in ("supporter", "author", "moderator", "editor") else set())
        for r in rules.ROLES
    },
    "withdraw": {r: ({A, V} if r == "author" else set()) for r in rules.ROLES},
    "vote": {
        r: ({A, V} if r in ("supporter", "author", "moderator", "editor") else set())
        for r in rules.ROLES
    },
    "discuss": {
        r: ({A, V} if r in ("supporter", "author", "moderator", "editor") else set())
        for r in rules.ROLES
    },
    "report": {
        r: ({A, V, C} if r in ("supporter", "moderator", "editor") else set()) for r in rules.ROLES
    },
    "moderate": {r: ({D, A, V, C} if r in ("moderator", "editor") else set()) for r in rules.ROLES},
    "merge": {r: ({A, V, C} if r in ("moderator", "editor") else set()) for r in rules.ROLES},
    "edit_text": {r: ({D, A, V, C} if r == "editor" else set()) for r in rules.ROLES},
}


@pytest.fixture
def people(db, manifesto, clause, supporter, unverified, moderator, editor):
    from django.contrib.auth.models import AnonymousUser

    author = make_user("author@example.com", "Supporters", party_slug="snp")
    amendment = propose(manifesto, clause, author, "replace", "New words.", "Because.")
    return amendment, {
        "anonymous": AnonymousUser(),
        "unverified": unverified,
        "supporter": supporter,
        "author": author,
        "moderator": moderator,
        "editor": editor,
    }


@pytest.mark.parametrize("action", rules.ACTIONS)
@pytest.mark.parametrize("role", rules.ROLES)
def test_permission_grid(people, manifesto, role, action):
    """Each role and action, checked in each of the four phases."""
    amendment, users = people
    user = users[role]
    for phase in rules.PHASES:
        set_phase(manifesto, phase)
        amendment.page.refresh_from_db()
        expected = phase in EXPECTED[action][role]
        assert rules.can(user, action, manifesto, amendment) is expected, phase
        # The same answer through django-rules, which views and the admin use.
        assert user.has_perm(f"manifesto.{action}", amendment) is expected, phase


def test_grid_covers_every_action():
    assert set(EXPECTED) == set(rules.ACTIONS)
