# ruff: noqa: F811 (fixtures from the apps' own conftest modules, imported by name)
"""Testing that each app's events reach the right people once, in the change's transaction."""

from datetime import timedelta

import pytest
from django.db import transaction

from cms.models import PageReply
from crowdfund.models import Milestone
from manifesto.actions import cast_vote_checked, comment, propose, reset_votes
from meetings.models import Booking
from notifications.following import follow, follow_automatically, is_following, region_target
from notifications.kinds import Frequency, Kind
from notifications.models import Follow, Notification
from notifications.preferences import set_frequency
from tests.conftest import make_user
from tests.crowdfund.conftest import make_crowdfund
from tests.manifesto.conftest import clause, manifesto  # noqa: F401 (fixtures)
from tests.meetings.conftest import (  # noqa: F401 (fixtures)
    frome,
    group,
    groups_index,
    make_meeting,
    organiser,
)
from tests.stories.conftest import make_story, places, stories_index  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def follower(db):
    return make_user("follower@example.com", "Supporters", display_name="Fola")


def told(user, kind=None):
    rows = Notification.objects.filter(recipient=user)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.values_list("summary", flat=True))


# --- The manifesto: votes reset, taking part follows -------------------------------------


def test_a_vote_and_a_comment_follow_the_amendment_but_never_undo_an_unfollow(
    manifesto,  # noqa: F811
    clause,  # noqa: F811
    supporter,
    other_supporter,
    follower,
):
    amendment = propose(manifesto, clause, supporter, "replace", "A better wording.", "")
    cast_vote_checked(manifesto, amendment.pk, other_supporter, "agree")
    assert is_following(other_supporter, amendment)
    Follow.objects.filter(user=other_supporter).update(active=False)  # turned off
    cast_vote_checked(manifesto, amendment.pk, other_supporter, "disagree")
    assert not is_following(other_supporter, amendment)
    comment(amendment, follower, "I agree with the aim.")
    assert is_following(follower, amendment)


def test_voters_whose_votes_are_reset_are_told_once_in_the_site_not_emailed_twice(
    manifesto,  # noqa: F811
    clause,  # noqa: F811
    supporter,
    other_supporter,
    mail_via_celery,
):
    amendment = propose(manifesto, clause, supporter, "replace", "A better wording.", "")
    cast_vote_checked(manifesto, amendment.pk, other_supporter, "agree")
    with mail_via_celery(), transaction.atomic():
        reset_votes(amendment)
    [row] = Notification.objects.filter(recipient=other_supporter, kind=Kind.VOTES_RESET)
    assert "your vote was cleared" in row.summary and row.url == amendment.url
    assert row.emailed_at is not None  # the manifesto's own email says it
    emails = [m for m in mail_via_celery.outbox if other_supporter.email in m.to]
    assert [m.subject for m in emails] == ["An amendment you voted on has changed"]


# --- Replies: the moderator's decision ------------------------------------------------


def test_a_moderators_decision_on_a_reply_tells_its_writer_once(
    home, supporter, moderator, mail_via_celery
):
    reply = PageReply.objects.create(page=home, author=supporter, body="Well said.")
    with mail_via_celery():
        reply.reject(moderator)
        reply.reject(moderator)  # a double click
    assert told(supporter, Kind.DECISION) == [f"Your reply on “{home.title}” was not published"]
    with mail_via_celery():
        reply.approve(moderator)
    assert f"Your reply on “{home.title}” is published" in told(supporter, Kind.DECISION)
    decisions = [m for m in mail_via_celery.outbox if "Your reply" in m.subject]
    assert len(decisions) == 2  # at once by default: one per decision


# --- Stories --------------------------------------------------------------------------


def test_a_published_story_reaches_followers_of_its_place_and_region_once(
    make_story, places, supporter, follower, other_supporter
):
    follow(follower, places["frome"])
    follow(other_supporter, region_target("south-west"))
    story = make_story(place=places["frome"], submitted_by=supporter, reference="S-1")
    story.save_revision().publish()  # published again: not news again
    assert len(told(follower, Kind.STORY_PUBLISHED)) == 1
    assert told(other_supporter, Kind.STORY_PUBLISHED) == [
        f"A new story from Frome: “{story.title}”"
    ]
    assert told(supporter, Kind.STORY_PUBLISHED) == []  # the sender hears as the sender
    assert told(supporter, Kind.DECISION) == [f"Your story “{story.title}” is published"]
    assert is_following(supporter, story)
    decision = Notification.objects.get(recipient=supporter, kind=Kind.DECISION)
    assert decision.emailed_at is not None  # stories emails the sender in its own words


def test_a_story_elsewhere_tells_nobody(make_story, places, follower):
    follow(follower, places["frome"])
    make_story(place=places["lancaster"])
    assert told(follower) == []


# --- Meetings -------------------------------------------------------------------------


def test_a_new_meeting_reaches_followers_of_its_constituency_and_region(
    make_meeting, frome, follower, other_supporter, supporter
):
    follow(follower, frome)
    follow(other_supporter, region_target(frome.region))
    follow(supporter, region_target("london"))
    meeting = make_meeting(title="Alliance assembly")
    assert len(told(follower, Kind.MEETING)) == 1
    assert "Alliance assembly" in told(other_supporter, Kind.MEETING)[0]
    assert told(supporter) == []
    meeting.save_revision().publish()  # republished unchanged: no news
    assert len(told(follower, Kind.MEETING)) == 1


def test_a_changed_or_cancelled_meeting_reaches_those_booked(make_meeting, supporter, follower):
    meeting = make_meeting(title="Alliance assembly")
    Booking.objects.create(
        meeting=meeting, user=supporter, name="Sam", email=supporter.email, status="confirmed"
    )
    meeting.start += timedelta(days=1)
    meeting.end += timedelta(days=1)
    meeting.save_revision().publish()
    assert told(supporter, Kind.MEETING)[0].startswith("Changed: Alliance assembly is now on")
    meeting.cancelled = True
    meeting.save_revision().publish()
    assert told(supporter, Kind.MEETING)[0].startswith("Cancelled: Alliance assembly")
    assert told(follower) == []


# --- Crowdfunds -----------------------------------------------------------------------


def test_a_milestone_reaches_the_crowdfunds_followers_once(home, follower):
    crowdfund = make_crowdfund(home, target_pence=10_000)
    follow(follower, crowdfund)
    for _ in range(2):  # a retried payment: the ledger's get_or_create finds the row
        Milestone.objects.get_or_create(
            crowdfund=crowdfund, kind="halfway", threshold_pence=5_000, total_pence_then=6_000
        )
    Milestone.objects.create(
        crowdfund=crowdfund, kind="target", threshold_pence=10_000, total_pence_then=10_000
    )
    assert told(follower, Kind.CROWDFUND) == [
        f"{crowdfund.title} reached its target of £100",
        f"{crowdfund.title} is halfway to its target of £100",
    ]


def test_a_milestone_in_a_rolled_back_payment_tells_nobody(home, follower):
    crowdfund = make_crowdfund(home, target_pence=10_000)
    follow(follower, crowdfund)
    with pytest.raises(RuntimeError), transaction.atomic():
        Milestone.objects.create(crowdfund=crowdfund, kind="halfway", threshold_pence=5_000)
        raise RuntimeError("the payment failed")
    assert told(follower) == []


def test_automatic_follows_are_one_statement(home, supporter, django_assert_num_queries):
    follow_automatically(supporter.pk, home)  # the content type is cached from here on
    with django_assert_num_queries(1):
        follow_automatically(supporter.pk, home)
    assert Follow.objects.filter(user=supporter).count() == 1


def test_a_kind_chosen_at_once_is_emailed_at_once(home, follower, mail_via_celery):
    crowdfund = make_crowdfund(home, target_pence=10_000)
    follow(follower, crowdfund)
    set_frequency(follower, Kind.CROWDFUND, Frequency.IMMEDIATELY)
    with mail_via_celery():
        Milestone.objects.create(crowdfund=crowdfund, kind="halfway", threshold_pence=5_000)
    assert [m.subject for m in mail_via_celery.outbox if follower.email in m.to] == [
        f"{crowdfund.title} is halfway to its target of £100"
    ]


def test_a_deadline_near_is_told_once_and_again_if_the_deadline_moves(home, follower):
    from django.utils import timezone

    from crowdfund.news import tell_followers_deadline_near

    crowdfund = make_crowdfund(home, target_pence=10_000)
    later = make_crowdfund(home, slug="later", target_pence=10_000)
    follow(follower, crowdfund)
    follow(follower, later)
    crowdfund.deadline = timezone.now() + timedelta(days=2)
    crowdfund.save_revision().publish()
    later.deadline = timezone.now() + timedelta(days=20)
    later.save_revision().publish()
    tell_followers_deadline_near.delay()
    tell_followers_deadline_near.delay()  # the next morning: told already
    [summary] = told(follower, Kind.CROWDFUND)
    assert summary.startswith(f"{crowdfund.title} closes on ")
    crowdfund.deadline = timezone.now() + timedelta(days=1)
    crowdfund.save_revision().publish()
    tell_followers_deadline_near.delay()
    assert len(told(follower, Kind.CROWDFUND)) == 2
