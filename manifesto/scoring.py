"""Feeding `manifesto.ranking` from the database and storing its results on amendments."""

import numpy as np
from django.db.models import Count, Q

from manifesto import ranking
from manifesto.models import (
    OPEN_STATUSES,
    Amendment,
    Clause,
    ManifestoPage,
    Vote,
    VoteChoice,
)

NO_PARTY = "No party"


def party_counts(page: ManifestoPage) -> dict[int, dict[str, tuple[int, int]]]:
    """amendment id -> party group name -> (agree, disagree), counted by the database."""
    rows = (
        Vote.objects.filter(amendment__page=page)
        .values("amendment_id", "voter__party__name")
        .annotate(
            agree=Count("pk", filter=Q(choice=VoteChoice.AGREE)),
            disagree=Count("pk", filter=Q(choice=VoteChoice.DISAGREE)),
        )
        .order_by()
    )
    result: dict[int, dict[str, tuple[int, int]]] = {}
    for row in rows:
        group = row["voter__party__name"] or NO_PARTY
        previous = result.setdefault(row["amendment_id"], {}).get(group, (0, 0))
        result[row["amendment_id"]][group] = (
            previous[0] + row["agree"],
            previous[1] + row["disagree"],
        )
    return result


def bridging_scores(page: ManifestoPage) -> dict[int, tuple[float, float]]:
    """amendment id -> (intercept, factor) from the latent model over all decided votes."""
    rows = Vote.objects.filter(amendment__page=page).exclude(choice=VoteChoice.PASS)
    triples = rows.values_list("voter_id", "amendment_id", "choice").order_by()
    voters, items, ratings = [], [], []
    for voter_id, amendment_id, choice in triples.iterator(chunk_size=20000):
        voters.append(voter_id)
        items.append(amendment_id)
        ratings.append(1.0 if choice == VoteChoice.AGREE else 0.0)
    if not ratings:
        return {}
    fit = ranking.fit_bridging(
        np.array(voters),
        np.array(items),
        np.array(ratings),
        min_votes_per_rater=page.bridging_min_votes_per_voter,
        min_votes_per_item=page.bridging_min_votes_per_amendment,
    )
    return fit.item_scores() if fit else {}


def recompute_page_rankings(page: ManifestoPage) -> int:
    """Recompute and store all three scores for every amendment of a manifesto."""
    by_party = party_counts(page)
    bridging = bridging_scores(page)
    amendments = list(
        Amendment.objects.filter(page=page).only(
            "pk",
            "clause_id",
            "status",
            "is_hidden",
            "created_at",
            "agree_count",
            "disagree_count",
            "pass_count",
        )
    )
    for amendment in amendments:
        amendment.popular_score = ranking.wilson_lower_bound(
            amendment.agree_count, amendment.disagree_count
        )
        cg = ranking.common_ground(
            by_party.get(amendment.pk, {}), min_votes=page.common_ground_min_votes_per_party
        )
        amendment.common_ground_score = cg.score
        amendment.common_ground_detail = {"groups": cg.groups, "explanation": cg.explanation}
        if amendment.pk in bridging:
            intercept, factor = bridging[amendment.pk]
            amendment.bridging_score = intercept
            amendment.bridging_detail = {"intercept": intercept, "factor": factor}
        else:
            amendment.bridging_score = None
            amendment.bridging_detail = {
                "explanation": f"Needs {page.bridging_min_votes_per_amendment} votes from "
                "regular voters before the bridging model scores it."
            }
    Amendment.objects.bulk_update(
        amendments,
        [
            "popular_score",
            "common_ground_score",
            "common_ground_detail",
            "bridging_score",
            "bridging_detail",
        ],
        batch_size=500,
    )
    store_leading_amendments(page, amendments)
    return len(amendments)


def leading_order_key(amendment):
    """Best first: common ground, then popular, then newest (missing scores last)."""
    return (
        amendment.common_ground_score is None,
        -(amendment.common_ground_score or 0),
        amendment.popular_score is None,
        -(amendment.popular_score or 0),
        -amendment.created_at.timestamp(),
    )


def store_leading_amendments(page: ManifestoPage, amendments, per_clause: int = 3) -> None:
    """Remember each clause's leading open amendments, so the manifesto page need not rank
    thousands of amendments on every view."""
    by_clause: dict[int, list] = {}
    for amendment in amendments:
        if amendment.status in OPEN_STATUSES and not amendment.is_hidden:
            by_clause.setdefault(amendment.clause_id, []).append(amendment)
    clauses = list(Clause.objects.filter(page=page).only("pk", "leading_amendment_ids"))
    for clause in clauses:
        ranked = sorted(by_clause.get(clause.pk, []), key=leading_order_key)
        clause.leading_amendment_ids = [a.pk for a in ranked[:per_clause]]
    Clause.objects.bulk_update(clauses, ["leading_amendment_ids"], batch_size=500)
