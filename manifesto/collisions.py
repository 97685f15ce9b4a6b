"""Which open amendments of a clause change the same words (they cannot all be merged).

Shown on the clause and amendment pages; the merge's own report is `merge.collision_report`.
"""

from manifesto.models import OPEN_STATUSES, Amendment, spans_collide


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
