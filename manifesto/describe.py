"""Amendments described in words for moderators: which clause, and what the change does.

A moderator's list used to read "Amendment 17 to clause e4d305db"; these functions say
"Clause 3 (Economy): replace "close the gap" with "end the gap"" instead. They are pure
over an amendment's stored fields (kind, base text, text, word diff) and a clause number
the caller looked up once for the whole list (`clause_numbers`), so a listing's query
count does not grow with its rows.
"""

from django.conf import settings
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from manifesto import diff as worddiff
from manifesto.models import Amendment, AmendmentKind, Clause

# How many words of a quoted piece of text a one-line summary shows.
QUOTE_WORDS = 8


def quote(text: str, words: int = QUOTE_WORDS) -> str:
    """The first `words` words of `text` in curly quotes, with an ellipsis if cut."""
    parts = (text or "").split()
    if not parts:
        return "“”"
    shown = " ".join(parts[:words])
    return f"“{shown}…”" if len(parts) > words else f"“{shown}”"


def clause_number_subquery():
    """A correlated subquery: an amendment's clause number among its page's live clauses.

    The same number the public pages show (1 for the first live clause); 0 for a deleted
    clause. One subquery in the listing's single query, not one query per row.
    """
    earlier = (
        Clause.objects.filter(
            page=OuterRef("clause__page"),
            is_deleted=False,
            position__lt=OuterRef("clause__position"),
        )
        .order_by()
        .values("page")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(earlier), Value(0)) + 1


def with_clause_numbers(queryset):
    """Amendments annotated with `clause_number` (see `clause_number_subquery`)."""
    return queryset.annotate(clause_number=clause_number_subquery())


def clause_numbers(page) -> dict[int, int]:
    """Clause id -> its number among the page's live clauses, in one query."""
    ids = page.live_clauses().values_list("pk", flat=True)
    return {pk: number for number, pk in enumerate(ids, start=1)}


def clause_label(clause: Clause, number: int | None) -> str:
    """ "Clause 3 (Economy)", or "Deleted clause (Economy)"."""
    section = f" ({clause.section})" if clause.section else ""
    if clause.is_deleted or not number:
        return f"Deleted clause{section}"
    return f"Clause {number}{section}"


def change_summary(amendment: Amendment) -> str:
    """What the amendment does, in one short line: replace, insert after, delete."""
    if amendment.kind == AmendmentKind.DELETE:
        return f"delete the clause {quote(amendment.base_text)}"
    if amendment.kind == AmendmentKind.INSERT_AFTER:
        return f"insert after it {quote(amendment.text)}"
    base = worddiff.tokenize(amendment.base_text)
    removed, added = [], []
    for tag, i1, i2, inserted in amendment.diff or []:
        if tag == "equal":
            continue
        removed.append("".join(base[i1:i2]))
        added.append(inserted)
    removed_text, added_text = (
        " … ".join(r.strip() for r in removed if r.strip()),
        " … ".join(a.strip() for a in added if a.strip()),
    )
    if removed_text and added_text:
        return f"replace {quote(removed_text)} with {quote(added_text)}"
    if added_text:
        return f"add {quote(added_text)}"
    if removed_text:
        return f"remove {quote(removed_text)}"
    return "no change to the wording"


def row_title(amendment: Amendment) -> str:
    """A listing row: "17 · Clause 3 (Economy): replace “…” with “…”"."""
    number = getattr(amendment, "clause_number", None)
    return (
        f"Amendment {amendment.pk} · {clause_label(amendment.clause, number)}: "
        f"{change_summary(amendment)}"
    )


def rounded(score: float | None, places: int = 2) -> str:
    """A score for moderators: rounded, signed for bridging, a dash when there is none."""
    if score is None:
        return "–"
    return f"{score:.{places}f}"


def amendment_full_url(amendment: Amendment) -> str:
    return (
        f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{amendment.page.url}amendment/{amendment.pk}/"
    )


def clause_words(amendment) -> str:
    """ "clause 3 (Economy)": the number readers see on the site, not the clause's key."""
    label = clause_label(amendment.clause, clause_numbers(amendment.page).get(amendment.clause_id))
    return label[0].lower() + label[1:]
