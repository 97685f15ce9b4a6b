"""Feeding `manifesto.ranking_maths` from the database and storing its results on amendments.

Every vote is *counted* (the amendment's agree / pass / disagree totals, and so Popular),
but only votes cast once the voter's account was `min_account_age_days_to_count_in_scores` old are
*scored* (common ground and bridging): two hundred accounts made yesterday cannot move the
cross-party rankings. A sudden burst of such votes on one amendment is flagged on it
(`Amendment.burst_flagged_at`, `Amendment.objects.flagged_for_bursts()`) for moderators.
"""

import hashlib
import json
import statistics
import time
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import psycopg
from django.db import connection
from django.db.models import Case, Count, F, Q, Value, When
from django.utils import timezone
from psycopg import sql

from cms.models import Party
from manifesto import ranking_maths
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


# Rating codes in the vote arrays, and what the bridging model reads them as.
DISAGREE_CODE, PASS_CODE, AGREE_CODE = 0, 1, 2
RATING_OF_CODE = np.array([0.0, 0.5, 1.0])


@dataclass
class VoteArrays:
    """A manifesto's scored votes as parallel numpy arrays, one entry per vote."""

    voters: np.ndarray  # voter (user) id
    amendments: np.ndarray  # amendment id
    parties: np.ndarray  # the voter's party id, 0 for none declared
    codes: np.ndarray  # DISAGREE_CODE, PASS_CODE or AGREE_CODE

    def __len__(self) -> int:
        return len(self.codes)

    def ratings(self) -> np.ndarray:
        return RATING_OF_CODE[self.codes]


# PostgreSQL's binary form of a one-dimensional array without NULLs (`array_send`): a
# 20-byte header (dimensions, null flag, element type, length, lower bound), then per element
# its length and its value, big-endian. Fixed width, so one column of the answer is one
# numpy array with no Python object per vote.
_ARRAY_HEADER = 20


def _binary_array(data, value_type: str) -> np.ndarray:
    if data is None:  # array_agg over no rows
        return np.array([], dtype=np.int64)
    element = np.dtype([("length", ">i4"), ("value", value_type)])
    return np.frombuffer(data, dtype=element, offset=_ARRAY_HEADER)["value"].astype(np.int64)


def _postgres_vote_arrays(page: ManifestoPage, age: timedelta) -> VoteArrays:
    """PostgreSQL: the scored votes as four binary arrays, in one row of one query.

    A binary COPY sends one message per vote, which psycopg reads one Python call at a
    time (a second of CPU at a million votes); four aggregated arrays arrive as four
    values. The four aggregates read the same rows in the same order.
    """
    user = Vote._meta.get_field("voter").related_model
    query = sql.SQL(
        """
        SELECT array_send(array_agg(v.voter_id::bigint)),
               array_send(array_agg(v.amendment_id::bigint)),
               array_send(array_agg(COALESCE(u.party_id, 0)::bigint)),
               array_send(array_agg((CASE v.choice WHEN {agree} THEN {agree_code}
                                                   WHEN {pass_} THEN {pass_code}
                                                   ELSE {disagree_code} END)::smallint))
        FROM {vote} v
        JOIN {amendment} a ON a.id = v.amendment_id
        JOIN {user} u ON u.id = v.voter_id
        WHERE a.page_id = {page}
          AND v.updated_at >= u.date_joined + make_interval(secs => {seconds})
        """
    ).format(
        agree=sql.Literal(str(VoteChoice.AGREE)),
        pass_=sql.Literal(str(VoteChoice.PASS)),
        agree_code=sql.Literal(AGREE_CODE),
        pass_code=sql.Literal(PASS_CODE),
        disagree_code=sql.Literal(DISAGREE_CODE),
        vote=sql.Identifier(Vote._meta.db_table),
        amendment=sql.Identifier(Amendment._meta.db_table),
        user=sql.Identifier(user._meta.db_table),
        page=sql.Literal(int(page.pk)),
        seconds=sql.Literal(int(age.total_seconds())),
    )
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(query, binary=True)
        voters, amendments, parties, codes = cursor.fetchone()
    return VoteArrays(
        _binary_array(voters, ">i8"),
        _binary_array(amendments, ">i8"),
        _binary_array(parties, ">i8"),
        _binary_array(codes, ">i2").astype(np.int8),
    )


def scored_vote_arrays(page: ManifestoPage) -> VoteArrays:
    """The votes `scored_votes` selects, as arrays: one read for all three rankings."""
    age = _new_account_age(page)
    if connection.vendor == "postgresql":
        return _postgres_vote_arrays(page, age)
    code = Case(
        When(choice=VoteChoice.AGREE, then=Value(AGREE_CODE)),
        When(choice=VoteChoice.PASS, then=Value(PASS_CODE)),
        default=Value(DISAGREE_CODE),
    )
    rows = list(
        scored_votes(page)
        .annotate(code=code)
        .values_list("voter_id", "amendment_id", "voter__party_id", "code")
        .order_by()
    )
    table = np.array([[v, a, p or 0, c] for v, a, p, c in rows], dtype=np.int64).reshape(-1, 4)
    return VoteArrays(table[:, 0], table[:, 1], table[:, 2], table[:, 3].astype(np.int8))


def _groups_of_parties() -> dict[int, tuple[str, bool]]:
    """party id (0: none declared) -> (group name, is it a party)."""
    groups = {0: (NO_PARTY, False)}
    for pk, name, is_party in Party.objects.values_list("pk", "name", "is_party"):
        if not is_party and name.lower() in ("no party", "none"):
            groups[pk] = (NO_PARTY, False)
        else:
            groups[pk] = (name, bool(is_party))
    return groups


def party_counts(
    page: ManifestoPage, votes: VoteArrays | None = None
) -> dict[int, dict[str, ranking_maths.GroupVotes]]:
    """amendment id -> group name -> its scored votes.

    Supporters who declared no party, or the "No party" entry, are one group, "No party";
    entries that are not parties ("Other") are groups of their own; neither ever counts as
    a party. Counted with numpy over the vote arrays (pass them to reuse one read).
    """
    votes = scored_vote_arrays(page) if votes is None else votes
    if not len(votes):
        return {}
    groups = _groups_of_parties()
    names = sorted({name for name, _ in groups.values()})
    is_party = dict(groups.values())
    group_of_party = {pk: names.index(name) for pk, (name, _) in groups.items()}
    party_ids, party_index = np.unique(votes.parties, return_inverse=True)
    group_index = np.array(
        [group_of_party.get(int(pk), names.index(NO_PARTY)) for pk in party_ids], dtype=np.int64
    )[party_index]
    amendment_ids, amendment_index = ranking_maths.factorise(votes.amendments)
    cell = (amendment_index * len(names) + group_index) * 3 + votes.codes
    counts = np.bincount(cell, minlength=len(amendment_ids) * len(names) * 3).reshape(
        len(amendment_ids), len(names), 3
    )
    result: dict[int, dict[str, ranking_maths.GroupVotes]] = {}
    # Plain Python lists: indexing numpy per cell would cost more than the counting.
    for amendment_id, by_group in zip(amendment_ids.tolist(), counts.tolist(), strict=True):
        result[amendment_id] = {
            names[g]: ranking_maths.GroupVotes(agree, disagree, passes, is_party[names[g]])
            for g, (disagree, passes, agree) in enumerate(by_group)
            if disagree or passes or agree
        }
    return result


def bridging_fit(
    page: ManifestoPage, votes: VoteArrays | None = None, warm_start=None
) -> ranking_maths.BridgingFit | None:
    """The latent model over the manifesto's scored votes (agree 1, pass 0.5, disagree 0).

    `warm_start`: (amendment ids, intercepts, factors) saved by the previous recompute,
    which the fit starts from (it converges to the same result from any start).
    """
    votes = scored_vote_arrays(page) if votes is None else votes
    if not len(votes):
        return None
    return ranking_maths.fit_bridging(
        votes.voters,
        votes.amendments,
        votes.ratings(),
        min_votes_per_rater=page.bridging_min_votes_per_voter,
        min_votes_per_item=page.bridging_min_votes_per_amendment,
        warm_start=warm_start,
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
    scored_votes: int = 0
    bridging_warm_start: bool = False
    bridging_reused: bool = False  # the scored votes had not changed: no refit
    timings: dict = field(default_factory=dict)  # stage -> seconds (wall clock)
    cpu_timings: dict = field(default_factory=dict)  # stage -> seconds of this process's CPU


SCORE_FIELDS = [
    "popular_score",
    "common_ground_score",
    "common_ground_detail",
    "bridging_score",
    "bridging_detail",
    "burst_flagged_at",
    "burst_votes",
]


def fit_fingerprint(page: ManifestoPage, votes: VoteArrays) -> str:
    """A digest of exactly what the bridging fit reads: every scored (voter, amendment,
    choice), in any order, and the settings and model it is fitted with."""
    mix = [np.uint64(k) for k in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)]
    with np.errstate(over="ignore"):
        row = (
            votes.voters.astype(np.uint64) * mix[0]
            ^ votes.amendments.astype(np.uint64) * mix[1]
            ^ (votes.codes.astype(np.uint64) + np.uint64(1)) * mix[2]
        )
        row ^= row >> np.uint64(31)
        row *= np.uint64(0xBF58476D1CE4E5B9)
        row ^= row >> np.uint64(29)
        total = int(row.sum(dtype=np.uint64))
    described = (
        len(votes),
        total,
        page.bridging_min_votes_per_voter,
        page.bridging_min_votes_per_amendment,
        page.ranking_early_votes,
        ranking_maths.BRIDGING_MODEL,
    )
    return hashlib.blake2b(repr(described).encode(), digest_size=16).hexdigest()


def _saved_factors(amendments) -> tuple | None:
    """(amendment ids, intercepts, factors) of the last bridging fit, to start the next one."""
    saved = [
        (a.pk, a.bridging_detail["intercept"], a.bridging_detail["factor"])
        for a in amendments
        if (a.bridging_detail or {}).get("factor") is not None
    ]
    if not saved:
        return None
    table = np.array(saved, dtype=float)
    return table[:, 0].astype(np.int64), table[:, 1], table[:, 2]


def recompute_page_rankings(page: ManifestoPage) -> RecomputeResult:
    """Recompute and store all three scores for every amendment of a manifesto.

    The scored votes are read once (one query of four binary arrays on PostgreSQL) and
    feed both common ground and bridging; the bridging fit starts from the factors the
    previous recompute saved; every score is written in one statement.
    """
    timings: dict[str, float] = {}
    cpu_timings: dict[str, float] = {}
    clock, cpu_clock = time.perf_counter(), time.process_time()

    def lap(label):
        nonlocal clock, cpu_clock
        now_, cpu_now = time.perf_counter(), time.process_time()
        timings[label], cpu_timings[label] = now_ - clock, cpu_now - cpu_clock
        clock, cpu_clock = now_, cpu_now

    now = timezone.now()
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
            "bridging_score",
            "bridging_detail",
        )
    )
    warm_start = _saved_factors(amendments)
    votes = scored_vote_arrays(page)
    lap("read amendments and scored votes")
    by_party = party_counts(page, votes)
    lap("count votes per party")
    fingerprint = fit_fingerprint(page, votes)
    # The same scored votes and settings as the saved fit: its scores stand as they are
    # (the fit depends on its start only within its tolerance, so a refit would move
    # them in the last digits for nothing).
    reuse = bool(amendments) and all(
        (a.bridging_detail or {}).get("fit") == fingerprint for a in amendments
    )
    fit = None if reuse else bridging_fit(page, votes, warm_start=warm_start)
    bridging = fit.item_scores() if fit else {}
    lap("bridging fit")
    bursts = new_account_bursts(page, now)
    lap("find bursts")
    early_votes = page.ranking_early_votes
    for amendment in amendments:
        amendment.popular_score = ranking_maths.wilson_lower_bound(
            amendment.agree_count, amendment.disagree_count
        )
        cg = ranking_maths.common_ground(
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
        if reuse:
            pass
        elif scored is not None:
            amendment.bridging_score = scored.score
            amendment.bridging_detail = {
                "intercept": scored.intercept,
                "factor": scored.factor,
                "votes": scored.votes,
                "early": scored.votes < early_votes,
                "explanation": bridging_explanation(scored.score),
                "fit": fingerprint,
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
                "fit": fingerprint,
            }
        if amendment.pk in bursts:
            amendment.burst_flagged_at = amendment.burst_flagged_at or now
            amendment.burst_votes = max(amendment.burst_votes, bursts[amendment.pk])
    lap("popular and common ground")
    save_scores(amendments)
    lap("save scores")
    store_leading_amendments(page, amendments)
    lap("store leading amendments")
    return RecomputeResult(
        len(amendments),
        fit.iterations if fit else 0,
        fit.final_change if fit else 0.0,
        fit.converged if fit else True,
        scored_votes=len(votes),
        bridging_warm_start=fit is not None and warm_start is not None,
        bridging_reused=reuse,
        timings=timings,
        cpu_timings=cpu_timings,
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
      %b::bigint[], %b::double precision[], %b::double precision[], %b::text[]::jsonb[],
      %b::double precision[], %b::text[]::jsonb[], %b::timestamptz[], %b::integer[]
    ) AS v(id, popular_score, common_ground_score, common_ground_detail,
           bridging_score, bridging_detail, burst_flagged_at, burst_votes)
    WHERE a.id = v.id
      AND (a.popular_score, a.common_ground_score, a.common_ground_detail, a.bridging_score,
           a.bridging_detail, a.burst_flagged_at, a.burst_votes)
          IS DISTINCT FROM
          (v.popular_score, v.common_ground_score, v.common_ground_detail, v.bridging_score,
           v.bridging_detail, v.burst_flagged_at, v.burst_votes)
"""


def save_scores(amendments: list[Amendment]) -> None:
    """Write every amendment's scores at once.

    On PostgreSQL one UPDATE ... FROM unnest(arrays): eight parameters however many rows,
    where an UPDATE per row took most of the recompute's time at 10,000 amendments. The
    arrays are sent in binary, bound on the server (Django's cursor would quote every JSON
    text into the statement, over a second of CPU at 10,000 amendments). Rows
    whose scores did not change are not written (each write of a row touches every index
    of the table, the score indexes included).
    Elsewhere (SQLite) Django's bulk_update.
    """
    if connection.vendor != "postgresql":
        Amendment.objects.bulk_update(amendments, SCORE_FIELDS, batch_size=500)
        return
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
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
