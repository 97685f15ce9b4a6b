"""The rankings on synthetic electorates built here, with the truth planted in them.

Pure numpy, no database. Each bridging property is checked over several random electorates
(RANKING_SEEDS, default 5; e.g. RANKING_SEEDS=50 for a long run).
"""

import os

import numpy as np
import pytest

from manifesto import ranking_maths
from manifesto.ranking_maths import GroupVotes
from tests.manifesto.electorates import hidden_camps, precision_at_bridging

SEEDS = range(int(os.environ.get("RANKING_SEEDS", "5")))
PARTIES = ["Green", "Labour", "Liberal Democrat", "Plaid Cymru", "SNP"]


def scores_of(fit) -> dict[int, float]:
    return dict(zip(fit.item_ids.tolist(), fit.bridging_scores().tolist(), strict=True))


def top(scores: dict, k: int) -> list:
    return sorted(scores, key=lambda item: -scores[item])[:k]


def spearman(a, b) -> float:
    return float(np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1])


# --- The credible bound --------------------------------------------------------------------


def test_beta_quantile_matches_the_closed_forms():
    """Beta(a, 1) has quantile q^(1/a) and Beta(1, b) has 1 - (1 - q)^(1/b)."""
    for a in (1, 2, 4, 17, 300):
        assert ranking_maths.beta_quantile(0.05, a, 1.0) == pytest.approx(0.05 ** (1 / a), abs=1e-8)
        assert ranking_maths.beta_quantile(0.05, 1.0, a) == pytest.approx(
            1 - 0.95 ** (1 / a), abs=1e-8
        )
    assert ranking_maths.beta_quantile(0.5, 7.5, 7.5) == pytest.approx(0.5, abs=1e-8)


def test_lower_bound_rises_with_evidence_at_the_same_share():
    assert ranking_maths.support_lower_bound(3, 0) < ranking_maths.support_lower_bound(70, 30)
    assert ranking_maths.support_lower_bound(7, 3) < ranking_maths.support_lower_bound(700, 300)


# --- Common ground --------------------------------------------------------------------------


def test_six_unanimous_votes_in_two_small_parties_lose_to_broad_support_at_seventy_percent():
    """The issue's case: 690 votes at 70% across five parties beat 3 + 3 unanimous votes,
    even when the minimum lets three votes count a party."""
    thin = {"Green": GroupVotes(3, 0), "Plaid Cymru": GroupVotes(3, 0)}
    broad = {party: GroupVotes(97, 41) for party in PARTIES}  # 138 each, 70% agree
    for min_votes in (3, 5):
        thin_score = ranking_maths.common_ground(thin, min_votes=min_votes).score
        broad_score = ranking_maths.common_ground(broad, min_votes=min_votes).score
        assert broad_score > 0.6
        assert thin_score is None or thin_score < broad_score - 0.1


def test_no_party_supporters_are_a_group_but_never_a_party():
    """One party plus unaffiliated backers is not cross-party: no score."""
    votes = {
        "Green": GroupVotes(40, 2),
        "No party": GroupVotes(60, 3, is_party=False),
        "Other": GroupVotes(20, 1, is_party=False),
    }
    result = ranking_maths.common_ground(votes)
    assert result.score is None
    assert result.explanation == ranking_maths.NOT_ENOUGH_CROSS_PARTY
    assert result.groups["No party"]["is_party"] is False
    assert result.groups["No party"]["counted"] is False
    assert result.groups["No party"]["agree"] == 60
    assert result.groups["Green"]["counted"] is True


def test_no_party_votes_neither_lift_nor_sink_a_cross_party_score():
    parties = {"Green": GroupVotes(30, 10), "Labour": GroupVotes(28, 12)}
    with_no_party = {**parties, "No party": GroupVotes(0, 200, is_party=False)}
    assert (
        ranking_maths.common_ground(parties).score
        == ranking_maths.common_ground(with_no_party).score
    )


def test_a_pass_is_weaker_support_than_an_agree_and_never_opposition():
    def score(passes_as):
        votes = {party: GroupVotes(20, 10) for party in PARTIES[:3]}
        extra = {"agree": GroupVotes(30, 10), "pass": GroupVotes(20, 10, passes=10)}
        extra["disagree"] = GroupVotes(20, 20)
        return ranking_maths.common_ground({**votes, "Green": extra[passes_as]}).score

    assert score("disagree") < score("pass") < score("agree")


def test_passes_do_not_count_toward_a_partys_minimum_of_decided_votes():
    votes = {"Green": GroupVotes(4, 0, passes=30), "Labour": GroupVotes(10, 2)}
    result = ranking_maths.common_ground(votes, min_votes=5)
    assert result.groups["Green"]["counted"] is False
    assert result.groups["Green"]["pass"] == 30
    assert result.score is None


def test_a_score_on_few_votes_is_marked_early():
    few = ranking_maths.common_ground(
        {"Green": GroupVotes(5, 0), "Labour": GroupVotes(5, 0)}, early_votes=30
    )
    many = ranking_maths.common_ground(
        {"Green": GroupVotes(15, 5), "Labour": GroupVotes(15, 5)}, early_votes=30
    )
    assert few.score is not None and few.early is True
    assert many.early is False
    assert ranking_maths.common_ground({}).early is True


def test_one_party_strongly_against_pulls_common_ground_down():
    agreed = {party: GroupVotes(40, 10) for party in PARTIES}
    opposed = {**agreed, "SNP": GroupVotes(5, 45)}
    assert (
        ranking_maths.common_ground(opposed).score < ranking_maths.common_ground(agreed).score - 0.2
    )


# --- Bridging on hidden camps ---------------------------------------------------------------

ELECTORATES = {
    "even camps": {"shares": (0.5, 0.5)},
    "unequal camps 85/15": {"shares": (0.85, 0.15)},
    "three camps 50/30/20": {"shares": (0.5, 0.3, 0.2)},
    "sparse 85/15 (5% of amendments each)": {
        "shares": (0.85, 0.15),
        "voters": 4000,
        "turnout": 0.05,
        "bridging": 10,
        "partisan_per_camp": 50,
    },
    "sparse 50/30/20 (5% of amendments each)": {
        "shares": (0.5, 0.3, 0.2),
        "voters": 4000,
        "turnout": 0.05,
        "bridging": 10,
        "partisan_per_camp": 35,
    },
}


@pytest.mark.parametrize("name", list(ELECTORATES))
def test_bridging_finds_the_amendments_every_hidden_camp_agrees_with(name):
    """Precision of the top k (k = number of planted bridging amendments) across seeds, and
    the majority camp's partisan amendments never fill the top list."""
    precisions = []
    for seed in SEEDS:
        truth = hidden_camps(**ELECTORATES[name], seed=seed)
        fit = ranking_maths.fit_bridging(truth.raters, truth.items, truth.ratings)
        assert fit.converged
        scores = scores_of(fit)
        precisions.append(precision_at_bridging(scores, truth))
        k = len(truth.bridging)
        majority_in_top = set(top(scores, k)) & truth.partisan[0]
        assert len(majority_in_top) <= k // 4, (seed, sorted(majority_in_top))
    assert np.mean(precisions) >= 0.85, precisions
    assert min(precisions) >= 0.6, precisions


def test_five_agree_votes_never_outrank_broad_support_under_bridging():
    """Amendments with five agree votes (scored, with a minimum of five) never come first
    and never reach the top half of the truly bridging amendments."""
    for seed in SEEDS:
        truth = hidden_camps((0.5, 0.5), thin=3, seed=seed)
        fit = ranking_maths.fit_bridging(
            truth.raters, truth.items, truth.ratings, min_votes_per_item=5
        )
        scores = scores_of(fit)
        assert truth.thin & set(scores), "the thin amendments must be scored for this test"
        assert not set(top(scores, len(truth.bridging) // 2)) & truth.thin, seed


def test_bridging_on_a_tiny_manifesto_puts_the_shared_amendment_first():
    for seed in SEEDS:
        truth = hidden_camps((0.7, 0.3), voters=40, bridging=1, partisan_per_camp=2, turnout=0.9,
                             seed=seed)  # fmt: skip
        fit = ranking_maths.fit_bridging(truth.raters, truth.items, truth.ratings)
        assert fit.converged
        assert top(scores_of(fit), 1) == sorted(truth.bridging), seed


# --- Bridging: the fit itself ---------------------------------------------------------------


def test_bridging_fit_converges_to_what_a_much_longer_fit_finds():
    """The convergence test stops the fit where a fit run 100x tighter ranks the same."""
    for seed in SEEDS:
        truth = hidden_camps((0.85, 0.15), seed=seed)
        fit = ranking_maths.fit_bridging(truth.raters, truth.items, truth.ratings)
        long = ranking_maths.fit_bridging(
            truth.raters, truth.items, truth.ratings, tolerance=1e-8, max_iterations=20_000
        )
        assert fit.converged and fit.iterations < ranking_maths.MAX_ITERATIONS
        assert fit.final_change <= ranking_maths.TOLERANCE
        assert long.converged
        assert spearman(fit.bridging_scores(), long.bridging_scores()) > 0.999
        assert np.abs(fit.bridging_scores() - long.bridging_scores()).max() < 0.01


def test_bridging_fit_stops_at_its_iteration_cap_and_says_so():
    truth = hidden_camps((0.5, 0.5), seed=0)
    fit = ranking_maths.fit_bridging(truth.raters, truth.items, truth.ratings, max_iterations=2)
    assert fit.iterations == 2 and not fit.converged and fit.final_change > ranking_maths.TOLERANCE


def test_bridging_scores_are_the_same_from_any_start():
    truth = hidden_camps((0.5, 0.3, 0.2), seed=1)
    fits = [
        ranking_maths.fit_bridging(truth.raters, truth.items, truth.ratings, seed=start)
        for start in range(5)
    ]
    for fit in fits[1:]:
        assert np.abs(fit.bridging_scores() - fits[0].bridging_scores()).max() < 0.005
        assert np.abs(fit.item_intercepts - fits[0].item_intercepts).max() < 0.005


def test_a_warm_start_reaches_the_cold_start_optimum_in_fewer_sweeps():
    """After a few changed votes and a new amendment, a fit started from the previous fit's
    factors ends where a cold start ends, in fewer sweeps."""
    for seed in SEEDS:
        truth = hidden_camps((0.85, 0.15), seed=seed)
        before = ranking_maths.fit_bridging(truth.raters, truth.items, truth.ratings)
        rng = np.random.default_rng(seed)
        ratings = truth.ratings.copy()
        changed = rng.choice(len(ratings), size=len(ratings) // 50, replace=False)
        ratings[changed] = rng.choice([0.0, 0.5, 1.0], size=len(changed))
        new_item = truth.items.max() + 1
        raters = np.concatenate([truth.raters, np.arange(20)])
        items = np.concatenate([truth.items, np.full(20, new_item)])
        ratings = np.concatenate([ratings, np.ones(20)])
        saved = (before.item_ids, before.item_intercepts, before.item_factors)
        cold = ranking_maths.fit_bridging(raters, items, ratings)
        warm = ranking_maths.fit_bridging(raters, items, ratings, warm_start=saved)
        assert cold.converged and warm.converged
        assert new_item in warm.item_ids
        assert warm.iterations < cold.iterations, (seed, warm.iterations, cold.iterations)
        assert np.abs(warm.bridging_scores() - cold.bridging_scores()).max() < 0.01
        assert spearman(warm.bridging_scores(), cold.bridging_scores()) > 0.999


def test_regularisation_means_the_same_with_ten_times_the_voters():
    """Cloning every voter ten times (ten times the votes, same opinions) changes no fitted
    intercept or factor: the penalty grows with the votes (a fixed penalty would be swamped
    by the clones' sums). Only the evidence discount narrows, by sqrt(10)."""
    truth = hidden_camps((0.85, 0.15), voters=200, seed=2)
    one = ranking_maths.fit_bridging(truth.raters, truth.items, truth.ratings, tolerance=1e-7,
                               max_iterations=5000)  # fmt: skip
    clones = 10
    raters = np.concatenate([truth.raters + copy * 10_000 for copy in range(clones)])
    items = np.tile(truth.items, clones)
    ratings = np.tile(truth.ratings, clones)
    ten = ranking_maths.fit_bridging(raters, items, ratings, tolerance=1e-7, max_iterations=5000)
    assert ten.item_ids.tolist() == one.item_ids.tolist()
    assert np.abs(ten.item_intercepts - one.item_intercepts).max() < 0.005
    assert np.abs(np.abs(ten.item_factors) - np.abs(one.item_factors)).max() < 0.005
    ratio = one.item_standard_errors / ten.item_standard_errors
    assert ratio == pytest.approx(np.full(len(ratio), np.sqrt(clones)), rel=0.02)


def test_voters_and_amendments_below_the_minimums_get_no_score():
    truth = hidden_camps((0.5, 0.5), seed=3)
    raters = np.concatenate([truth.raters, [1, 2, 3], [99_999, 99_999]])
    items = np.concatenate([truth.items, [500, 500, 500], [0, 1]])
    ratings = np.concatenate([truth.ratings, [1.0, 1.0, 1.0], [1.0, 1.0]])
    fit = ranking_maths.fit_bridging(raters, items, ratings, min_votes_per_rater=3,
                               min_votes_per_item=10)  # fmt: skip
    assert 500 not in fit.item_ids
    assert 99_999 not in fit.rater_ids
