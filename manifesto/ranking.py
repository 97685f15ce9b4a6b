"""Ranking amendments: popular, common ground (across declared parties), bridging (latent).

Pure functions over plain numbers and numpy arrays, so they can be tested and benchmarked
without a database. `manifesto.tasks.recompute_rankings` feeds them from the database and
stores the results.
"""

import math
from dataclasses import dataclass, field

import numpy as np

NOT_ENOUGH_CROSS_PARTY = "Not enough cross-party votes yet"


def wilson_lower_bound(agree: int, disagree: int, z: float = 1.96) -> float | None:
    """Lower bound of the 95% Wilson interval of agree / (agree + disagree).

    Passes are not counted: they say "no view", not "no". None when nobody took a side.
    """
    n = agree + disagree
    if n == 0:
        return None
    p = agree / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt((p * (1 - p) + z * z / (4 * n)) / n)
    return (centre - margin) / (1 + z * z / n)


@dataclass
class CommonGround:
    score: float | None
    groups: dict = field(default_factory=dict)  # name -> {agree, disagree, estimate, counted}
    explanation: str = ""


def common_ground(
    by_group: dict[str, tuple[int, int]],
    min_votes: int = 3,
    prior_agree: float = 2.0,
    prior_disagree: float = 2.0,
) -> CommonGround:
    """Agreement inside each party group, combined so every group must lean agree.

    Each group's agreement is the mean of a Beta(prior + agree, prior + disagree) posterior,
    pulling small groups toward one half; groups with at least `min_votes` decided votes
    count, and the score is the geometric mean of their estimates, so one group strongly
    against drags the score down far more than an arithmetic mean would.
    """
    groups, counted = {}, []
    for name, (agree, disagree) in sorted(by_group.items()):
        estimate = (agree + prior_agree) / (agree + disagree + prior_agree + prior_disagree)
        enough = agree + disagree >= min_votes
        groups[name] = {
            "agree": agree,
            "disagree": disagree,
            "estimate": round(estimate, 4),
            "counted": enough,
        }
        if enough:
            counted.append(estimate)
    if len(counted) < 2:
        return CommonGround(None, groups, NOT_ENOUGH_CROSS_PARTY)
    score = float(np.exp(np.mean(np.log(counted))))
    return CommonGround(
        score,
        groups,
        f"Geometric mean of agreement in {len(counted)} party groups with "
        f"{min_votes} or more votes each.",
    )


@dataclass
class BridgingFit:
    """A fitted model: rating ~ mu + rater_intercept + item_intercept + rater_f * item_f."""

    mu: float
    rater_ids: np.ndarray
    rater_intercepts: np.ndarray
    rater_factors: np.ndarray
    item_ids: np.ndarray
    item_intercepts: np.ndarray
    item_factors: np.ndarray

    def item_scores(self) -> dict[int, tuple[float, float]]:
        return {
            int(i): (float(b), float(f))
            for i, b, f in zip(self.item_ids, self.item_intercepts, self.item_factors, strict=True)
        }

    def rater_factor(self) -> dict[int, float]:
        return {int(i): float(f) for i, f in zip(self.rater_ids, self.rater_factors, strict=True)}


def _filter_minimums(raters, items, min_per_rater, min_per_item):
    """Drop raters and items below the minimums, repeating until stable."""
    keep = np.ones(len(raters), dtype=bool)
    while True:
        r_ids, r_counts = np.unique(raters[keep], return_counts=True)
        i_ids, i_counts = np.unique(items[keep], return_counts=True)
        good_r = r_ids[r_counts >= min_per_rater]
        good_i = i_ids[i_counts >= min_per_item]
        new_keep = keep & np.isin(raters, good_r) & np.isin(items, good_i)
        if new_keep.sum() == keep.sum():
            return keep
        keep = new_keep


def _solve_side(index, n, other_intercept, other_factor, residual_target, lam_i, lam_f):
    """Ridge-solve each entity's (intercept, factor) given the other side, all at once.

    For each entity the features of a rating are [1, f_other] and the target is
    rating - mu - i_other; the 2x2 normal equations are accumulated with bincount.
    """
    y = residual_target - other_intercept
    x2 = other_factor
    s11 = np.bincount(index, minlength=n).astype(float) + lam_i
    s12 = np.bincount(index, weights=x2, minlength=n)
    s22 = np.bincount(index, weights=x2 * x2, minlength=n) + lam_f
    b1 = np.bincount(index, weights=y, minlength=n)
    b2 = np.bincount(index, weights=x2 * y, minlength=n)
    det = s11 * s22 - s12 * s12
    intercept = (s22 * b1 - s12 * b2) / det
    factor = (s11 * b2 - s12 * b1) / det
    return intercept, factor


def fit_bridging(
    rater_ids,
    item_ids,
    ratings,
    *,
    min_votes_per_rater: int = 3,
    min_votes_per_item: int = 5,
    factor_lambda: float = 0.03,
    intercept_lambda: float | None = None,
    iterations: int = 40,
    seed: int = 0,
) -> BridgingFit | None:
    """Fit the Community Notes model with one factor dimension by alternating least squares.

    `ratings` are 1.0 (agree) or 0.0 (disagree). Intercepts are regularised 5x harder than
    factors, so agreement explained by a shared viewpoint goes into the factors and only
    agreement across viewpoints lifts an item's intercept: the item's bridging score.
    """
    intercept_lambda = 5 * factor_lambda if intercept_lambda is None else intercept_lambda
    raters = np.asarray(rater_ids)
    items = np.asarray(item_ids)
    y = np.asarray(ratings, dtype=float)
    keep = _filter_minimums(raters, items, min_votes_per_rater, min_votes_per_item)
    raters, items, y = raters[keep], items[keep], y[keep]
    if len(y) == 0:
        return None
    r_ids, r_index = np.unique(raters, return_inverse=True)
    i_ids, i_index = np.unique(items, return_inverse=True)
    n_r, n_i = len(r_ids), len(i_ids)
    # Regularisation scales with the number of ratings an entity has (as in CN's loss).
    lam_i, lam_f = intercept_lambda, factor_lambda
    rng = np.random.default_rng(seed)
    r_b, i_b = np.zeros(n_r), np.zeros(n_i)
    r_f = rng.normal(0, 0.1, n_r)
    i_f = rng.normal(0, 0.1, n_i)
    mu = float(y.mean())
    for _ in range(iterations):
        pred_i = i_b[i_index]
        r_b, r_f = _solve_side(r_index, n_r, pred_i, i_f[i_index], y - mu, lam_i, lam_f)
        i_b, i_f = _solve_side(i_index, n_i, r_b[r_index], r_f[r_index], y - mu, lam_i, lam_f)
        mu = float(np.mean(y - r_b[r_index] - i_b[i_index] - r_f[r_index] * i_f[i_index]))
    # Fix the arbitrary sign: the larger camp of raters gets a positive factor.
    if np.sum(np.sign(r_f)) < 0:
        r_f, i_f = -r_f, -i_f
    return BridgingFit(mu, r_ids, r_b, r_f, i_ids, i_b, i_f)


def fair_order_key(seed: int) -> tuple[int, int]:
    """Multiplier and offset for a per-visitor shuffle done in SQL: (id * a + b) mod p."""
    rng = np.random.default_rng(seed)
    return int(rng.integers(1, PRIME - 1)), int(rng.integers(0, PRIME - 1))


PRIME = 2_147_483_647
