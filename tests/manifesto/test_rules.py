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


# --- The status transitions: role x from-status x to-status x phase ------------------------

ALL = {D, A, V, C}
STAFF_ALWAYS = {"moderator": ALL, "editor": ALL}
STAFF_OR_MERGE = {**STAFF_ALWAYS, "system": ALL}
AUTHOR_WHILE_OPEN = {"author": {A, V}}
AUTHOR_WHILE_PROPOSING = {"author": {A}}
MERGE_ALWAYS = {"system": ALL}
MERGE_WHEN_MERGING = {"system": {A, V, C}}

# Written out independently of rules.TRANSITIONS: (from, to) -> role -> phases. Any pair
# not listed is allowed to nobody ("system" is the merge acting on other amendments).
EXPECTED_MOVES = {
    ("submitted", "published"): STAFF_ALWAYS,
    ("submitted", "rejected"): STAFF_ALWAYS,
    ("submitted", "duplicate"): STAFF_OR_MERGE,
    ("submitted", "withdrawn"): AUTHOR_WHILE_OPEN,
    ("submitted", "needs_update"): MERGE_ALWAYS,
    ("submitted", "closed"): MERGE_ALWAYS,
    ("published", "accepted"): STAFF_ALWAYS,
    ("published", "rejected"): STAFF_ALWAYS,
    ("published", "duplicate"): STAFF_OR_MERGE,
    ("published", "withdrawn"): AUTHOR_WHILE_OPEN,
    ("published", "merged"): MERGE_WHEN_MERGING,
    ("published", "needs_update"): MERGE_ALWAYS,
    ("published", "closed"): MERGE_ALWAYS,
    ("accepted", "published"): STAFF_ALWAYS,
    ("accepted", "rejected"): STAFF_ALWAYS,
    ("accepted", "duplicate"): STAFF_OR_MERGE,
    ("accepted", "merged"): MERGE_WHEN_MERGING,
    ("accepted", "needs_update"): MERGE_ALWAYS,
    ("accepted", "closed"): MERGE_ALWAYS,
    ("rejected", "published"): STAFF_ALWAYS,
    ("duplicate", "published"): STAFF_ALWAYS,
    ("needs_update", "submitted"): AUTHOR_WHILE_PROPOSING,
    ("needs_update", "published"): AUTHOR_WHILE_PROPOSING,
    ("needs_update", "withdrawn"): AUTHOR_WHILE_OPEN,
    ("needs_update", "rejected"): STAFF_ALWAYS,
    ("needs_update", "duplicate"): STAFF_OR_MERGE,
    ("needs_update", "closed"): MERGE_ALWAYS,
}
STATUSES = [
    "submitted",
    "published",
    "withdrawn",
    "accepted",
    "rejected",
    "duplicate",
    "merged",
    "needs_update",
    "closed",
]
PAIRS = [(f, t) for f in STATUSES for t in STATUSES if f != t]


def expected_move(role, from_status, to_status, phase) -> bool:
    return phase in EXPECTED_MOVES.get((from_status, to_status), {}).get(role, set())


def test_the_statuses_are_the_models_statuses():
    from manifesto.models import AmendmentStatus

    assert set(STATUSES) == set(AmendmentStatus.values) == set(rules.STATUSES)


@pytest.mark.parametrize("role", [*rules.ROLES, rules.SYSTEM])
def test_transition_grid(role):
    """The table itself, for every role, pair of statuses and phase."""
    for from_status, to_status in PAIRS:
        for phase in rules.PHASES:
            assert rules.may_move({role}, from_status, to_status, phase) is expected_move(
                role, from_status, to_status, phase
            ), (from_status, to_status, phase)


# How each status is asked for on the public pages: (address suffix, POST data).
VIEW_ENDPOINTS = {
    "published": [("status", {"action": "publish"}), ("update", {"text": "Rewritten words."})],
    "submitted": [("update", {"text": "Rewritten words."})],
    "accepted": [("status", {"action": "accept"})],
    "rejected": [("status", {"action": "reject", "reason": "Off topic."})],
    "duplicate": [("status", {"action": "duplicate", "duplicate_of": "<other>"})],
    "withdrawn": [("withdraw", {})],
}
EARLIER_REASON = "The reason given earlier."


@pytest.fixture
def moves(people, manifesto, clause, supporter):
    from manifesto.models import Amendment

    amendment, users = people
    other = propose(manifesto, clause, supporter, "replace", "Other words.", "Because.")
    return Amendment.objects.get(pk=amendment.pk), other, users


def _put(amendment, status):
    from manifesto.models import Amendment

    Amendment.objects.filter(pk=amendment.pk).update(
        status=status, status_reason=EARLIER_REASON, is_hidden=False
    )


def _status_and_reason(amendment):
    from manifesto.models import Amendment

    return Amendment.objects.values_list("status", "status_reason").get(pk=amendment.pk)


@pytest.mark.parametrize("phase", rules.PHASES)
@pytest.mark.parametrize("role", rules.ROLES)
def test_transition_grid_through_the_public_pages(client, moves, manifesto, role, phase):
    """Every status each person can ask for on the amendment's page, from every status."""
    from cms.cache import purge_page_cache
    from manifesto.models import ManifestoPage

    amendment, other, users = moves
    set_phase(manifesto, phase)
    if users[role].is_authenticated:
        client.force_login(users[role])
    base = f"{manifesto.url}amendment/{amendment.pk}/"
    wrong = []
    for from_status, to_status in PAIRS:
        if to_status not in VIEW_ENDPOINTS:
            continue
        _put(amendment, from_status)
        ManifestoPage.objects.filter(pk=manifesto.pk).update(screening=to_status == "submitted")
        purge_page_cache()  # as publishing the page would: an update() sends no signal
        for action, data in VIEW_ENDPOINTS[to_status]:
            data = {k: (other.pk if v == "<other>" else v) for k, v in data.items()}
            response = client.post(base + f"{action}/", data)
            assert response.status_code < 500, (from_status, to_status, action)
        status, reason = _status_and_reason(amendment)
        if expected_move(role, from_status, to_status, phase):
            if status != to_status:
                wrong.append(f"{from_status} -> {to_status}: refused")
        elif (status, reason) != (from_status, EARLIER_REASON):
            wrong.append(f"{from_status} -> {to_status}: became {status} ({reason!r})")
    assert not wrong, "\n".join(wrong)


# Staff moves do not depend on the phase (the table's grid above checks every phase).
@pytest.mark.parametrize("phase", [A, C])
@pytest.mark.parametrize("role", ["moderator", "editor"])
def test_transition_grid_through_the_admin_edit_form(client, moves, manifesto, role, phase):
    """The admin's edit form offers every status; the table decides, a refusal is a form
    error and changes nothing."""
    from cms.roles import sync_role_permissions

    sync_role_permissions()
    amendment, other, users = moves
    set_phase(manifesto, phase)
    client.force_login(users[role])
    url = f"/admin/snippets/manifesto/amendment/edit/{amendment.pk}/"
    wrong = []
    for from_status, to_status in PAIRS:
        _put(amendment, from_status)
        response = client.post(
            url,
            {
                "status": to_status,
                "status_reason": "A new reason.",
                "duplicate_of": other.pk if to_status == "duplicate" else "",
            },
        )
        assert response.status_code < 500, (from_status, to_status)
        status, reason = _status_and_reason(amendment)
        if expected_move(role, from_status, to_status, phase):
            if (status, reason) != (to_status, "A new reason."):
                wrong.append(f"{from_status} -> {to_status}: refused")
        elif (status, reason) != (from_status, EARLIER_REASON):
            wrong.append(f"{from_status} -> {to_status}: became {status} ({reason!r})")
        elif response.status_code != 200 or b"cannot be made" not in response.content:
            wrong.append(f"{from_status} -> {to_status}: refused without saying why")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("decided", ["merged", "accepted", "rejected"])
def test_author_cannot_withdraw_a_decided_amendment_by_posting(client, moves, manifesto, decided):
    """The withdraw address refuses what the hidden button would: the reason stays."""
    amendment, _, users = moves
    _put(amendment, decided)
    client.force_login(users["author"])
    response = client.post(f"{manifesto.url}amendment/{amendment.pk}/withdraw/", follow=True)
    assert _status_and_reason(amendment) == (decided, EARLIER_REASON)
    assert "cannot be made withdrawn" in response.content.decode()
    assert not amendment.status_changes.exists()


def test_each_status_change_is_written_to_the_history(moves, manifesto):
    from manifesto.actions import set_status

    amendment, _, users = moves
    set_status(amendment, "rejected", "Off topic.", by=users["moderator"])
    set_status(amendment, "published", "On reflection, in scope.", by=users["editor"])
    history = list(
        amendment.status_changes.values_list("changed_by", "from_status", "to_status", "reason")
    )
    assert history == [
        (users["moderator"].pk, "published", "rejected", "Off topic."),
        (users["editor"].pk, "rejected", "published", "On reflection, in scope."),
    ]


@pytest.mark.parametrize("role", rules.ROLES)
def test_comment_report_and_propose_ask_the_grid_themselves(people, manifesto, role):
    """Called without a view, the domain functions refuse what the grid refuses."""
    from django.core.exceptions import PermissionDenied

    from manifesto import actions

    amendment, users = people
    user = users[role]
    for phase in rules.PHASES:
        set_phase(manifesto, phase)
        amendment.page.refresh_from_db()
        for action, do in (
            ("discuss", lambda: actions.comment(amendment, user, "A thought.")),
            ("report", lambda: actions.report(amendment, user, "Rude")),
            (
                "propose",
                lambda: actions.propose(manifesto, amendment.clause, user, "add", "More.", ""),
            ),
        ):
            if phase in EXPECTED[action][role]:
                do()  # allowed: done (a second report is recorded once)
            else:
                with pytest.raises(PermissionDenied):
                    do()


def test_propose_refuses_a_deleted_or_foreign_clause(people, manifesto, clause, home):
    """The domain checks the clause itself, whoever calls it."""
    from manifesto import actions
    from manifesto.models import Clause
    from tests.support.factories import ManifestoPageFactory

    _amendment, users = people
    other = ManifestoPageFactory(
        parent=home, title="Another", slug="another", clauses=[("Theirs", "Their words.")]
    )
    foreign = Clause.objects.get(page=other)
    with pytest.raises(Clause.DoesNotExist):
        actions.propose(manifesto, foreign, users["supporter"], "add", "More.", "")
    clause.is_deleted = True
    clause.save(update_fields=["is_deleted"])
    with pytest.raises(Clause.DoesNotExist):
        actions.propose(manifesto, clause, users["supporter"], "add", "More.", "")
