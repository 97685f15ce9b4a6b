"""Testing that stories sent at the same moment are all kept, and duplicates still refused.

Only PostgreSQL has the row locks and real concurrent transactions this needs.
"""

import threading

import pytest
from django.db import connection

from cms.models import Party
from stories.models import StoryPage
from stories.submission import DuplicateStory, submit_story
from tests.conftest import postgres_only


def story_data(places, body):
    return {
        "title": "At the same moment",
        "group_name": "Racers",
        "place": places["frome"],
        "parties": Party.objects.filter(slug="green"),
        "arrangement": "other",
        "election": "",
        "year": 2021,
        "outcome": "ongoing",
        "body": body,
        "contact_email": "racers@example.org",
        "consent": True,
    }


def submit_together(stories_index, datas):
    barrier = threading.Barrier(len(datas))
    outcomes = []

    def send(data):
        try:
            barrier.wait()
            submit_story(stories_index, data)
            outcomes.append("created")
        except DuplicateStory:
            outcomes.append("duplicate")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(data,)) for data in datas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_stories_sent_at_the_same_moment_are_all_kept(stories_index, places):
    datas = [story_data(places, f"Story {n} of a race between senders. " * 8) for n in range(4)]
    assert submit_together(stories_index, datas) == ["created"] * 4
    assert StoryPage.objects.count() == 4
    assert len(set(StoryPage.objects.values_list("path", flat=True))) == 4


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_story_sent_twice_at_once_is_kept_once(stories_index, places):
    body = "Exactly the same story, sent from two tabs at once. " * 6
    outcomes = submit_together(stories_index, [story_data(places, body)] * 2)
    assert outcomes == ["created", "duplicate"]
    assert StoryPage.objects.count() == 1
