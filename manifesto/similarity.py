"""Near-identical amendments: found before a new one is sent, so votes are not split.

Two amendments to one clause both repeat most of its words, so comparing whole texts
would find every pair alike. What is compared is what each one changes: the words it
removes from its base text and the words it adds (a deletion removes them all, a new
clause adds them all), as lower-case word sets, by their Jaccard overlap.
"""

import difflib
import re

from manifesto.models import OPEN_STATUSES, Amendment, AmendmentKind

WORD = re.compile(r"\w+")
SIMILAR_AT = 0.6  # share of changed words in common from which two changes are "the same"


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def change_signature(kind: str, base_text: str, text: str) -> frozenset[str]:
    """The words a change removes ("-word") and adds ("+word")."""
    if kind == AmendmentKind.INSERT_AFTER:
        return frozenset(f"+{w}" for w in words(text))
    before = words(base_text)
    after = [] if kind == AmendmentKind.DELETE else words(text)
    signature = set()
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            signature.update(f"-{w}" for w in before[i1:i2])
            signature.update(f"+{w}" for w in after[j1:j2])
    if kind == AmendmentKind.DELETE:
        signature.add("delete")
    return frozenset(signature)


def overlap(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def similar_amendments(clause, kind: str, text: str, limit: int = 5) -> list[Amendment]:
    """Published amendments to this clause whose change is nearly the same as this one."""
    mine = change_signature(kind, clause.text, text)
    candidates = Amendment.objects.filter(
        clause=clause, status__in=OPEN_STATUSES, is_hidden=False
    ).only("pk", "kind", "base_text", "text", "diff_html", "clause_id", "page_id")
    scored = []
    for amendment in candidates.iterator(chunk_size=500):
        theirs = change_signature(amendment.kind, amendment.base_text, amendment.text)
        score = overlap(mine, theirs)
        if score >= SIMILAR_AT:
            scored.append((score, amendment))
    scored.sort(key=lambda pair: (-pair[0], pair[1].pk))
    return [amendment for _, amendment in scored[:limit]]
