"""Where supporters agree: broad agreement across parties, what divides, and opinion groups.

Readers asked for honest cross-party responses, so voters can see where they agree. The
parties' figures come from each amendment's stored common-ground detail; the opinion
groups are the two sides of the bridging model's viewpoint factor
(`manifesto.ranking_maths.fit_bridging`): voters split by its sign, and each side's agreement
per amendment counted from their votes.

The fit is the costly part, so only its figures (amendment ids and counts) are kept in
the shared cache, for a minute; the amendments themselves are read afresh on every
view, so a hidden or withdrawn one disappears at once.
"""

import numpy as np
from django.conf import settings
from django.core.cache import cache

from manifesto import explain, ranking_maths
from manifesto.models import OPEN_STATUSES, Amendment, Vote, VoteChoice

GROUPS_KEY = "manifesto:opinion-groups:{}:{}"


def open_amendments(page, clause=None):
    amendments = Amendment.objects.filter(
        page=page, status__in=OPEN_STATUSES, is_hidden=False
    ).select_related("clause")
    if clause is not None:
        amendments = amendments.filter(clause=clause)
    return amendments.defer("base_text", "diff", "bridging_detail")


def broad_and_divided(amendments, min_votes: int, limit: int = 10):
    """Amendments every scored party supports, and ones some support and others oppose."""
    broad, divided = [], []
    for amendment in amendments:
        groups = explain.groups_from_detail(amendment.common_ground_detail)
        scored = [g for g in groups if g.is_party and g.has_enough(min_votes)]
        if len(scored) < 2:
            continue
        supported = [g for g in scored if g.agree_share > 0.5]
        if len(supported) == len(scored):
            broad.append(amendment)
        elif supported and len(supported) < len(scored):
            divided.append(amendment)
    broad.sort(key=lambda a: -(a.common_ground_score or 0))
    divided.sort(key=lambda a: -a.votes_cast)
    return broad[:limit], divided[:limit]


def opinion_group_figures(page, clause=None) -> dict:
    """{"sizes": [n1, n2], "rows": {amendment id: [(agree, decided), (agree, decided)]}}."""
    key = GROUPS_KEY.format(page.pk, clause.pk if clause else "all")
    figures = cache.get(key)
    if figures is None:
        figures = _fit_groups(page, clause)
        cache.set(key, figures, settings.MANIFESTO_OPINION_GROUPS_SECONDS)
    return figures


def _fit_groups(page, clause) -> dict:
    votes = Vote.objects.filter(amendment__page=page).exclude(choice=VoteChoice.PASS)
    if clause is not None:
        votes = votes.filter(amendment__clause=clause)
    triples = list(votes.values_list("voter_id", "amendment_id", "choice").order_by())
    if not triples:
        return {"sizes": [0, 0], "rows": {}}
    voters, items, choices = zip(*triples, strict=True)
    ratings = np.array([1.0 if c == VoteChoice.AGREE else 0.0 for c in choices])
    fit = ranking_maths.fit_bridging(
        np.array(voters),
        np.array(items),
        ratings,
        min_votes_per_rater=page.bridging_min_votes_per_voter,
        min_votes_per_item=page.bridging_min_votes_per_amendment,
    )
    if fit is None:
        return {"sizes": [0, 0], "rows": {}}
    side = {voter: 0 if factor >= 0 else 1 for voter, factor in fit.rater_factor().items()}
    sizes = [sum(1 for s in side.values() if s == g) for g in (0, 1)]
    rows: dict[int, list[list[int]]] = {}
    for voter, amendment_id, choice in triples:
        if voter not in side:
            continue
        cell = rows.setdefault(amendment_id, [[0, 0], [0, 0]])[side[voter]]
        cell[0] += choice == VoteChoice.AGREE
        cell[1] += 1
    return {"sizes": sizes, "rows": rows}


def opinion_group_rows(figures: dict, amendments, limit: int = 12) -> list[dict]:
    """Per shown amendment, each opinion group's agreement, largest gap last."""
    by_id = {a.pk: a for a in amendments}
    result = []
    for amendment_id, cells in figures["rows"].items():
        amendment = by_id.get(int(amendment_id))
        if amendment is None or not all(decided for _, decided in cells):
            continue
        shares = [agree / decided for agree, decided in cells]
        result.append(
            {
                "amendment": amendment,
                "groups": [
                    {"agree": agree, "decided": decided, "percent": round(100 * share)}
                    for (agree, decided), share in zip(cells, shares, strict=True)
                ],
                "gap": abs(shares[0] - shares[1]),
            }
        )
    result.sort(key=lambda row: (row["gap"], row["amendment"].pk))
    return result[:limit]
