"""Turning accepted amendments (or an editor's edit) into a new version of the text.

Everything happens in one transaction: the clauses change, a version with a full snapshot
is written, provenance rows point at the merged amendments (with their vote totals), and
every other open amendment on a changed clause is rewritten onto the new wording by a
word-level three-way merge. Where that merge is clean the amendment keeps its votes if it
still makes the same change (like a rebase); if its change itself differs, its votes are
reset and its voters told. Where the merge collides, the amendment is marked needs-update
with the colliding words recorded for its author.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max

from manifesto import diff as worddiff
from manifesto.actions import set_status
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

MERGEABLE = [AmendmentStatus.PUBLISHED, AmendmentStatus.ACCEPTED]


class MergeBlocked(Exception):
    """The selected amendments collide with each other; nothing was changed."""

    def __init__(self, amendment, regions):
        self.amendment = amendment
        self.regions = regions
        super().__init__(f"Amendment {amendment.pk} collides with the text as merged so far.")


@dataclass
class MergeResult:
    version: ManifestoVersion
    merged: list = field(default_factory=list)
    rewritten: list = field(default_factory=list)  # rebased cleanly, votes kept
    reset: list = field(default_factory=list)  # rebased, change differs: votes reset
    needs_update: list = field(default_factory=list)
    contained: list = field(default_factory=list)  # already part of the new text


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


def _insert_position(clause: Clause) -> float:
    following = (
        Clause.objects.filter(page=clause.page_id, position__gt=clause.position)
        .order_by("position")
        .values_list("position", flat=True)
        .first()
    )
    return (clause.position + following) / 2 if following is not None else clause.position + 1


def _apply(amendment: Amendment, clause: Clause) -> Clause:
    """Apply one amendment to the (possibly already changed) clause; return what changed."""
    if amendment.kind == AmendmentKind.INSERT_AFTER:
        return Clause.objects.create(
            page=clause.page,
            section=clause.section,
            text=amendment.text,
            position=_insert_position(clause),
        )
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
    """Merge these amendments, in order, into one new version. Raises MergeBlocked."""
    with transaction.atomic():
        ids = [a.pk for a in amendments]
        locked = {
            a.pk: a
            for a in Amendment.objects.select_for_update(of=("self",))
            .select_related("clause", "author", "page")
            .filter(pk__in=ids, page=page, status__in=MERGEABLE)
        }
        if len(locked) != len(ids):
            raise ValueError("Only published or accepted amendments of this manifesto merge.")
        ordered = [locked[pk] for pk in ids]
        clauses: dict[int, Clause] = {}
        changed: list[tuple[Clause, Amendment]] = []
        for amendment in ordered:
            clause = clauses.setdefault(
                amendment.clause_id, Clause.objects.select_for_update().get(pk=amendment.clause_id)
            )
            changed.append((_apply(amendment, clause), amendment))
        version = _write_version(page, moderator, note or _merge_note(ordered))
        for clause, amendment in changed:
            _record(version, clause, amendment=amendment)
        result = MergeResult(version=version, merged=ordered)
        for amendment in ordered:
            set_status(amendment, AmendmentStatus.MERGED)
        for clause in clauses.values():
            _rebase_open_amendments(clause, version, result, merged_into=ordered[0])
        _recompute_after_commit(page)
    return result


def _recompute_after_commit(page) -> None:
    """Statuses and votes changed: refresh rankings and leading amendments in the background."""
    from manifesto.tasks import queue_after_commit, recompute_rankings

    queue_after_commit(recompute_rankings, page.pk)


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
                amendment, AmendmentStatus.NEEDS_UPDATE, "The clause was deleted in this version."
            )
            result.needs_update.append(amendment)
            continue
        if amendment.base_text == clause.text:
            continue
        if amendment.kind != AmendmentKind.REPLACE:
            # Deletions and new clauses after this one ask the same question on any wording.
            amendment.base_text, amendment.base_version = clause.text, version
            amendment.save()
            result.rewritten.append(amendment)
            continue
        before = worddiff.changes(amendment.diff, amendment.base_text)
        try:
            rewritten = worddiff.three_way(amendment.base_text, clause.text, amendment.text)
        except worddiff.MergeConflict as conflict:
            set_status(
                amendment, AmendmentStatus.NEEDS_UPDATE, _describe_collision(conflict.regions)
            )
            result.needs_update.append(amendment)
            continue
        if rewritten == clause.text:
            set_status(
                amendment,
                AmendmentStatus.DUPLICATE,
                "The new version already makes this change.",
                duplicate_of=merged_into,
            )
            result.contained.append(amendment)
            continue
        amendment.base_text, amendment.base_version, amendment.text = (
            clause.text,
            version,
            rewritten,
        )
        amendment.save()
        if worddiff.changes(amendment.diff, amendment.base_text) == before:
            result.rewritten.append(amendment)
        else:
            reset_votes(amendment)
            result.reset.append(amendment)


def _describe_collision(regions) -> str:
    parts = [
        f'the new text has "{ours.strip() or "(nothing)"}" where you changed '
        f'"{base.strip() or "(nothing)"}" to "{theirs.strip() or "(nothing)"}"'
        for base, ours, theirs in regions
    ]
    return "Collides with the merged text: " + "; ".join(parts) + "."


def reset_votes(amendment: Amendment) -> None:
    """Delete the votes on an amendment whose change is no longer what people voted on."""
    from manifesto.tasks import queue_after_commit, tell_voters_votes_reset

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
        # Without a broker the emails are written to the outbox here instead: never lost.
        queue_after_commit(
            tell_voters_votes_reset, amendment.pk, voter_ids, fallback=tell_voters_votes_reset
        )
