"""Voting: one vote per person per amendment, changeable, counters exact, limits enforced."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from manifesto.actions import VoteRefused, cast_vote, propose
from manifesto.models import Amendment, Vote
from tests.conftest import make_user, postgres_only


@pytest.fixture
def amendment(manifesto, clause, other_supporter):
    return propose(manifesto, clause, other_supporter, "replace", "Fair votes now.", "Clearer.")


def test_second_vote_replaces_first(amendment, supporter):
    cast_vote(amendment, supporter, "agree")
    fresh = cast_vote(amendment, supporter, "disagree")
    assert Vote.objects.filter(amendment=amendment, voter=supporter).get().choice == "disagree"
    assert (fresh.agree_count, fresh.disagree_count, fresh.pass_count) == (0, 1, 0)


def test_repeating_the_same_vote_changes_nothing(amendment, supporter):
    cast_vote(amendment, supporter, "pass")
    fresh = cast_vote(amendment, supporter, "pass")
    assert (fresh.agree_count, fresh.disagree_count, fresh.pass_count) == (0, 0, 1)


def test_minimum_account_age_refuses_new_accounts(amendment, supporter, manifesto):
    manifesto.min_account_age_days_to_vote = 7
    manifesto.save()
    amendment.page.refresh_from_db()
    with pytest.raises(VoteRefused):
        cast_vote(amendment, supporter, "agree")
    supporter.date_joined = timezone.now() - timedelta(days=8)
    supporter.save()
    cast_vote(amendment, supporter, "agree")
    assert Vote.objects.count() == 1


def test_daily_cap_counts_new_votes_but_not_changes(manifesto, clause, supporter, other_supporter):
    manifesto.votes_per_day = 2
    manifesto.save()
    first, second, third = (
        propose(manifesto, clause, other_supporter, "replace", f"Text {i}.", "Why.")
        for i in range(3)
    )
    cast_vote(first, supporter, "agree")
    cast_vote(second, supporter, "agree")
    cast_vote(first, supporter, "disagree")  # a change is not a new vote
    with pytest.raises(VoteRefused):
        cast_vote(third, supporter, "agree")


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_votes_by_the_same_person_leave_one_vote(home):
    from tests.manifesto.conftest import manifesto_open_for_amendments

    page = manifesto_open_for_amendments(home, "Race", "race")
    voter = make_user("racer@example.com", "Supporters")
    author = make_user("writer@example.com", "Supporters")
    amendment = propose(page, page.live_clauses().first(), author, "replace", "X.", "Y.")
    barrier = threading.Barrier(8)
    errors = []

    def vote(choice):
        try:
            barrier.wait()
            cast_vote(amendment, voter, choice)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=vote, args=(["agree", "disagree"][i % 2],)) for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Vote.objects.filter(amendment=amendment).count() == 1
    fresh = Amendment.objects.get(pk=amendment.pk)
    assert fresh.agree_count + fresh.disagree_count + fresh.pass_count == 1
    choice = Vote.objects.get(amendment=amendment).choice
    assert getattr(fresh, f"{choice}_count") == 1


def test_deleting_an_account_takes_its_votes_off_the_counters(amendment, supporter):
    from cms.accounts import delete_account

    cast_vote(amendment, supporter, "agree")
    delete_account(supporter)
    amendment.refresh_from_db()
    assert amendment.agree_count == 0 and Vote.objects.count() == 0
    assert amendment.author is not None  # the amendment itself stays


def test_personal_data_export_includes_amendments_votes_and_comments(amendment, supporter):
    from cms.accounts import export_personal_data
    from manifesto.models import AmendmentComment

    cast_vote(amendment, supporter, "pass")
    AmendmentComment.objects.create(amendment=amendment, author=supporter, body="Hmm.")
    data = export_personal_data(supporter)["manifesto"]
    assert data["votes"] == [
        {"amendment": amendment.pk, "choice": "pass", "at": data["votes"][0]["at"]}
    ]
    assert data["comments"][0]["body"] == "Hmm."


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_votes_by_many_people_keep_counters_equal_to_a_recount(home):
    from tests.manifesto.conftest import manifesto_open_for_amendments

    page = manifesto_open_for_amendments(home, "Crowd", "crowd")
    author = make_user("crowd-author@example.com", "Supporters")
    amendment = propose(page, page.live_clauses().first(), author, "replace", "X.", "Y.")
    voters = [make_user(f"crowd{i}@example.com", "Supporters") for i in range(10)]
    barrier = threading.Barrier(len(voters))
    errors = []

    def vote_repeatedly(voter):
        try:
            barrier.wait()
            for choice in ["agree", "disagree", "pass", "agree", "pass"]:
                cast_vote(amendment, voter, choice)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote_repeatedly, args=(v,)) for v in voters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    fresh = Amendment.objects.get(pk=amendment.pk)
    assert (fresh.agree_count, fresh.disagree_count, fresh.pass_count) == (0, 0, 10)
    assert Vote.objects.filter(amendment=amendment, choice="pass").count() == 10


def test_status_change_on_a_stale_instance_keeps_the_vote_counters(amendment, supporter, moderator):
    from manifesto.actions import set_status
    from manifesto.models import AmendmentStatus

    stale = Amendment.objects.get(pk=amendment.pk)
    cast_vote(amendment, supporter, "agree")
    Amendment.objects.filter(pk=amendment.pk).update(popular_score=0.5)
    set_status(stale, AmendmentStatus.ACCEPTED, "Good.", by=moderator)
    fresh = Amendment.objects.get(pk=amendment.pk)
    assert fresh.status == AmendmentStatus.ACCEPTED
    assert (fresh.agree_count, fresh.popular_score) == (1, 0.5)


def test_the_allowed_states_reach_postgresql_as_one_quoted_array_literal():
    """The vote's statement takes the states the rule allows as one text value."""
    from manifesto.actions import _text_array

    assert _text_array(["published|0|0", "published|0|1"]) == '{"published|0|0","published|0|1"}'
    assert _text_array(['a "b"', "c\\d", "e,f"]) == '{"a \\"b\\"","c\\\\d","e,f"}'


@postgres_only
@pytest.mark.django_db
def test_postgresql_reads_the_array_literal_back_as_the_same_states():
    from manifesto.actions import _text_array

    states = ["published|0|0", 'odd "quoted" state', "back\\slash", "with,comma", "{braced}"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [_text_array(states)])
        assert cursor.fetchone()[0] == states
