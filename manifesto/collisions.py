"""Which open amendments of a clause change the same words (they cannot all be merged).

Shown on the clause and amendment pages; the merge's own report is `merge.collision_report`.
The rule is `models.spans_collide`; `collisions_with` asks the database the same question
for one amendment, so its page reads the ids it shows and not every open amendment.
"""

from dataclasses import dataclass

from django.db.models import F, Q

from manifesto.models import OPEN_STATUSES, Amendment, AmendmentKind, spans_collide


def collisions_for(amendments, clause) -> dict[int, list[int]]:
    """For each shown amendment, the other open amendments of the clause it collides with."""
    others = list(
        Amendment.objects.filter(clause=clause, status__in=OPEN_STATUSES, is_hidden=False)
        .values_list("pk", "base_text", "kind", "span_start", "span_end")
        .order_by("pk")
    )
    result = {}
    for amendment in amendments:
        mine = (amendment.base_text, amendment.kind, amendment.span_start, amendment.span_end)
        result[amendment.pk] = [
            pk
            for pk, *theirs in others
            if pk != amendment.pk and spans_collide(mine, tuple(theirs))
        ]
    return result


def collisions_with(amendment) -> list[int]:
    """The other open amendments of its clause `amendment` collides with, in id order.

    `spans_collide` as a filter: insertions collide with nothing, a deletion with every
    other change; otherwise both are written on the same text and their spans overlap
    (an insertion, a span with start == end, also meets a change bordering it).
    """
    if amendment.kind == AmendmentKind.INSERT_AFTER:
        return []
    others = (
        Amendment.objects.filter(
            clause_id=amendment.clause_id, status__in=OPEN_STATUSES, is_hidden=False
        )
        .exclude(pk=amendment.pk)
        .exclude(kind=AmendmentKind.INSERT_AFTER)
    )
    if amendment.kind != AmendmentKind.DELETE:
        start, end = amendment.span_start, amendment.span_end
        overlapping = Q(pk__in=[])
        if start is not None:
            touching = Q(span_start__lte=end, span_end__gte=start)
            if start == end:
                overlapping = touching
            else:
                overlapping = (Q(span_start=F("span_end")) & touching) | (
                    ~Q(span_start=F("span_end")) & Q(span_start__lt=end, span_end__gt=start)
                )
            overlapping &= Q(base_text=amendment.base_text, span_start__isnull=False)
        others = others.filter(Q(kind=AmendmentKind.DELETE) | overlapping)
    return list(others.order_by("pk").values_list("pk", flat=True))


# An amendment page lists at most this many of the amendments it collides with; a
# popular clause can have hundreds, which no reader goes through (the clause's list
# ranks them all).
COLLISIONS_LISTED = 20


@dataclass(frozen=True)
class ListedCollisions:
    listed: list[int]
    more: int


def listed_collisions(amendment, limit: int = COLLISIONS_LISTED) -> ListedCollisions:
    """The first `limit` of `collisions_with(amendment)`, and how many more there are."""
    found = collisions_with(amendment)
    return ListedCollisions(found[:limit], max(len(found) - limit, 0))
