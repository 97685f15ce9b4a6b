"""Turning accepted amendments (or an editor's edit) into a new version of the text.

Everything happens in one transaction: the clauses change, a version with a full snapshot
is written, provenance rows point at the merged amendments (with their vote totals), and
every other open amendment on a changed clause is rewritten onto the new wording by a
word-level three-way merge. Where that merge is clean the amendment keeps its votes if it
still makes the same change (like a rebase); if its change itself differs, its votes are
reset and its voters told. Where the merge collides, the amendment is marked needs-update
with the colliding words recorded for its author. An amendment on a clause the new version
deletes is closed, with a reason its author sees.

`plan_merge` answers "what would this merge do?" by running the merge itself and rolling
it back, so the admin's preview and the merge that follows cannot disagree.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max

from manifesto import diff as worddiff
from manifesto import news, rules
from manifesto.actions import StatusChangeRefused, reset_votes, set_status
from manifesto.models import (
    REBASE_STATUSES,
    Amendment,
    AmendmentKind,
    AmendmentStatus,
    Clause,
    ClauseText,
    ManifestoPage,
    ManifestoVersion,
)
from manifesto.tasks import queue_after_commit, recompute_rankings

MERGEABLE = [AmendmentStatus.PUBLISHED, AmendmentStatus.ACCEPTED]


class MergeBlocked(Exception):
    """The selected amendments collide with each other; nothing was changed."""

    def __init__(self, amendment, regions):
        self.amendment = amendment
        self.regions = regions
        super().__init__(f"Amendment {amendment.pk} collides with the text as merged so far.")


# Below this many agree votes, or with no more agree than disagree votes, the merge
# screen warns that an amendment has little support.
LITTLE_SUPPORT_AGREE_VOTES = 10


@dataclass
class ClauseChange:
    """One clause as a merge leaves it: its wording before and after."""

    clause: Clause
    before: str
    after: str
    inserted: bool = False
    deleted: bool = False


@dataclass
class MergeResult:
    version: ManifestoVersion
    merged: list = field(default_factory=list)
    rewritten: list = field(default_factory=list)  # rebased cleanly, votes kept
    reset: list = field(default_factory=list)  # rebased, change differs: votes reset
    needs_update: list = field(default_factory=list)
    contained: list = field(default_factory=list)  # already part of the new text
    closed: list = field(default_factory=list)  # their clause was deleted
    clauses: list = field(default_factory=list)  # ClauseChange, in text order
    voters_told: int = 0  # emails to voters whose votes were reset


def has_little_support(amendment: Amendment) -> bool:
    return (
        amendment.agree_count < LITTLE_SUPPORT_AGREE_VOTES
        or amendment.agree_count <= amendment.disagree_count
    )


def start_text(page: ManifestoPage, clauses: list[tuple[str, str]], by=None, note=""):
    """Create the first version from (section, text) pairs."""
    with transaction.atomic():
        created = [
            Clause.objects.create(page=page, section=section, text=text, position=i + 1)
            for i, (section, text) in enumerate(clauses)
        ]
        version = _write_version(page, by, note or "First version")
        for clause in created:
            _record(version, clause, by=by)
    return version


def _write_version(page, by, note) -> ManifestoVersion:
    number = (page.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return ManifestoVersion.objects.create(
        page=page, number=number, created_by=by, note=note, snapshot=page.snapshot()
    )


def _record(version, clause, amendment=None, by=None) -> ClauseText:
    provenance = ClauseText.objects.create(
        version=version,
        clause=clause,
        text="" if clause.is_deleted else clause.text,
        amendment=amendment,
        edited_by=None if amendment else by,
        agree=amendment.agree_count if amendment else 0,
        disagree=amendment.disagree_count if amendment else 0,
        abstain=amendment.pass_count if amendment else 0,
    )
    Clause.objects.filter(pk=clause.pk).update(provenance=provenance)
    return provenance


def _inserted_run_end(clause: Clause) -> Clause:
    """The last clause of the run merged in after `clause` by earlier insert-after
    amendments (following inserts after those too), or `clause` itself."""
    last, frontier = clause, [clause.pk]
    while frontier:
        inserted = list(
            Clause.objects.filter(
                page=clause.page_id,
                history__amendment__clause__in=frontier,
                history__amendment__kind=AmendmentKind.INSERT_AFTER,
            ).distinct()
        )
        for candidate in inserted:
            if candidate.position > last.position:
                last = candidate
        frontier = [c.pk for c in inserted]
    return last


def _position_after(anchor: Clause) -> float:
    following = (
        Clause.objects.filter(page=anchor.page_id, position__gt=anchor.position)
        .order_by("position")
        .values_list("position", flat=True)
        .first()
    )
    return (anchor.position + following) / 2 if following is not None else anchor.position + 1


def _apply(amendment: Amendment, clause: Clause, run_ends: dict[int, Clause]) -> Clause:
    """Apply one amendment to the (possibly already changed) clause; return what changed.

    A new clause goes after the clauses already inserted after the same one, in this
    merge (`run_ends`) or an earlier one: insertions keep the order they were merged in.
    """
    if amendment.kind == AmendmentKind.INSERT_AFTER:
        anchor = run_ends.get(clause.pk) or _inserted_run_end(clause)
        created = Clause.objects.create(
            page=clause.page,
            section=clause.section,
            text=amendment.text,
            position=_position_after(anchor),
        )
        run_ends[clause.pk] = created
        return created
    if amendment.kind == AmendmentKind.DELETE:
        clause.is_deleted = True
    elif clause.text == amendment.base_text:
        clause.text = amendment.text
    else:
        try:
            clause.text = worddiff.three_way(amendment.base_text, clause.text, amendment.text)
        except worddiff.MergeConflict as conflict:
            raise MergeBlocked(amendment, conflict.regions)
    clause.save(update_fields=["text", "is_deleted"])
    return clause


def merge_amendments(page: ManifestoPage, amendments, moderator, note: str = "") -> MergeResult:
    """Merge these amendments, in order, into one new version.

    Raises MergeBlocked (they collide) or StatusChangeRefused (one may not be merged: not
    published or accepted, on another manifesto, or on a deleted clause); either way
    nothing changes.
    """
    if not rules.can(moderator, "merge", page):
        raise StatusChangeRefused("Merging is not open to you in the current phase.")
    with transaction.atomic():
        ids = [a.pk for a in amendments]
        locked = {
            a.pk: a
            for a in Amendment.objects.select_for_update(of=("self",))
            .select_related("clause", "author", "page")
            .filter(pk__in=ids, page=page, status__in=MERGEABLE, clause__is_deleted=False)
        }
        if not ids or len(locked) != len(ids):
            raise StatusChangeRefused(
                "Only published or accepted amendments of this manifesto, on clauses that "
                "still exist, can be merged."
            )
        ordered = [locked[pk] for pk in ids]
        clauses: dict[int, Clause] = {}
        before: dict[int, str] = {}
        run_ends: dict[int, Clause] = {}
        changed: list[tuple[Clause, Amendment]] = []
        for amendment in ordered:
            if amendment.clause_id not in clauses:
                clauses[amendment.clause_id] = Clause.objects.select_for_update().get(
                    pk=amendment.clause_id
                )
                before[amendment.clause_id] = clauses[amendment.clause_id].text
            clause = clauses[amendment.clause_id]
            changed.append((_apply(amendment, clause, run_ends), amendment))
        version = _write_version(page, moderator, note or _merge_note(ordered))
        for clause, amendment in changed:
            _record(version, clause, amendment=amendment)
        result = MergeResult(version=version, merged=ordered)
        result.clauses = _clause_changes(changed, before)
        for amendment in ordered:
            set_status(amendment, AmendmentStatus.MERGED, by=rules.SYSTEM)
        for clause in clauses.values():
            _rebase_open_amendments(clause, version, result, merged_into=ordered[0])
        news.version_merged(version, ordered)
        _recompute_after_commit(page)
    return result


def _clause_changes(changed, before) -> list[ClauseChange]:
    seen, out = set(), []
    for clause, _ in changed:
        if clause.pk in seen:
            continue
        seen.add(clause.pk)
        inserted = clause.pk not in before
        out.append(
            ClauseChange(
                clause=clause,
                before="" if inserted else before[clause.pk],
                after="" if clause.is_deleted else clause.text,
                inserted=inserted,
                deleted=clause.is_deleted,
            )
        )
    return sorted(out, key=lambda change: change.clause.position)


class _DryRun(Exception):
    """Raised inside the plan's transaction to roll it back."""


def plan_merge(page: ManifestoPage, amendments, moderator, note: str = "") -> MergeResult:
    """What `merge_amendments` would do, done and rolled back: nothing is kept or sent.

    The result's amendments are the in-memory rows as the merge left them (statuses,
    rewritten texts), so the preview reads exactly what the merge will write. Raises
    what the merge raises.
    """
    outcome = None
    try:
        with transaction.atomic():
            outcome = merge_amendments(page, amendments, moderator, note)
            raise _DryRun
    except _DryRun:
        pass
    return outcome


def _recompute_after_commit(page) -> None:
    """Statuses and votes changed: refresh rankings and leading amendments in the background."""
    queue_after_commit(recompute_rankings, page.pk)


def clean_note(note: str) -> str:
    """The moderator's note for the new version, as the version's note column can hold it."""
    return (note or "").replace("\x00", "").strip()[:255]


def collision_report(amendments) -> list[tuple]:
    """Pairs among these amendments that touch the same words of the same clause."""
    pairs = []
    for i, first in enumerate(amendments):
        for second in amendments[i + 1 :]:
            if first.clause_id == second.clause_id and first.collides_with(second):
                pairs.append((first, second))
    return pairs


def _merge_note(amendments) -> str:
    numbers = ", ".join(str(a.pk) for a in amendments)
    return f"Merged amendment{'s' if len(amendments) > 1 else ''} {numbers}"


def apply_edits(
    page: ManifestoPage,
    editor,
    changes: dict[str, str],
    note: str = "",
    new_clauses: list[tuple[str, str]] = (),
):
    """An editor's direct change of wording (clause key -> new text), and clauses added at
    the end as (section, text): one new version, open amendments rebased."""
    with transaction.atomic():
        clauses = list(Clause.objects.select_for_update().filter(page=page, key__in=list(changes)))
        clauses = [c for c in clauses if c.text != changes[c.key]]
        for clause in clauses:
            clause.text = changes[clause.key]
            clause.save(update_fields=["text"])
        last = page.clauses.aggregate(last=Max("position"))["last"] or 0
        for offset, (section, text) in enumerate(new_clauses, start=1):
            clauses.append(
                Clause.objects.create(page=page, section=section, text=text, position=last + offset)
            )
        if not clauses:
            return None
        version = _write_version(page, editor, note or "Edited by an editor")
        result = MergeResult(version=version)
        for clause in clauses:
            _record(version, clause, by=editor)
            _rebase_open_amendments(clause, version, result)
        _recompute_after_commit(page)
    return result


def _rebase_open_amendments(clause, version, result, merged_into=None) -> None:
    """Rewrite every open amendment of `clause` onto its new wording (see module docstring)."""
    open_amendments = (
        Amendment.objects.select_for_update(of=("self",))
        .select_related("author", "page", "clause")
        .filter(clause=clause, status__in=REBASE_STATUSES)
    )
    for amendment in open_amendments:
        if clause.is_deleted:
            set_status(
                amendment,
                AmendmentStatus.CLOSED,
                f"The clause was deleted in version {version.number}, so this amendment "
                "can no longer change the text.",
                by=rules.SYSTEM,
            )
            result.closed.append(amendment)
            continue
        if amendment.base_text == clause.text:
            continue
        if amendment.kind != AmendmentKind.REPLACE:
            # Deletions and new clauses after this one ask the same question on any wording.
            amendment.base_text, amendment.base_version = clause.text, version
            amendment.save()
            result.rewritten.append(amendment)
            continue
        before = worddiff.change_of(amendment.base_text, amendment.text)
        try:
            rewritten = worddiff.three_way(amendment.base_text, clause.text, amendment.text)
        except worddiff.MergeConflict as conflict:
            set_status(
                amendment,
                AmendmentStatus.NEEDS_UPDATE,
                _describe_collision(conflict.regions),
                by=rules.SYSTEM,
            )
            result.needs_update.append(amendment)
            continue
        if rewritten == clause.text:
            set_status(
                amendment,
                AmendmentStatus.DUPLICATE,
                "The new version already makes this change.",
                duplicate_of=merged_into,
                by=rules.SYSTEM,
            )
            result.contained.append(amendment)
            continue
        amendment.base_text, amendment.base_version, amendment.text = (
            clause.text,
            version,
            rewritten,
        )
        amendment.save()
        if worddiff.change_of(amendment.base_text, amendment.text) == before:
            result.rewritten.append(amendment)
        else:
            result.voters_told += reset_votes(amendment)
            result.reset.append(amendment)


def _describe_collision(regions) -> str:
    parts = [
        f'the new text has "{ours.strip() or "(nothing)"}" where you changed '
        f'"{base.strip() or "(nothing)"}" to "{theirs.strip() or "(nothing)"}"'
        for base, ours, theirs in regions
    ]
    return "Collides with the merged text: " + "; ".join(parts) + "."
