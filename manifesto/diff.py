"""Word-level diffs of clause text: make them, store them, apply them, show them, merge them.

Text is split into tokens that are either a run of non-space characters (a word with its
punctuation) or a run of whitespace, so joining the tokens gives back the exact text. A diff
is stored as a list of operations over the base tokens:

    [["equal", i1, i2, ""], ["replace", i1, i2, "new words"], ["insert", i, i, "new"], ...]

Only inserted text is stored; everything else is addressed by token index into the base, so a
diff is small and `apply_diff(base, diff) == proposed` holds exactly.
"""

import difflib
import re
from collections import Counter
from dataclasses import dataclass

from django.utils.html import escape

TOKEN = re.compile(r"\S+|\s+")


def tokenize(text: str) -> list[str]:
    return TOKEN.findall(text or "")


def make_diff(base: str, proposed: str) -> list[list]:
    """The operations that turn `base` into `proposed`, word by word."""
    base_tokens, new_tokens = tokenize(base), tokenize(proposed)
    matcher = difflib.SequenceMatcher(None, base_tokens, new_tokens, autojunk=False)
    return [
        [tag, i1, i2, "" if tag in ("equal", "delete") else "".join(new_tokens[j1:j2])]
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]


def apply_diff(base: str, diff: list[list]) -> str:
    """Rebuild the proposed text from the base and a stored diff."""
    base_tokens = tokenize(base)
    out = []
    for tag, i1, i2, inserted in diff:
        if tag == "equal":
            out.extend(base_tokens[i1:i2])
        elif tag in ("replace", "insert"):
            out.append(inserted)
    return "".join(out)


def render_html(base: str, diff: list[list]) -> str:
    """The diff as HTML: <del> for removed words, <ins> for added ones, all text escaped."""
    base_tokens = tokenize(base)
    parts = []
    for tag, i1, i2, inserted in diff:
        removed = "".join(base_tokens[i1:i2])
        if tag == "equal":
            parts.append(escape(removed))
            continue
        if tag in ("replace", "delete") and removed:
            parts.append(f"<del>{escape(removed)}</del>")
        if tag in ("replace", "insert") and inserted:
            parts.append(f"<ins>{escape(inserted)}</ins>")
    return "".join(parts)


def compare_html(old: str, new: str) -> str:
    return render_html(old, make_diff(old, new))


@dataclass(frozen=True)
class Change:
    """What an edit adds and removes, as multisets of words: no positions, no alignment.

    `removed` and `added` are sorted (word, count) pairs. Two edits with the same Change
    take out the same words and put in the same words, however a diff of either would
    line repeated words up, so a rebase asks it "did this amendment's change change?".
    """

    removed: tuple[tuple[str, int], ...]
    added: tuple[tuple[str, int], ...]


def words(text: str) -> list[str]:
    return (text or "").split()


def change_of(base: str, proposed: str) -> Change:
    """The words `proposed` takes out of `base` and the words it puts in (see Change)."""
    before, after = Counter(words(base)), Counter(words(proposed))
    return Change(
        removed=tuple(sorted((before - after).items())),
        added=tuple(sorted((after - before).items())),
    )


@dataclass(frozen=True)
class ChangedSpan:
    """The half-open range of base tokens a diff touches (an insertion has start == end)."""

    start: int
    end: int

    def overlaps(self, other: "ChangedSpan") -> bool:
        if self.start == self.end or other.start == other.end:
            # An insertion collides with a change that covers or borders its position.
            return self.start <= other.end and other.start <= self.end
        return self.start < other.end and other.start < self.end


def changed_span(diff: list[list]) -> ChangedSpan | None:
    touched = [(i1, i2) for tag, i1, i2, _ in diff if tag != "equal"]
    if not touched:
        return None
    return ChangedSpan(min(i1 for i1, _ in touched), max(i2 for _, i2 in touched))


class MergeConflict(Exception):
    """Two edits touch the same words; carries the conflicting regions for display."""

    def __init__(self, regions: list[tuple[str, str, str]]):
        self.regions = regions
        super().__init__(f"{len(regions)} conflicting region(s)")


@dataclass(frozen=True)
class _Hunk:
    """One side's change of base tokens [start, end) into `text` (start == end: insertion)."""

    start: int
    end: int
    text: str
    side: str  # "ours" or "theirs"


def _hunks(base_tokens: list[str], edited: str, side: str) -> list[_Hunk]:
    return [
        _Hunk(i1, i2, inserted, side)
        for tag, i1, i2, inserted in make_diff("".join(base_tokens), edited)
        if tag != "equal"
    ]


def _apply_hunks(base_tokens: list[str], start: int, end: int, hunks: list[_Hunk]) -> str:
    """Base tokens [start, end) with these hunks (all inside that range, in order) applied."""
    out, at = [], start
    for hunk in hunks:
        out.extend(base_tokens[at : hunk.start])
        out.append(hunk.text)
        at = hunk.end
    out.extend(base_tokens[at:end])
    return "".join(out)


def _anchored(base_tokens: list[str], start: int, end: int, new_text: str) -> bool:
    """Whether a change of base tokens [start, end) into `new_text` sits where it is: none of
    the words it removes or adds is the nearest word before or after it, so no other
    alignment of the same texts could put it a word to either side."""
    before = words("".join(base_tokens[:start]))[-1:]
    after = words("".join(base_tokens[end:]))[:1]
    change = change_of("".join(base_tokens[start:end]), new_text)
    changed = {word for word, _ in change.removed + change.added}
    return not changed & set(before + after)


def three_way(base: str, ours: str, theirs: str) -> str:
    """Merge two edits of the same base word by word; raise MergeConflict if they collide.

    `ours` is the new official text, `theirs` an open amendment written against `base`.

    The merge is anchored on each side's own changes: each side's diff against the base is
    a list of hunks (base tokens [start, end) -> new text). Hunks of the two sides that
    overlap or touch form one region; a region one side alone changed takes that side's
    change, a region both changed to the same words takes it once, and any other region
    is a conflict. Everything outside the hunks is the base, token for token.

    A region both sides changed alike is the one place a word could be lost: with repeated
    words two different edits can look alike to a diff ("delete one of five 'fair'" lines
    up with any of the five), so what looks like one shared change may be two. A shared
    region is trusted only when it is anchored: none of the words it adds or removes is
    the word just before or after it, so it could not have been lined up one word to
    either side. An unanchored shared region is a conflict for the author to resolve (a
    rare case), never a silent loss of a word, unless the result is `ours` itself (the new
    text already makes the amendment's whole change: a duplicate). So every clean merge
    that does not share a region takes out of `ours` and puts into it exactly the words
    `theirs` takes out of and puts into `base`.
    """
    base_tokens = tokenize(base)
    hunks = sorted(
        _hunks(base_tokens, ours, "ours") + _hunks(base_tokens, theirs, "theirs"),
        key=lambda hunk: (hunk.start, hunk.end),
    )
    regions: list[list[_Hunk]] = []
    region_end = -1
    for hunk in hunks:
        # Touching counts as colliding (as in ChangedSpan.overlaps): two changes with no
        # unchanged token between them are one change of that stretch of text.
        if regions and hunk.start <= region_end:
            regions[-1].append(hunk)
            region_end = max(region_end, hunk.end)
        else:
            regions.append([hunk])
            region_end = hunk.end
    merged, conflicts, unanchored, at = [], [], [], 0
    for region in regions:
        start = min(hunk.start for hunk in region)
        end = max(hunk.end for hunk in region)
        merged.extend(base_tokens[at:start])
        at = end
        sides = {hunk.side for hunk in region}
        ours_part = _apply_hunks(base_tokens, start, end, [h for h in region if h.side == "ours"])
        if len(sides) == 1:
            merged.append(
                ours_part if sides == {"ours"} else _apply_hunks(base_tokens, start, end, region)
            )
            continue
        theirs_part = _apply_hunks(
            base_tokens, start, end, [h for h in region if h.side == "theirs"]
        )
        if ours_part == theirs_part:
            merged.append(ours_part)
            if not _anchored(base_tokens, start, end, ours_part):
                unanchored.append(("".join(base_tokens[start:end]), ours_part, theirs_part))
        else:
            conflicts.append(("".join(base_tokens[start:end]), ours_part, theirs_part))
    merged.extend(base_tokens[at:])
    if conflicts:
        raise MergeConflict(conflicts)
    result = "".join(merged)
    if unanchored and result != ours:
        raise MergeConflict(unanchored)
    return result


def compare_rows(old, new) -> list[dict]:
    """Clauses of both versions in the new order (deleted ones where they were)."""
    old_texts = {c["key"]: c["text"] for c in old.snapshot}
    new_keys = {c["key"] for c in new.snapshot}
    rows = []
    for clause in new.snapshot:
        before = old_texts.get(clause["key"])
        rows.append(
            {
                "key": clause["key"],
                "section": clause["section"],
                "state": "added"
                if before is None
                else ("same" if before == clause["text"] else "changed"),
                "html": compare_html(before or "", clause["text"]),
            }
        )
    for clause in old.snapshot:
        if clause["key"] not in new_keys:
            rows.append(
                {
                    "key": clause["key"],
                    "section": clause["section"],
                    "state": "deleted",
                    "html": compare_html(clause["text"], ""),
                }
            )
    return rows
