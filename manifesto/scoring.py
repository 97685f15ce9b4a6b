"""Feeding `manifesto.ranking` from the database and storing its results on amendments.

Every vote is *counted* (the amendment's agree / pass / disagree totals, and so Popular),
but only votes cast once the voter's account was `min_account_age_days_to_count_in_scores` old are
*scored* (common ground and bridging): two hundred accounts made yesterday cannot move the
cross-party rankings. A sudden burst of such votes on one amendment is flagged on it
(`Amendment.burst_flagged_at`, `Amendment.objects.flagged_for_bursts()`) for moderators.
"""

import json
import statistics
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.db import connection
from django.db.models import Case, Count, F, FloatField, Q, Value, When
from django.utils import timezone

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

# A burst: at least this many votes from new accounts on one amendment within the window,
# and at least BURST_RATIO times as many as the manifesto's typical (median) amendment got.
BURST_WINDOW = timedelta(hours=24)
BURST_MIN_VOTES = 20
BURST_RATIO = 5


def _new_account_age(page: ManifestoPage) -> timedelta:
    return timedelta(days=page.min_account_age_days_to_count_in_scores)


def scored_votes(page: ManifestoPage):
    """The manifesto's votes that count in the scores: cast (or last changed) by an account
    at least the minimum age at that moment. Judged at the time of the vote, so accounts
    made for a campaign do not start counting by waiting a week."""
    votes = Vote.objects.filter(amendment__page=page)
    age = _new_account_age(page)
    if age:
        votes = votes.filter(updated_at__gte=F("voter__date_joined") + age)
    return votes


def party_counts(page: ManifestoPage) -> dict[int, dict[str, ranking.GroupVotes]]:
    """amendment id -> group name -> its scored votes, counted by the database.

    Supporters who declared no party, or the "No party" entry, are one group, "No party";
    entries that are not parties ("Other") are groups of their own; neither ever counts as
    a party.
    """
    rows = (
        scored_votes(page)
        .values("amendment_id", "voter__party__name", "voter__party__is_party")
        .annotate(
            agree=Count("pk", filter=Q(choice=VoteChoice.AGREE)),
            disagree=Count("pk", filter=Q(choice=VoteChoice.DISAGREE)),
            passes=Count("pk", filter=Q(choice=VoteChoice.PASS)),
        )
        .order_by()
    )
    result: dict[int, dict[str, ranking.GroupVotes]] = {}
    for row in rows:
        name, is_party = row["voter__party__name"], bool(row["voter__party__is_party"])
        if name is None or (not is_party and name.lower() in ("no party", "none")):
            name, is_party = NO_PARTY, False
        groups = result.setdefault(row["amendment_id"], {})
        previous = groups.get(name, ranking.GroupVotes(is_party=is_party))
        groups[name] = ranking.GroupVotes(
            previous.agree + row["agree"],
            previous.disagree + row["disagree"],
            previous.passes + row["passes"],
            is_party,
        )
    return result


def bridging_fit(page: ManifestoPage) -> ranking.BridgingFit | None:
    """The latent model over the manifesto's scored votes (agree 1, pass 0.5, disagree 0)."""
    code = Case(
        When(choice=VoteChoice.AGREE, then=Value(1.0)),
        When(choice=VoteChoice.PASS, then=Value(0.5)),
        default=Value(0.0),
        output_field=FloatField(),
    )
    rows = list(
        scored_votes(page).annotate(rating=code).values_list("voter_id", "amendment_id", "rating")
    )
    if not rows:
        return None
    table = np.array(rows, dtype=float)
    return ranking.fit_bridging(
        table[:, 0].astype(np.int64),
        table[:, 1].astype(np.int64),
        table[:, 2],
        min_votes_per_rater=page.bridging_min_votes_per_voter,
        min_votes_per_item=page.bridging_min_votes_per_amendment,
    )


def bridging_explanation(score: float) -> str:
    if score > 0:
        return (
            "Agreed on both sides of the main divide the votes show: even the side that "
            "likes it less agrees more than those voters usually do."
        )
    return (
        "Not yet agreed across the main divide the votes show: one side, or both, agrees "
        "less than those voters usually do."
    )


def new_account_bursts(page: ManifestoPage, now=None) -> dict[int, int]:
    """amendment id -> votes from new accounts in the last BURST_WINDOW, for amendments
    whose count is a burst: BURST_MIN_VOTES or more and BURST_RATIO times the median of
    the manifesto's other open amendments (so a launch, when everyone is new and votes on
    everything, is not a burst).

    Votes before a moderator's last dismissal of the amendment's flag are not counted.
    """
    now = now or timezone.now()
    age = max(_new_account_age(page), timedelta(days=1))
    rows = (
        Vote.objects.filter(
            amendment__page=page,
            updated_at__gte=now - BURST_WINDOW,
            updated_at__lt=F("voter__date_joined") + age,
        )
        .filter(
            Q(amendment__burst_cleared_at__isnull=True)
            | Q(updated_at__gt=F("amendment__burst_cleared_at"))
        )
        .values("amendment_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {row["amendment_id"]: row["n"] for row in rows}
    if not counts:
        return {}
    open_ids = list(
        Amendment.objects.filter(page=page, status__in=OPEN_STATUSES).values_list("pk", flat=True)
    )
    bursts = {}
    for pk, n in counts.items():
        if n < BURST_MIN_VOTES:
            continue
        others = [counts.get(other, 0) for other in open_ids if other != pk]
        if n >= BURST_RATIO * statistics.median(others or [0]):
            bursts[pk] = n
    return bursts


@dataclass
class RecomputeResult:
    """What one recompute did: for the task's return value and the benchmark's print."""

    amendments: int
    bridging_iterations: int
    bridging_final_change: float
    bridging_converged: bool


SCORE_FIELDS = [
    "popular_score",
    "common_ground_score",
    "common_ground_detail",
    "bridging_score",
    "bridging_detail",
    "burst_flagged_at",
    "burst_votes",
]


def recompute_page_rankings(page: ManifestoPage) -> RecomputeResult:
    """Recompute and store all three scores for every amendment of a manifesto."""
    now = timezone.now()
    by_party = party_counts(page)
    fit = bridging_fit(page)
    bridging = fit.item_scores() if fit else {}
    bursts = new_account_bursts(page, now)
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
            "burst_flagged_at",
            "burst_votes",
        )
    )
    early_votes = page.ranking_early_votes
    for amendment in amendments:
        amendment.popular_score = ranking.wilson_lower_bound(
            amendment.agree_count, amendment.disagree_count
        )
        cg = ranking.common_ground(
            by_party.get(amendment.pk, {}),
            min_votes=page.common_ground_min_votes_per_party,
            early_votes=early_votes,
        )
        amendment.common_ground_score = cg.score
        amendment.common_ground_detail = {
            "groups": cg.groups,
            "explanation": cg.explanation,
            "early": cg.early,
        }
        scored = bridging.get(amendment.pk)
        if scored is not None:
            amendment.bridging_score = scored.score
            amendment.bridging_detail = {
                "intercept": scored.intercept,
                "factor": scored.factor,
                "votes": scored.votes,
                "early": scored.votes < early_votes,
                "explanation": bridging_explanation(scored.score),
            }
        else:
            amendment.bridging_score = None
            amendment.bridging_detail = {
                "intercept": None,
                "factor": None,
                "votes": 0,
                "early": True,
                "explanation": f"Needs {page.bridging_min_votes_per_amendment} votes from "
                f"voters with {page.bridging_min_votes_per_voter} or more votes each before "
                "the bridging model scores it.",
            }
        if amendment.pk in bursts:
            amendment.burst_flagged_at = amendment.burst_flagged_at or now
            amendment.burst_votes = max(amendment.burst_votes, bursts[amendment.pk])
    save_scores(amendments)
    store_leading_amendments(page, amendments)
    return RecomputeResult(
        len(amendments),
        fit.iterations if fit else 0,
        fit.final_change if fit else 0.0,
        fit.converged if fit else True,
    )


UNNEST_UPDATE_SQL = """
    UPDATE manifesto_amendment AS a SET
      popular_score = v.popular_score,
      common_ground_score = v.common_ground_score,
      common_ground_detail = v.common_ground_detail,
      bridging_score = v.bridging_score,
      bridging_detail = v.bridging_detail,
      burst_flagged_at = v.burst_flagged_at,
      burst_votes = v.burst_votes
    FROM unnest(
      %s::integer[], %s::double precision[], %s::double precision[], %s::jsonb[],
      %s::double precision[], %s::jsonb[], %s::timestamptz[], %s::integer[]
    ) AS v(id, popular_score, common_ground_score, common_ground_detail,
           bridging_score, bridging_detail, burst_flagged_at, burst_votes)
    WHERE a.id = v.id
"""


def save_scores(amendments: list[Amendment]) -> None:
    """Write every amendment's scores at once.

    On PostgreSQL one UPDATE ... FROM unnest(arrays): eight parameters however many rows,
    where an UPDATE per row took most of the recompute's time at 10,000 amendments.
    Elsewhere (SQLite) Django's bulk_update.
    """
    if connection.vendor != "postgresql":
        Amendment.objects.bulk_update(amendments, SCORE_FIELDS, batch_size=500)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            UNNEST_UPDATE_SQL,
            [
                [a.pk for a in amendments],
                [a.popular_score for a in amendments],
                [a.common_ground_score for a in amendments],
                [json.dumps(a.common_ground_detail) for a in amendments],
                [a.bridging_score for a in amendments],
                [json.dumps(a.bridging_detail) for a in amendments],
                [a.burst_flagged_at for a in amendments],
                [a.burst_votes for a in amendments],
            ],
        )


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
