"""Ranking: popular, common ground across parties, and the latent bridging model."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from manifesto import ranking_maths
from manifesto.actions import cast_vote, propose
from manifesto.models import Amendment
from manifesto.tasks import recompute_rankings
from tests.conftest import make_user

LONG_AGO = timezone.now() - timedelta(days=90)


def old_account(email, party_slug=None):
    """A supporter whose account is old enough for their votes to be scored."""
    return make_user(email, "Supporters", party_slug=party_slug, date_joined=LONG_AGO)


def test_wilson_lower_bound_prefers_more_evidence_at_the_same_ratio():
    assert ranking_maths.wilson_lower_bound(80, 20) > ranking_maths.wilson_lower_bound(8, 2)
    assert ranking_maths.wilson_lower_bound(0, 0) is None


def test_common_ground_needs_two_party_groups_with_enough_votes():
    result = ranking_maths.common_ground(
        {"Green": ranking_maths.GroupVotes(10, 0), "Labour": ranking_maths.GroupVotes(1, 0)},
        min_votes=3,
    )
    assert result.score is None
    assert result.explanation == ranking_maths.NOT_ENOUGH_CROSS_PARTY
    assert result.groups["Labour"]["counted"] is False


@pytest.fixture
def two_amendments_and_voters(manifesto, clause, supporter):
    """'Partisan' is loved by 40 Greens and rejected by 5 Labour and 5 Lib Dem supporters;
    'Shared' is mildly supported in every party (24/16, 3/2, 3/2)."""
    partisan = propose(manifesto, clause, supporter, "replace", "Green only.", "Why.")
    shared = propose(manifesto, clause, supporter, "replace", "For all.", "Why.")
    plan = {  # party: (voters, partisan agrees, shared agrees)
        "green": (40, 40, 24),
        "labour": (5, 0, 3),
        "liberal-democrat": (5, 0, 3),
    }
    for party, (count, partisan_yes, shared_yes) in plan.items():
        for i in range(count):
            person = old_account(f"{party}{i}@example.com", party)
            cast_vote(partisan, person, "agree" if i < partisan_yes else "disagree")
            cast_vote(shared, person, "agree" if i < shared_yes else "disagree")
    return partisan, shared


def test_partisan_amendment_wins_popular_but_loses_common_ground(two_amendments_and_voters):
    partisan, shared = two_amendments_and_voters
    recompute_rankings.delay()
    partisan.refresh_from_db()
    shared.refresh_from_db()
    assert partisan.popular_score > shared.popular_score
    assert partisan.common_ground_score < shared.common_ground_score
    groups = partisan.common_ground_detail["groups"]
    assert groups["Labour"]["disagree"] == 5
    assert groups["Green"]["agree"] == 40


def synthetic_two_camps(seed=3):
    """60 voters in two camps; items 0-4 favoured by camp A, 5-9 by camp B, 10-12 by both."""
    rng = np.random.default_rng(seed)
    raters, items, ratings = [], [], []
    for voter in range(60):
        camp_a = voter < 30
        for item in range(13):
            if rng.random() < 0.2:
                continue
            if item < 5:
                p = 0.9 if camp_a else 0.1
            elif item < 10:
                p = 0.1 if camp_a else 0.9
            else:
                p = 0.75
            raters.append(voter)
            items.append(item)
            ratings.append(1.0 if rng.random() < p else 0.0)
    return raters, items, ratings


def test_latent_model_separates_camps_and_ranks_bridging_amendments_first():
    fit = ranking_maths.fit_bridging(*synthetic_two_camps(), min_votes_per_item=5)
    factors = fit.rater_factor()
    camp_a = np.sign([factors[v] for v in range(30)])
    camp_b = np.sign([factors[v] for v in range(30, 60)])
    # Nearly everyone in a camp shares a sign (a voter or two may be noisy), and the
    # two camps' signs are opposite.
    assert abs(camp_a.mean()) > 0.8 and abs(camp_b.mean()) > 0.8
    assert np.sign(camp_a.mean()) == -np.sign(camp_b.mean())
    scores = fit.item_scores()
    top_three = sorted(scores, key=lambda item: -scores[item].score)[:3]
    assert set(top_three) == {10, 11, 12}
    # Partisan items are explained by the factor: opposite signs for the two camps' items.
    assert np.sign(scores[0].factor) == -np.sign(scores[5].factor)


def test_bridging_minimums_leave_thin_amendments_unscored():
    raters, items, ratings = synthetic_two_camps()
    raters, items, ratings = raters + [1, 2], items + [99, 99], ratings + [1.0, 1.0]
    fit = ranking_maths.fit_bridging(raters, items, ratings, min_votes_per_item=5)
    assert 99 not in fit.item_scores()


def test_recompute_task_stores_bridging_scores(manifesto, clause):
    manifesto.bridging_min_votes_per_amendment = 5
    manifesto.save(update_fields=["bridging_min_votes_per_amendment"])
    voters = [old_account(f"v{i}@example.com") for i in range(6)]
    amendments = [
        propose(manifesto, clause, voters[0], "replace", f"Option {i}.", "Why.") for i in range(3)
    ]
    for voter in voters:
        for amendment in amendments:
            cast_vote(amendment, voter, "agree")
    assert recompute_rankings.delay(manifesto.pk).get() == 3
    assert all(
        score is not None for score in Amendment.objects.values_list("bridging_score", flat=True)
    )
