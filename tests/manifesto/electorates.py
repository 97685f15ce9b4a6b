"""Synthetic electorates for the ranking tests: hidden opinion camps, parties, thin evidence.

Each builder returns plain arrays (or per-party counts) and the truth it was built with, so
a test can ask whether a ranking finds what was planted: which amendments really bridge the
camps, which are partisan, which rest on a handful of votes.
"""

from dataclasses import dataclass, field

import numpy as np

AGREE, PASS, DISAGREE = 1.0, 0.5, 0.0


@dataclass
class Electorate:
    raters: np.ndarray
    items: np.ndarray
    ratings: np.ndarray
    camp_of_rater: np.ndarray
    bridging: set = field(default_factory=set)
    partisan: dict = field(default_factory=dict)  # camp -> set of items
    thin: set = field(default_factory=set)

    def add(self, raters, items, ratings) -> None:
        self.raters = np.concatenate([self.raters, np.asarray(raters)])
        self.items = np.concatenate([self.items, np.asarray(items)])
        self.ratings = np.concatenate([self.ratings, np.asarray(ratings, dtype=float)])


def hidden_camps(
    shares=(0.5, 0.5),
    *,
    voters=600,
    bridging=8,
    partisan_per_camp=8,
    turnout=0.3,
    pass_rate=0.05,
    thin=0,
    seed=0,
) -> Electorate:
    """Voters in hidden camps of the given shares vote on three kinds of amendment.

    Bridging: every camp agrees with probability 0.65 to 0.85. Partisan for a camp: that
    camp agrees with 0.85 to 0.95, every other camp with 0.05 to 0.20. Thin: five agree
    votes and nothing else. Each voter votes on each amendment with probability `turnout`
    (passing with probability `pass_rate`).
    """
    rng = np.random.default_rng(seed)
    camps = len(shares)
    camp_of_rater = rng.choice(camps, size=voters, p=np.asarray(shares) / sum(shares))
    agree_p = []  # one row per item: probability of agreeing, per camp
    truth = Electorate(np.array([]), np.array([]), np.array([]), camp_of_rater)
    for _ in range(bridging):
        truth.bridging.add(len(agree_p))
        agree_p.append(rng.uniform(0.65, 0.85, size=camps))
    for camp in range(camps):
        for _ in range(partisan_per_camp):
            row = rng.uniform(0.05, 0.20, size=camps)
            row[camp] = rng.uniform(0.85, 0.95)
            truth.partisan.setdefault(camp, set()).add(len(agree_p))
            agree_p.append(row)
    agree_p = np.array(agree_p)
    n_items = len(agree_p)
    votes = rng.random((voters, n_items)) < turnout
    rater_index, item_index = np.nonzero(votes)
    p = agree_p[item_index, camp_of_rater[rater_index]]
    roll = rng.random(len(p))
    ratings = np.where(
        roll < pass_rate, PASS, np.where(roll < pass_rate + (1 - pass_rate) * p, AGREE, DISAGREE)
    )
    truth.add(rater_index, item_index, ratings)
    for k in range(thin):
        item = n_items + k
        truth.thin.add(item)
        truth.add(rng.choice(voters, size=5, replace=False), [item] * 5, [AGREE] * 5)
    return truth


def precision_at_bridging(scores: dict, truth: Electorate) -> float:
    """Share of the top len(bridging) amendments by score that are truly bridging."""
    k = len(truth.bridging)
    top = sorted(scores, key=lambda item: -scores[item])[:k]
    return len(set(top) & truth.bridging) / k
