"""What people do to amendments, each in one short transaction: propose, vote, comment,
report, change status. Views and the admin call these; the rules are asked here, for
every caller: a vote asks `rules.vote_refusal` (under the row lock), a comment and a
report `rules.can`, and a status changes only through `set_status`, which asks
`rules.can_move`, and a proposal `rules.can(..., "propose", ...)`."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from cms import written_sql
from cms.cache import purge_page_cache
from manifesto import news, rules
from manifesto.describe import amendment_full_url, clause_words
from manifesto.models import (
    COUNTER_FIELD,
    Amendment,
    AmendmentComment,
    AmendmentKind,
    AmendmentStatus,
    AmendmentStatusChange,
    Clause,
    ManifestoPage,
    Report,
    Vote,
)
from manifesto.tasks import queue_after_commit, tell_voters_votes_reset


class VoteRefused(Exception):
    """A vote the per-manifesto limits do not allow; the message is shown to the voter."""


def propose(page: ManifestoPage, clause: Clause, author, kind: str, text: str, reason: str):
    """Record a new amendment against the current version of the clause's text.

    Raises PermissionDenied when the rules do not let `author` propose on `page` now, and
    Clause.DoesNotExist for a clause that is not a live clause of `page`. An `author` of
    None records an amendment with no person behind it (imported or seeded text), which
    no request can do: a visitor is an AnonymousUser, never None.
    """
    if author is not None and not rules.can(author, "propose", page):
        raise PermissionDenied(rules.refusal_message(author))
    if clause.page_id != page.pk or clause.is_deleted:
        raise Clause.DoesNotExist("No such clause to amend")
    status = AmendmentStatus.SUBMITTED if page.screening else AmendmentStatus.PUBLISHED
    amendment = Amendment.objects.create(
        page=page,
        clause=clause,
        kind=kind,
        text="" if kind == AmendmentKind.DELETE else text.strip(),
        reason=reason.strip(),
        author=author,
        base_version=page.current_version,
        base_text=clause.text,
        status=status,
    )
    news.amendment_written(amendment)
    return amendment


def comment(amendment: Amendment, author, body: str) -> AmendmentComment:
    """A comment in an amendment's discussion, shown once a moderator has approved it."""
    if not rules.can(author, "discuss", amendment.page, amendment):
        raise PermissionDenied(rules.refusal_message(author))
    news.took_part(amendment.pk, author.pk)
    return AmendmentComment.objects.create(amendment=amendment, author=author, body=body)


def check_vote_limits(page: ManifestoPage, voter, is_new_vote: bool) -> None:
    if page.min_account_age_days_to_vote and voter.date_joined > timezone.now() - timedelta(
        days=page.min_account_age_days_to_vote
    ):
        raise VoteRefused(
            f"Accounts can vote once they are {page.min_account_age_days_to_vote} days old."
        )
    if is_new_vote and page.votes_per_day:
        since = timezone.now() - timedelta(days=1)
        today = Vote.objects.filter(
            voter=voter, amendment__page=page, created_at__gte=since
        ).count()
        if today >= page.votes_per_day:
            raise VoteRefused(f"You have used today's {page.votes_per_day} votes. Thank you!")


@dataclass
class VoteCounts:
    """An amendment's counters right after a vote (read under the row lock)."""

    pk: int
    agree_count: int
    disagree_count: int
    pass_count: int


def cast_vote(amendment: Amendment, voter, choice: str) -> VoteCounts:
    """Record or change a vote and keep the amendment's counters exact.

    One short transaction of four statements: lock the amendment row (reading its
    counters), read this voter's previous choice, insert or change the vote, move the
    counters by exactly the change. The lock serialises votes on one amendment, so the previous
    choice read is the truth and the counters cannot drift; the unique constraint on
    (amendment, voter) stays as the last line of defence against a double vote.
    """
    if choice not in COUNTER_FIELD:
        raise VoteRefused("Choose agree, disagree or pass.")
    with transaction.atomic():
        # Lock first, then read the previous vote in a separate statement: a statement that
        # waited for the lock still sees its own older snapshot for other tables, and would
        # miss a vote committed by the transaction it waited for.
        pk, agree, disagree, abstain = (
            Amendment.objects.select_for_update()
            .filter(pk=amendment.pk)
            .values_list("pk", "agree_count", "disagree_count", "pass_count")
            .get()
        )
        previous = (
            Vote.objects.filter(amendment_id=pk, voter=voter)
            .values_list("choice", flat=True)
            .first()
        )
        counts = {"agree": agree, "disagree": disagree, "pass": abstain}
        if previous == choice:
            return VoteCounts(pk, agree, disagree, abstain)
        check_vote_limits(amendment.page, voter, is_new_vote=previous is None)
        if previous is None:
            Vote.objects.create(amendment_id=pk, voter=voter, choice=choice)
            changes = {COUNTER_FIELD[choice]: F(COUNTER_FIELD[choice]) + 1}
        else:
            Vote.objects.filter(amendment_id=pk, voter=voter).update(
                choice=choice, updated_at=timezone.now()
            )
            changes = {
                COUNTER_FIELD[previous]: F(COUNTER_FIELD[previous]) - 1,
                COUNTER_FIELD[choice]: F(COUNTER_FIELD[choice]) + 1,
            }
            counts[previous] -= 1
        counts[choice] += 1
        Amendment.objects.filter(pk=pk).update(**changes)
    return VoteCounts(pk, counts["agree"], counts["disagree"], counts["pass"])


@dataclass(frozen=True)
class AmendmentState:
    """What decides whether someone may vote on an amendment (see `rules.vote_refusal`)."""

    status: str
    is_hidden: bool
    author_id: int | None


def _vote_refused(voter, reason: str) -> Exception:
    """The exception for a refusal of `rules.vote_refusal`: a missing amendment, or 403."""
    if reason == rules.NOT_FOUND:
        return Amendment.DoesNotExist("No such amendment")
    if reason == rules.NOT_OPEN:
        return PermissionDenied("This amendment is not open for voting.")
    return PermissionDenied(rules.refusal_message(voter))


def cast_vote_checked(page: ManifestoPage, amendment_id: int, voter, choice: str):
    """Vote on an amendment of `page` if the vote rule (`rules.vote_refusal`) allows it.

    The check and the vote happen under the amendment's row lock, so a vote cannot land
    on an amendment a moderator has just hidden or rejected. On PostgreSQL this is one
    round trip: the rule is asked about every state an amendment can be in, the vote is
    written only if the locked row is in a state it allowed, and otherwise it is asked
    again about the row as found. Raises Amendment.DoesNotExist for an amendment not on
    the page (or one this voter may not see), PermissionDenied for a vote the rule
    refuses, VoteRefused for one the manifesto's limits refuse.
    """
    phase = page.phase
    refusal = rules.vote_refusal(voter, page, phase)
    if connection.vendor != "postgresql" or page.votes_per_day or choice not in COUNTER_FIELD:
        amendment = Amendment.objects.filter(page=page, pk=amendment_id).first()
        if amendment is None:
            raise Amendment.DoesNotExist
        amendment.page = page
        refused = refusal(amendment)
        if refused is not None:
            raise _vote_refused(voter, refused)
        counts = cast_vote(amendment, voter, choice)
        news.took_part(amendment_id, voter.pk)
        return counts
    allowed = _allowed_states(voter, phase, refusal)
    found, counters = None, None
    if allowed:
        check_vote_limits(page, voter, is_new_vote=False)  # the account's age
        found, counters = _cast_vote_postgresql(page, amendment_id, voter, choice, allowed)
    else:
        found = (
            Amendment.objects.filter(page=page, pk=amendment_id)
            .values_list("status", "is_hidden", "author_id")
            .first()
        )
    if found is None:
        raise Amendment.DoesNotExist
    if counters is None:
        refused = refusal(AmendmentState(*found))
        if refused is not None:
            raise _vote_refused(voter, refused)
        raise VoteRefused("This vote could not be recorded.")
    return VoteCounts(amendment_id, *counters)


def _state_key(status: str, is_hidden: bool, is_author: bool) -> str:
    return f"{status}|{int(is_hidden)}|{int(is_author)}"


# (the voter's roles, the phase) -> the amendment states the vote rule allows them. The
# rule reads the voter only through their roles (`rules.roles_of`, which adds the author's
# role from `author_id`) and the page only through its phase, so its answer for all 36
# states is worked out once per combination in each process, not on every vote.
_ALLOWED_STATES: dict[tuple[frozenset, str], str] = {}


def _allowed_states(voter, phase: str, refusal) -> str:
    """The `_state_key`s of the states in which `refusal` (asked in `phase`) lets `voter`
    vote, as a PostgreSQL array literal ("" when there are none): the vote's statement
    takes it as one text value, where a list would be adapted item by item on every vote."""
    memo_key = (frozenset(rules.roles_of(voter)), phase)
    allowed = _ALLOWED_STATES.get(memo_key)
    if allowed is None:
        keys = [
            _state_key(status, is_hidden, is_author)
            for status in AmendmentStatus.values
            for is_hidden in (False, True)
            for is_author in (False, True)
            if refusal(AmendmentState(status, is_hidden, voter.pk if is_author else -1)) is None
        ]
        allowed = _ALLOWED_STATES[memo_key] = _text_array(keys) if keys else ""
    return allowed


def _text_array(values: list[str]) -> str:
    """A PostgreSQL array literal of `values`, each quoted."""
    quoted = (value.replace("\\", "\\\\").replace('"', '\\"') for value in values)
    return "{" + ",".join(f'"{value}"' for value in quoted) + "}"


# The vote on PostgreSQL: one statement, a call of the function `manifesto_cast_vote`
# (manifesto/migrations/0008_cast_vote_function.py), whose plans PostgreSQL keeps for the
# connection. It locks the amendment row and returns the state it is in; only if that
# state is one the voter may vote in does it read their previous choice (after the lock
# is granted, so it sees anything committed by the transaction it waited for: a vote, a
# moderator's change), upsert the vote, follow the amendment for the voter and move the
# counters by exactly the difference, returning them. Otherwise it changes nothing and
# returns no counters.
# Its parameters are positional (amendment, page, voter, choice, now, the allowed states'
# array literal, the amendment content type), which psycopg passes on without reordering.
CAST_VOTE_SQL = """
SELECT state_status, state_hidden, state_author, agree, disagree, abstain
FROM manifesto_cast_vote(%s, %s, %s, %s, %s, %s::text[], %s)
"""


def _cast_vote_postgresql(page, amendment_id, voter, choice, allowed: str):
    """(the locked row's state or None, the new counters or None), in one round trip."""
    amendment_type = ContentType.objects.get_for_model(Amendment).pk
    params = (amendment_id, page.pk, voter.pk, choice, timezone.now(), allowed, amendment_type)
    row = written_sql.fetch_one(CAST_VOTE_SQL, params)
    found = row[:3] if row[0] is not None else None
    counters = row[3:] if row[3] is not None else None
    return found, counters


STATUS_MESSAGES = {
    AmendmentStatus.PUBLISHED: "has been published: supporters can now vote on it.",
    AmendmentStatus.WITHDRAWN: "has been withdrawn.",
    AmendmentStatus.ACCEPTED: "has been accepted and will be merged into the text.",
    AmendmentStatus.REJECTED: "has been rejected.",
    AmendmentStatus.DUPLICATE: "has been marked as a duplicate of another amendment.",
    AmendmentStatus.MERGED: "has been merged into a new version of the text. Thank you!",
    AmendmentStatus.NEEDS_UPDATE: "needs updating: the clause changed under it.",
    AmendmentStatus.SUBMITTED: "is awaiting screening.",
    AmendmentStatus.CLOSED: "has been closed: the clause it changes was deleted.",
}


class StatusChangeRefused(PermissionDenied):
    """A status change the transition table does not allow; nothing was changed.

    A PermissionDenied, so a caller that does not catch it answers 403, never 500; the
    message says why, for the person who asked.
    """


def refusal_message(amendment: Amendment, status: str) -> str:
    """Why `rules.can_move` said no, in words for the person who asked."""
    if amendment.clause.is_deleted and status not in rules.ON_DELETED_CLAUSE:
        return "Its clause was deleted: this amendment can no longer change the text."
    current = amendment.get_status_display().lower()
    target = AmendmentStatus(status).label.lower()
    if amendment.status in rules.FINAL_STATUSES:
        return f"This amendment is {current}, which is final: it cannot be made {target}."
    return f"A {current} amendment cannot be made {target} by you at this stage."


def set_status(
    amendment: Amendment, status: str, reason: str = "", duplicate_of=None, *, by
) -> bool:
    """Move an amendment to `status` if `by` may (a user, or `rules.SYSTEM` for a merge).

    Checked against `rules.TRANSITIONS` under the amendment's row lock, so two decisions
    at once cannot both pass on a status one of them has already changed; a refusal
    raises StatusChangeRefused and changes nothing (the old reason stays). Each change
    is written to the status history, and the author is told by email (after commit).
    Returns False for a repeat of the current status with nothing new to say.
    """
    with transaction.atomic():
        current = (
            Amendment.objects.select_for_update()
            .filter(pk=amendment.pk)
            .values_list("status", flat=True)
            .get()
        )
        amendment.status = current
        if current == status and not reason and duplicate_of is None:
            return False
        if not rules.can_move(by, amendment, status):
            raise StatusChangeRefused(refusal_message(amendment, status))
        amendment.status = status
        amendment.status_reason = reason
        if duplicate_of is not None:
            amendment.duplicate_of = duplicate_of
        amendment.save()
        history = AmendmentStatusChange.objects.create(
            amendment=amendment,
            changed_by=None if by == rules.SYSTEM else by,
            from_status=current,
            to_status=status,
            reason=reason,
        )
        notify_author(amendment)
        news.status_changed(amendment, current, history.pk)
    return True


# The public moderation page's and the admin's decisions, by name.
DECISIONS = {
    "publish": AmendmentStatus.PUBLISHED,
    "accept": AmendmentStatus.ACCEPTED,
    "reject": AmendmentStatus.REJECTED,
    "duplicate": AmendmentStatus.DUPLICATE,
}


def change_status(amendment, moderator, action, reason="", duplicate_of=None) -> None:
    """One moderation decision, shared by the public moderation page and the admin.

    Publishing also brings back an amendment hidden after reports. Raises
    StatusChangeRefused (nothing changed) or Amendment.DoesNotExist for a duplicate of
    an amendment that is not on this manifesto.
    """
    if not rules.can_move(moderator, amendment, DECISIONS[action]):
        raise StatusChangeRefused(refusal_message(amendment, DECISIONS[action]))
    other = None
    if action == "duplicate":
        other = Amendment.objects.filter(page=amendment.page_id, pk=duplicate_of).first()
        if other is None or other.pk == amendment.pk:
            raise Amendment.DoesNotExist("No such amendment to point at")
    with transaction.atomic():
        set_status(amendment, DECISIONS[action], reason, duplicate_of=other, by=moderator)
        if action == "publish" and amendment.is_hidden:
            Amendment.objects.filter(pk=amendment.pk).update(is_hidden=False)
            amendment.is_hidden = False
            purge_page_cache()  # an update() sends no signal (cms.cache.purge_on)


def rewrite(amendment: Amendment, author, text: str) -> None:
    """The author rewrites a needs-update amendment on today's wording; old votes go.

    Checked first, in the same transaction: only a needs-update amendment of a clause
    that still exists is rewritten (screened again if the manifesto screens).
    """
    page = amendment.page
    status = AmendmentStatus.SUBMITTED if page.screening else AmendmentStatus.PUBLISHED
    with transaction.atomic():
        amendment.refresh_from_db(fields=["status"])
        if not rules.can_move(author, amendment, status):
            raise StatusChangeRefused(refusal_message(amendment, status))
        clause = Clause.objects.get(pk=amendment.clause_id)
        amendment.text = text
        amendment.base_text = clause.text
        amendment.base_version = page.current_version
        amendment.save()
        reset_votes(amendment)
        set_status(amendment, status, by=author)


def notify_author(amendment: Amendment) -> None:
    author = amendment.author
    if author is None or not author.email:
        return
    page = amendment.page
    lines = [
        f"Hello {author.public_name},",
        "",
        f"Your amendment to {clause_words(amendment)} of {page.title} "
        f"{STATUS_MESSAGES[amendment.status]}",
    ]
    if amendment.status_reason:
        lines += ["", f"Note from the moderators: {amendment.status_reason}"]
    if amendment.duplicate_of_id:
        lines += ["", f"It duplicates amendment {amendment.duplicate_of_id}."]
    lines += ["", f"See it here: {amendment_full_url(amendment)}"]
    send_mail(
        f"Your amendment: {amendment.get_status_display()}",
        "\n".join(lines),
        None,
        [author.email],
    )


def report(amendment: Amendment, reporter, reason: str = "") -> bool:
    """Record an abuse report (once per person); hide the amendment at the threshold.

    Returns False if this person had already reported it; raises PermissionDenied for
    someone the rules do not let report it (its author, or anyone while drafting).
    """
    if not rules.can(reporter, "report", amendment.page, amendment):
        raise PermissionDenied(rules.refusal_message(reporter))
    with transaction.atomic():
        try:
            with transaction.atomic():
                Report.objects.create(amendment=amendment, reporter=reporter, reason=reason)
        except IntegrityError:
            return False
        Amendment.objects.filter(pk=amendment.pk).update(report_count=F("report_count") + 1)
        amendment.refresh_from_db(fields=["report_count", "is_hidden"])
        if amendment.report_count >= amendment.page.report_threshold and not amendment.is_hidden:
            Amendment.objects.filter(pk=amendment.pk).update(is_hidden=True)
            amendment.is_hidden = True
            purge_page_cache()  # an update() sends no signal (cms.cache.purge_on)
    return True


def reset_votes(amendment: Amendment) -> int:
    """Delete the votes on an amendment whose change is no longer what people voted on.

    Returns how many voters are told (each by email, after commit)."""
    voter_ids = list(amendment.votes.values_list("voter_id", flat=True))
    amendment.votes.all().delete()
    Amendment.objects.filter(pk=amendment.pk).update(
        agree_count=0,
        disagree_count=0,
        pass_count=0,
        popular_score=None,
        common_ground_score=None,
        common_ground_detail={},
        bridging_score=None,
        bridging_detail={},
    )
    if voter_ids:
        news.votes_reset(amendment, voter_ids)
        # Without a broker the emails are written to the outbox here instead: never lost.
        queue_after_commit(
            tell_voters_votes_reset, amendment.pk, voter_ids, fallback=tell_voters_votes_reset
        )
    return len(voter_ids)
