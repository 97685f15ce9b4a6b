"""Testing that followers hear of new amendments, decisions and versions, once each."""

import pytest

from manifesto.actions import change_status, propose
from manifesto.merge import merge_amendments
from notifications.following import follow, is_following
from notifications.kinds import Kind
from notifications.models import Notification
from tests.conftest import make_user

BASE = "End austerity and close the gap between rich and poor."


@pytest.fixture
def economy(manifesto):
    return manifesto.live_clauses().get(section="Economy")


@pytest.fixture
def follower(db):
    return make_user("follower@example.com", "Supporters")


def told(user, kind):
    return list(
        Notification.objects.filter(recipient=user, kind=kind).values_list("summary", flat=True)
    )


def test_a_new_amendment_reaches_the_clauses_followers_and_its_author_follows_it(
    manifesto, economy, supporter, follower
):
    follow(follower, economy)
    amendment = propose(manifesto, economy, supporter, "replace", BASE.replace("End", "Stop"), "")
    assert is_following(supporter, amendment)
    [summary] = told(follower, Kind.NEW_AMENDMENT)
    assert summary.startswith("A new amendment to ") and "Economy" in summary
    assert summary.endswith(f" of {manifesto.title}")
    assert Notification.objects.get(recipient=follower).url == amendment.url
    assert told(supporter, Kind.NEW_AMENDMENT) == []  # never told of their own


def test_a_decision_reaches_the_amendments_followers_once(
    manifesto, economy, supporter, follower, moderator
):
    amendment = propose(manifesto, economy, supporter, "replace", BASE.replace("End", "Stop"), "")
    follow(follower, amendment)
    change_status(amendment, moderator, "accept", reason="Agreed at the meeting.")
    change_status(amendment, moderator, "accept", reason="")  # a repeat: nothing new
    assert len(told(follower, Kind.STATUS_CHANGE)) == 1
    assert "is now accepted" in told(follower, Kind.STATUS_CHANGE)[0]
    assert told(supporter, Kind.STATUS_CHANGE) == []  # the author has their own email


def test_a_merge_tells_the_manifestos_followers_of_the_new_version(
    manifesto, economy, supporter, follower, moderator
):
    follow(follower, manifesto)
    amendment = propose(manifesto, economy, supporter, "replace", BASE.replace("End", "Stop"), "")
    merge_amendments(manifesto, [amendment], moderator)
    assert told(follower, Kind.MERGED) == [f"{manifesto.title}: version 2, with 1 amendment merged"]


def test_the_pages_offer_follow_buttons(client, manifesto, economy, supporter):
    amendment = propose(manifesto, economy, supporter, "replace", BASE.replace("End", "Stop"), "")
    client.force_login(supporter)
    assert "Stop following" in client.get(amendment.url).content.decode()  # follows its own
    clause_page = client.get(economy.url).content.decode()
    assert "Follow new amendments here" in clause_page
