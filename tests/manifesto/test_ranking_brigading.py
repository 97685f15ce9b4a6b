"""Rankings from the database: new accounts counted but not scored, bursts flagged,
no-party supporters as their own group, passes stored, all through the real task."""

from datetime import timedelta

import pytest
from django.utils import timezone

from manifesto.actions import cast_vote, propose
from manifesto.models import Amendment
from manifesto.ranking_store import BURST_MIN_VOTES, NO_PARTY
from manifesto.tasks import recompute_rankings
from tests.conftest import make_user

OTHER_PARTIES = ["labour", "liberal-democrat", "snp", "plaid-cymru"]


def person(email, party_slug=None, *, days_old=90):
    joined = timezone.now() - timedelta(days=days_old)
    return make_user(email, "Supporters", party_slug=party_slug, date_joined=joined)


def recomputed(amendment) -> Amendment:
    recompute_rankings.delay(amendment.page_id)
    return Amendment.objects.get(pk=amendment.pk)


@pytest.fixture
def one_party_amendment(manifesto, clause):
    """Greens back it (30 of 30); 10 established supporters of each other party oppose it
    (2 agree, 8 disagree)."""
    amendment = propose(manifesto, clause, None, "replace", "Green only.", "Why.")
    for i in range(30):
        cast_vote(amendment, person(f"green{i}@example.com", "green"), "agree")
    for party in OTHER_PARTIES:
        for i in range(10):
            voter = person(f"{party}{i}@example.com", party)
            cast_vote(amendment, voter, "agree" if i < 2 else "disagree")
    return amendment


def brigade(amendment, count=200, choice="agree"):
    """`count` accounts made today, declaring the other parties, all voting one way."""
    for i in range(count):
        party = OTHER_PARTIES[i % len(OTHER_PARTIES)]
        cast_vote(amendment, person(f"new{i}@example.com", party, days_old=0), choice)


def test_new_accounts_are_counted_but_do_not_move_common_ground(one_party_amendment):
    before = recomputed(one_party_amendment)
    brigade(one_party_amendment)
    after = recomputed(one_party_amendment)
    assert after.agree_count == before.agree_count + 200  # counted
    assert after.popular_score > before.popular_score  # Popular counts every vote
    assert after.common_ground_score == before.common_ground_score  # not scored
    assert after.common_ground_detail == before.common_ground_detail
    assert before.common_ground_score < 0.2


def test_the_minimum_age_is_judged_when_the_vote_was_cast(manifesto, one_party_amendment):
    """Accounts made for a campaign do not start counting by waiting a week."""
    before = recomputed(one_party_amendment)
    brigade(one_party_amendment, count=40)
    from cms.models import User

    User.objects.filter(email__startswith="new").update(
        date_joined=timezone.now() - timedelta(days=3)
    )
    assert recomputed(one_party_amendment).common_ground_score == before.common_ground_score


def test_editors_can_set_the_minimum_age_to_zero_and_then_every_vote_is_scored(
    manifesto, one_party_amendment
):
    brigade(one_party_amendment)
    manifesto.min_account_age_days_to_count_in_scores = 0
    manifesto.save(update_fields=["min_account_age_days_to_count_in_scores"])
    assert recomputed(one_party_amendment).common_ground_score > 0.5


def test_new_accounts_do_not_move_bridging_scores(manifesto, clause):
    manifesto.bridging_min_votes_per_amendment = 5
    manifesto.save(update_fields=["bridging_min_votes_per_amendment"])
    amendments = [
        propose(manifesto, clause, None, "replace", f"Option {i}.", "Why.") for i in range(4)
    ]
    for i in range(24):
        voter = person(f"v{i}@example.com", ["green", "labour"][i % 2])
        for k, amendment in enumerate(amendments):
            cast_vote(amendment, voter, "agree" if (i + k) % 3 else "disagree")
    recompute_rankings.delay(manifesto.pk)
    before = dict(Amendment.objects.values_list("pk", "bridging_score"))
    target = amendments[0]
    for i in range(60):
        newcomer = person(f"n{i}@example.com", "snp", days_old=0)
        cast_vote(target, newcomer, "agree")
        cast_vote(amendments[1 + i % 3], newcomer, ["agree", "disagree"][i % 2])
    recompute_rankings.delay(manifesto.pk)
    assert dict(Amendment.objects.values_list("pk", "bridging_score")) == before


def test_a_burst_of_new_accounts_on_one_amendment_is_flagged_for_moderators(
    one_party_amendment, manifesto, clause
):
    quiet = propose(manifesto, clause, None, "replace", "Quiet.", "Why.")
    cast_vote(quiet, person("lone@example.com", "labour"), "agree")
    assert not recomputed(one_party_amendment).burst_flagged_at
    brigade(one_party_amendment, count=BURST_MIN_VOTES + 5)
    flagged = recomputed(one_party_amendment)
    assert flagged.burst_flagged_at is not None
    assert flagged.burst_votes == BURST_MIN_VOTES + 5
    assert list(Amendment.objects.flagged_for_bursts()) == [flagged]
    # A moderator dismisses it: the same votes do not raise it again, new ones do.
    flagged.clear_burst_flag()
    assert not recomputed(one_party_amendment).burst_flagged_at
    for i in range(BURST_MIN_VOTES):
        cast_vote(one_party_amendment, person(f"later{i}@example.com", "snp", days_old=0), "agree")
    assert recomputed(one_party_amendment).burst_votes == BURST_MIN_VOTES


def test_new_accounts_spread_over_every_amendment_are_not_a_burst(manifesto, clause):
    """At a launch everyone is new: votes spread evenly are no burst."""
    amendments = [
        propose(manifesto, clause, None, "replace", f"Option {i}.", "Why.") for i in range(3)
    ]
    for i in range(BURST_MIN_VOTES + 10):
        newcomer = person(f"n{i}@example.com", "green", days_old=0)
        for amendment in amendments:
            cast_vote(amendment, newcomer, "agree")
    recompute_rankings.delay(manifesto.pk)
    assert not Amendment.objects.flagged_for_bursts().exists()


def test_no_party_supporters_are_their_own_group_and_never_make_an_amendment_cross_party(
    manifesto, clause
):
    """One party plus unaffiliated backers (no declaration, or the "No party" entry)."""
    amendment = propose(manifesto, clause, None, "replace", "Greens and friends.", "Why.")
    for i in range(20):
        cast_vote(amendment, person(f"g{i}@example.com", "green"), "agree")
    for i in range(20):
        cast_vote(amendment, person(f"u{i}@example.com", None), "agree")
        cast_vote(amendment, person(f"none{i}@example.com", "none"), "agree")
    amendment = recomputed(amendment)
    groups = amendment.common_ground_detail["groups"]
    assert amendment.common_ground_score is None
    assert amendment.common_ground_detail["early"] is True
    assert groups[NO_PARTY] == {
        "agree": 40,
        "pass": 0,
        "disagree": 0,
        "counted": False,
        "is_party": False,
        "lower_bound": groups[NO_PARTY]["lower_bound"],
        "estimate": groups[NO_PARTY]["estimate"],
    }
    assert groups["Green"]["is_party"] is True and groups["Green"]["counted"]


def test_stored_details_keep_the_shape_the_pages_read(one_party_amendment):
    for i in range(6):
        cast_vote(one_party_amendment, person(f"p{i}@example.com", "labour"), "pass")
    amendment = recomputed(one_party_amendment)
    detail = amendment.common_ground_detail
    assert set(detail) >= {"groups", "explanation", "early"}
    labour = next(g for name, g in detail["groups"].items() if name.startswith("Labour"))
    assert (labour["agree"], labour["pass"], labour["disagree"]) == (2, 6, 8)
    assert isinstance(labour["lower_bound"], float) and labour["counted"] is True
    assert set(amendment.bridging_detail) >= {"intercept", "factor", "explanation", "early"}


def test_the_vote_arrays_hold_exactly_the_scored_votes_with_voter_party_and_choice(
    manifesto, one_party_amendment
):
    """The one read the recompute makes (four binary arrays on PostgreSQL, the ORM on SQLite)
    holds each scored vote once, with its voter's party and its choice; new accounts'
    votes are not in it."""
    from cms.models import User
    from manifesto.ranking_store import (
        AGREE_CODE,
        DISAGREE_CODE,
        PASS_CODE,
        scored_vote_arrays,
        scored_votes,
    )

    brigade(one_party_amendment, count=25)
    cast_vote(one_party_amendment, person("shrug@example.com", "labour"), "pass")
    cast_vote(one_party_amendment, person("nobody@example.com", None), "disagree")
    codes = {"agree": AGREE_CODE, "pass": PASS_CODE, "disagree": DISAGREE_CODE}
    party_of = dict(User.objects.values_list("pk", "party_id"))
    expected = sorted(
        (voter, amendment, party_of[voter] or 0, codes[choice])
        for voter, amendment, choice in scored_votes(manifesto).values_list(
            "voter_id", "amendment_id", "choice"
        )
    )
    arrays = scored_vote_arrays(manifesto)
    got = sorted(
        zip(
            arrays.voters.tolist(),
            arrays.amendments.tolist(),
            arrays.parties.tolist(),
            arrays.codes.tolist(),
            strict=True,
        )
    )
    assert got == expected
    assert len(got) == 30 + 40 + 2  # the 25 new accounts are not scored
    assert {row[3] for row in got} == {AGREE_CODE, PASS_CODE, DISAGREE_CODE}
    assert (0 in {row[2] for row in got}) is True  # no party declared


def test_a_recompute_refits_from_the_saved_factors_only_when_scored_votes_changed(
    manifesto, clause
):
    """The first fit starts cold; after a new scored vote the next starts from the saved
    factors; with no scored vote changed (a new account's vote is not scored) the saved
    bridging scores stand exactly as they were."""
    from manifesto.ranking_store import recompute_page_rankings

    manifesto.bridging_min_votes_per_amendment = 5
    manifesto.save(update_fields=["bridging_min_votes_per_amendment"])
    amendments = [
        propose(manifesto, clause, None, "replace", f"Option {i}.", "Why.") for i in range(4)
    ]
    for i in range(24):
        voter = person(f"v{i}@example.com", ["green", "labour"][i % 2])
        for k, amendment in enumerate(amendments):
            cast_vote(amendment, voter, "agree" if (i + k) % 3 else "disagree")
    first = recompute_page_rankings(manifesto)
    cast_vote(amendments[0], person("late@example.com", "labour"), "agree")
    second = recompute_page_rankings(manifesto)
    saved = dict(Amendment.objects.values_list("pk", "bridging_score"))
    saved_detail = dict(Amendment.objects.values_list("pk", "bridging_detail"))
    cast_vote(amendments[1], person("new@example.com", "snp", days_old=0), "agree")
    third = recompute_page_rankings(manifesto)
    assert (first.bridging_warm_start, first.bridging_reused) == (False, False)
    assert first.bridging_iterations > 0 and first.bridging_converged
    assert (second.bridging_warm_start, second.bridging_reused) == (True, False)
    assert second.scored_votes == 97 and second.bridging_converged
    assert (third.bridging_reused, third.bridging_iterations, third.scored_votes) == (True, 0, 97)
    assert dict(Amendment.objects.values_list("pk", "bridging_score")) == saved
    assert dict(Amendment.objects.values_list("pk", "bridging_detail")) == saved_detail
    assert all(score is not None for score in saved.values())
    assert {"read amendments and scored votes", "bridging fit", "save scores"} <= set(third.timings)
