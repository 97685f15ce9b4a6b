"""Ranking amendments: popular, common ground (across declared parties), bridging (latent).

Pure functions over plain numbers and numpy arrays, so they can be tested and benchmarked
without a database. `manifesto.ranking_store` feeds them from the database and stores the results;
docs/ranking.md explains the method in plain words and in maths.

One decision runs through all three: a *pass* says "no view either way". Popular ignores
passes (it is the share of people who took a side); common ground and bridging count a pass
as half an agree and half a disagree, so passes are weaker support than agrees and never
opposition, and an amendment most of a party shrugs at cannot look strongly backed by it.
"""

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

NOT_ENOUGH_CROSS_PARTY = "Not enough cross-party votes yet"

# Common ground: how sure "at least this share agrees" is (one-sided), and the prior.
CREDIBLE_LEVEL = 0.95
PRIOR_AGREE = 1.0  # Beta(1, 1): before any vote every level of agreement is equally likely
PRIOR_DISAGREE = 1.0

# Bridging, as Community Notes fits it: lambda 0.03 on factors, 5x on intercepts, both
# applied to the *mean* squared parameter against the *mean* squared error.
FACTOR_LAMBDA = 0.03
INTERCEPT_MULTIPLIER = 5.0
TOLERANCE = 1e-4
MAX_ITERATIONS = 150
# Names the model and its constants; a saved fit of another model is never reused.
BRIDGING_MODEL = f"cn-1d lambda={FACTOR_LAMBDA} x{INTERCEPT_MULTIPLIER} tol={TOLERANCE}"
# The two ends of the opinion axis a bridging amendment must satisfy: the 10th and 90th
# percentile of voters' factors, so any camp of a tenth of the voters or more is an end.
AXIS_QUANTILES = (0.10, 0.90)
Z_ONE_SIDED = 1.645  # 95% one-sided, as common ground's bound


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


def _incomplete_beta(x: float, a: float, b: float) -> float:
    """The regularised incomplete beta function I_x(a, b), by Lentz's continued fraction."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    log_front += a * math.log(x) + b * math.log1p(-x)
    if x > (a + 1) / (a + b + 2):  # the fraction converges fast only on this side
        return 1.0 - _incomplete_beta(1.0 - x, b, a)
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < 1e-12:
            break
    return math.exp(log_front) * result / a


@lru_cache(maxsize=65536)
def beta_quantile(q: float, a: float, b: float) -> float:
    """The q-quantile of Beta(a, b), to about 1e-9: Newton's method kept inside a bracket."""
    low, high = 0.0, 1.0
    mean, variance = a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1))
    x = min(max(mean - 1.645 * math.sqrt(variance), 1e-6), 1 - 1e-6)
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    for _ in range(100):
        error = _incomplete_beta(x, a, b) - q
        if error < 0:
            low = x
        else:
            high = x
        density = math.exp(log_norm + (a - 1) * math.log(x) + (b - 1) * math.log1p(-x))
        step = error / density if density > 0 else math.inf
        candidate = x - step
        if not low < candidate < high:  # Newton left the bracket: halve it instead
            candidate = (low + high) / 2
        if abs(candidate - x) < 1e-10 or high - low < 1e-10:
            return candidate
        x = candidate
    return x


def support_lower_bound(agree: float, disagree: float, passes: float = 0) -> float:
    """The share of a group we are 95% sure agrees, at least, from its votes.

    Beta(1 + agree + passes/2, 1 + disagree + passes/2) posterior, 5th percentile: with
    few votes the bound is low however they went, so evidence counts.
    """
    a = PRIOR_AGREE + agree + passes / 2
    b = PRIOR_DISAGREE + disagree + passes / 2
    return beta_quantile(1 - CREDIBLE_LEVEL, float(a), float(b))


@dataclass(frozen=True)
class GroupVotes:
    """One group's votes on one amendment; `is_party` is false for "No party" and "Other"."""

    agree: int = 0
    disagree: int = 0
    passes: int = 0
    is_party: bool = True

    @property
    def decided(self) -> int:
        return self.agree + self.disagree


@dataclass
class CommonGround:
    score: float | None
    groups: dict = field(default_factory=dict)
    explanation: str = ""
    early: bool = True


def common_ground(
    by_group: dict[str, GroupVotes],
    min_votes: int = 5,
    early_votes: int = 30,
) -> CommonGround:
    """Agreement inside every declared party, at the cautious end of what its votes allow.

    Each party's support is the lower 95% credible bound of its agreement (passes count as
    half an agree and half a disagree). A party counts once it has `min_votes` decided
    votes (agree or disagree); groups that are not parties ("No party", "Other") are shown
    but never counted. With two or more counted parties the score is the geometric mean of
    their bounds, so one party against pulls it down hard. The score is `early` while the
    counted parties hold fewer than `early_votes` decided votes between them.
    """
    groups, bounds, decided = {}, [], 0
    for name, votes in sorted(by_group.items()):
        counted = votes.is_party and votes.decided >= min_votes
        bound = support_lower_bound(votes.agree, votes.disagree, votes.passes)
        seen = votes.agree + votes.disagree + votes.passes
        groups[name] = {
            "agree": votes.agree,
            "pass": votes.passes,
            "disagree": votes.disagree,
            "counted": counted,
            "is_party": votes.is_party,
            "lower_bound": round(bound, 4) if seen else None,
            # The posterior mean, kept for readers who want the central estimate.
            "estimate": round(
                (PRIOR_AGREE + votes.agree + votes.passes / 2)
                / (PRIOR_AGREE + PRIOR_DISAGREE + seen),
                4,
            ),
        }
        if counted:
            bounds.append(bound)
            decided += votes.decided
    if len(bounds) < 2:
        return CommonGround(None, groups, NOT_ENOUGH_CROSS_PARTY, early=True)
    # The geometric mean, in plain floats (numpy costs more than the maths on six numbers).
    score = math.exp(math.fsum(math.log(max(bound, 1e-9)) for bound in bounds) / len(bounds))
    return CommonGround(
        score,
        groups,
        f"Scored across {len(bounds)} parties with {min_votes} or more votes each: in each "
        "party, the share we are 95% sure agrees at least (a pass counts as half), combined "
        "so that every party must lean agree. Supporters of no party are shown but do not "
        "count as a party.",
        early=decided < early_votes,
    )


@dataclass
class BridgingFit:
    """A fitted model: rating ~ mu + rater_intercept + item_intercept + rater_f * item_f.

    `axis` is the (low, high) pair of rater factors an amendment's score is read at;
    `iterations`, `final_change` and `converged` say how the fit ended.
    """

    mu: float
    rater_ids: np.ndarray
    rater_intercepts: np.ndarray
    rater_factors: np.ndarray
    item_ids: np.ndarray
    item_intercepts: np.ndarray
    item_factors: np.ndarray
    item_votes: np.ndarray
    item_standard_errors: np.ndarray
    axis: tuple[float, float]
    iterations: int
    final_change: float
    converged: bool

    def bridging_scores(self) -> np.ndarray:
        """Each item's effect for a voter at whichever end of the opinion axis likes it less,
        at the cautious end of what its votes allow.

        intercept + factor * axis_end, the smaller of the two ends (the amendment must be
        liked at both ends, whatever the sizes of the camps that make them), less 1.645
        standard errors of the intercept (so, as in common ground, evidence counts).
        """
        low, high = self.axis
        weaker_end = np.minimum(
            self.item_intercepts + self.item_factors * low,
            self.item_intercepts + self.item_factors * high,
        )
        return weaker_end - Z_ONE_SIDED * self.item_standard_errors

    def item_scores(self) -> dict[int, "BridgingScore"]:
        scores = self.bridging_scores()
        return {
            int(i): BridgingScore(float(s), float(b), float(f), int(n))
            for i, s, b, f, n in zip(
                self.item_ids,
                scores,
                self.item_intercepts,
                self.item_factors,
                self.item_votes,
                strict=True,
            )
        }

    def rater_factor(self) -> dict[int, float]:
        return {int(i): float(f) for i, f in zip(self.rater_ids, self.rater_factors, strict=True)}


@dataclass(frozen=True)
class BridgingScore:
    score: float
    intercept: float
    factor: float
    votes: int


def factorise(ids) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct ids in order, each id's index among them): `np.unique(ids,
    return_inverse=True)`, but without sorting when the ids are database ids (non-negative
    integers not much larger than their count), which at a million votes is several times
    faster."""
    ids = np.asarray(ids)
    if (
        ids.dtype.kind in "iu"
        and len(ids)
        and ids.min() >= 0
        and ids.max() <= 4 * len(ids) + 1_000_000
    ):
        present = np.zeros(int(ids.max()) + 1, dtype=bool)
        present[ids] = True
        index_of = np.cumsum(present) - 1
        return np.flatnonzero(present).astype(ids.dtype), index_of[ids]
    distinct, index = np.unique(ids, return_inverse=True)
    return distinct, index.reshape(-1)


def _filter_minimums(raters, items, min_per_rater, min_per_item):
    """Drop raters and items below the minimums, repeating until stable."""
    keep = np.ones(len(raters), dtype=bool)
    if not len(raters):
        return keep
    r_ids, r_index = factorise(raters)
    i_ids, i_index = factorise(items)
    while True:
        r_counts = np.bincount(r_index[keep], minlength=len(r_ids))
        i_counts = np.bincount(i_index[keep], minlength=len(i_ids))
        new_keep = keep & (r_counts[r_index] >= min_per_rater) & (i_counts[i_index] >= min_per_item)
        if new_keep.sum() == keep.sum():
            return keep
        keep = new_keep


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """The dot product of two vectors without BLAS: OpenBLAS spreads a long dot product over
    threads, which on a busy machine wait for cores (ten to fifty times slower, measured)."""
    return float(np.einsum("i,i->", a, b))


class _Side:
    """The votes sorted by one side's entity (rater or item), for closed-form solves.

    Sorted once, each entity's votes are one contiguous run, so every sum the 2x2 normal
    equations need is one `np.add.reduceat` over the run starts: no Python per entity and
    no scattered writes. `other` is, per vote, the index of the entity on the other side.
    """

    def __init__(self, own, other, ratings, n):
        order = np.argsort(own, kind="stable")
        self.own = own[order]
        self.other = other[order]
        self.ratings = ratings[order]
        self.run_lengths = np.bincount(own, minlength=n)
        self.counts = self.run_lengths.astype(float)
        self.starts = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.intp)
        self.rating_sums = np.add.reduceat(self.ratings, self.starts)

    def solve(self, mu, other_intercepts, other_factors, lam_intercept, lam_factor):
        """Each entity's ridge-regularised (intercept, factor) given the other side.

        For an entity, a vote's features are [1, other factor] and its target is
        rating - mu - other intercept; the normal equations are 2x2, solved in closed form
        for all entities at once.
        """
        f = other_factors[self.other]
        b = other_intercepts[self.other]
        s12 = np.add.reduceat(f, self.starts)
        s22 = np.add.reduceat(f * f, self.starts) + lam_factor
        s11 = self.counts + lam_intercept
        b1 = self.rating_sums - mu * self.counts - np.add.reduceat(b, self.starts)
        b2 = np.add.reduceat(f * (self.ratings - b), self.starts) - mu * s12
        det = s11 * s22 - s12 * s12
        self.other_factor_sums = s12  # kept for the mean's update
        self.other_per_vote = (b, f)  # kept for the squared error
        return (s22 * b1 - s12 * b2) / det, (s11 * b2 - s12 * b1) / det

    def squared_error(self, mu, own_b, own_f) -> float:
        """The sum of squared residuals with these parameters for this side's entities and
        the other side's parameters of the last `solve` (already gathered per vote; this
        side's are repeated along the sorted runs, with no scattered reads)."""
        other_b, other_f = self.other_per_vote
        residual = (
            self.ratings
            - mu
            - np.repeat(own_b, self.run_lengths)
            - other_b
            - np.repeat(own_f, self.run_lengths) * other_f
        )
        return _dot(residual, residual)


def fit_bridging(
    rater_ids,
    item_ids,
    ratings,
    *,
    min_votes_per_rater: int = 3,
    min_votes_per_item: int = 10,
    factor_lambda: float = FACTOR_LAMBDA,
    intercept_multiplier: float = INTERCEPT_MULTIPLIER,
    tolerance: float = TOLERANCE,
    max_iterations: int = MAX_ITERATIONS,
    seed: int = 0,
    warm_start=None,
) -> BridgingFit | None:
    """Fit the Community Notes model with one factor dimension by alternating least squares.

    `ratings` are 1.0 (agree), 0.5 (pass) or 0.0 (disagree). The loss is Community Notes':
    the mean squared error plus lambda times the mean square of each kind of parameter,
    intercepts 5x harder than factors. In sums over ratings that is a penalty of
    lambda * N / (number of raters or items) per entity: it grows with the votes, so it
    means the same at 100 votes and at 1,000,000, and a thin amendment's intercept is
    pulled to zero while a well-voted one's is not. Alternates closed-form solves of all
    raters and of all items until no item parameter moves by more than `tolerance` (or
    `max_iterations`).

    `warm_start` is (item ids, intercepts, factors) from an earlier fit: items found there
    start from their saved values (new ones from zero and a small random factor), so a
    recompute after a few new votes needs a few iterations, not a cold start's many. The
    optimum does not depend on the start (tested from many starts).
    """
    raters = np.asarray(rater_ids)
    items = np.asarray(item_ids)
    y = np.asarray(ratings, dtype=float)
    keep = _filter_minimums(raters, items, min_votes_per_rater, min_votes_per_item)
    raters, items, y = raters[keep], items[keep], y[keep]
    if len(y) == 0:
        return None
    r_ids, r_index = factorise(raters)
    i_ids, i_index = factorise(items)
    n_r, n_i, n = len(r_ids), len(i_ids), len(y)
    by_rater = _Side(r_index, i_index, y, n_r)
    by_item = _Side(i_index, r_index, y, n_i)
    lam_r_f, lam_i_f = factor_lambda * n / n_r, factor_lambda * n / n_i
    lam_r_i, lam_i_i = intercept_multiplier * lam_r_f, intercept_multiplier * lam_i_f
    rng = np.random.default_rng(seed)
    i_b = np.zeros(n_i)
    i_f = rng.normal(0, 1.0, n_i)
    if warm_start is not None and len(warm_start[0]):
        saved_ids, saved_b, saved_f = (np.asarray(part) for part in warm_start)
        order = np.argsort(saved_ids)
        saved_ids, saved_b, saved_f = saved_ids[order], saved_b[order], saved_f[order]
        position = np.minimum(np.searchsorted(saved_ids, i_ids), len(saved_ids) - 1)
        found = saved_ids[position] == i_ids
        i_b = np.where(found, saved_b[position], 0.0)
        i_f = np.where(found, saved_f[position], 0.1 * i_f)
    lambdas = (lam_r_i, lam_r_f, lam_i_i, lam_i_f)

    def sweep(i_b, i_f, mu):
        """One alternation: all raters given the items, then all items given the raters,
        then the mean (the mean residual, from per-item sums: no pass over the votes)."""
        r_b, r_f = by_rater.solve(mu, i_b, i_f, lam_r_i, lam_r_f)
        i_b, i_f = by_item.solve(mu, r_b, r_f, lam_i_i, lam_i_f)
        predicted = (
            _dot(by_rater.counts, r_b)
            + _dot(by_item.counts, i_b)
            + _dot(i_f, by_item.other_factor_sums)
        )
        mu = float((by_item.rating_sums.sum() - predicted) / n)
        loss = by_item.squared_error(mu, i_b, i_f) + sum(
            lam * _dot(v, v) for lam, v in zip(lambdas, (r_b, r_f, i_b, i_f), strict=True)
        )
        return r_b, r_f, i_b, i_f, mu, loss

    # Alternating least squares, accelerated by momentum with restarts (as Nesterov-
    # accelerated ALS does for tensor factorisations): each sweep starts from the last
    # point pushed on along the last step, by k / (k + 3); a sweep that raises the loss
    # is redone from the last point without the push, and the momentum starts again.
    # The stopping test is plain ALS's: the fit ends only after a sweep *without* a push
    # moved no amendment's parameters by more than the tolerance.
    mu = float(y.mean())
    change, iterations, momentum_steps, loss = math.inf, 0, 0, math.inf
    plain_sweep = True
    previous_b, previous_f, previous_mu = i_b, i_f, mu
    while iterations < max_iterations and not (change <= tolerance and plain_sweep):
        iterations += 1
        push = momentum_steps / (momentum_steps + 3)
        start_b = i_b + push * (i_b - previous_b)
        start_f = i_f + push * (i_f - previous_f)
        start_mu = mu + push * (mu - previous_mu)
        r_b, r_f, new_b, new_f, new_mu, new_loss = sweep(start_b, start_f, start_mu)
        plain_sweep = not push
        if push and new_loss > loss:
            r_b, r_f, new_b, new_f, new_mu, new_loss = sweep(i_b, i_f, mu)
            momentum_steps, plain_sweep = 0, True
        else:
            momentum_steps += 1
        change = float(max(np.abs(new_b - i_b).max(), np.abs(new_f - i_f).max()))
        if change <= tolerance and not plain_sweep:
            momentum_steps = 0  # check with a plain sweep before stopping
        previous_b, previous_f, previous_mu = i_b, i_f, mu
        i_b, i_f, mu, loss = new_b, new_f, new_mu, new_loss
    converged = change <= tolerance and plain_sweep
    # Fix the arbitrary sign: the larger camp of raters gets a positive factor.
    if np.sum(np.sign(r_f)) < 0:
        r_f, i_f = -r_f, -i_f
    low, high = np.quantile(r_f, AXIS_QUANTILES)
    residual = y - mu - r_b[r_index] - i_b[i_index] - r_f[r_index] * i_f[i_index]
    # The ridge posterior's spread of each intercept: residual sd / sqrt(votes + penalty).
    standard_errors = math.sqrt(float(np.mean(residual**2))) / np.sqrt(by_item.counts + lam_i_i)
    return BridgingFit(
        mu,
        r_ids,
        r_b,
        r_f,
        i_ids,
        i_b,
        i_f,
        by_item.counts.astype(int),
        standard_errors,
        (float(low), float(high)),
        iterations,
        change,
        converged,
    )


def fair_order_key(seed: int) -> tuple[int, int]:
    """Multiplier and offset for a per-visitor shuffle done in SQL: (id * a + b) mod p."""
    rng = np.random.default_rng(seed)
    return int(rng.integers(1, PRIME - 1)), int(rng.integers(0, PRIME - 1))


PRIME = 2_147_483_647
