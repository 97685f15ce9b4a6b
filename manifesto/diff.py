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
from merge3 import Merge3

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


def three_way(base: str, ours: str, theirs: str) -> str:
    """Merge two edits of the same base word by word; raise MergeConflict if they collide.

    `ours` is the new official text, `theirs` an open amendment written against `base`.
    """
    merger = Merge3(tokenize(base), tokenize(ours), tokenize(theirs))
    merged, conflicts = [], []
    for group in merger.merge_groups():
        if group[0] == "conflict":
            _, base_part, ours_part, theirs_part = group
            conflicts.append(("".join(base_part), "".join(ours_part), "".join(theirs_part)))
        else:
            merged.extend(group[1])
    if conflicts:
        raise MergeConflict(conflicts)
    return "".join(merged)
