"""Testing that editors and moderators review stories through the Wagtail workflow.

Approval publishes; "Request changes" tells the sender why; in between, nothing is public.
"""

import pytest
from django.urls import reverse
from wagtail.models import TaskState, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from stories.models import StoryPage
from tests.stories.conftest import submit_url


@pytest.fixture
def story_in_review(client, supporter, stories_index, story_form_data):
    client.force_login(supporter)
    assert client.post(submit_url(stories_index), story_form_data).status_code == 302
    client.logout()
    return StoryPage.objects.get()


def current_task_state(story):
    return WorkflowState.objects.get(object_id=str(story.pk)).current_task_state


def workflow_action_url(story, action):
    return reverse(
        "wagtailadmin_pages:workflow_action",
        args=(story.pk, action, current_task_state(story).pk),
    )


def is_public(client, story):
    client.logout()
    story.refresh_from_db()
    url = story.url or f"/stories/{story.slug}/"
    return client.get(url).status_code == 200


@pytest.mark.parametrize("reviewer", ["moderator", "editor"])
def test_approving_publishes_the_story_and_tells_the_sender(
    client, request, story_in_review, mail_via_celery, reviewer
):
    assert not is_public(client, story_in_review)
    client.force_login(request.getfixturevalue(reviewer))
    assert (
        client.get(reverse("wagtailadmin_pages:edit", args=(story_in_review.pk,))).status_code
        == 200
    )

    with mail_via_celery():
        response = client.post(workflow_action_url(story_in_review, "approve"), {"comment": ""})

    assert response.status_code in (200, 302)
    story_in_review.refresh_from_db()
    assert story_in_review.live
    assert current_task_state(story_in_review).status == TaskState.STATUS_APPROVED
    assert is_public(client, story_in_review)
    published = [m for m in mail_via_celery.outbox if m.to == ["group@example.org"]]
    assert len(published) == 1
    assert "published" in published[0].subject


@pytest.mark.parametrize("reviewer", ["moderator", "editor"])
def test_requesting_changes_tells_the_sender_the_reason_and_publishes_nothing(
    client, request, story_in_review, mail_via_celery, reviewer
):
    client.force_login(request.getfixturevalue(reviewer))
    reason = "Please leave out the candidate's home address & phone number."

    with mail_via_celery():
        client.post(workflow_action_url(story_in_review, "reject"), {"comment": reason})

    state = WorkflowState.objects.get(object_id=str(story_in_review.pk))
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    sent = [m for m in mail_via_celery.outbox if m.to == ["group@example.org"]]
    assert len(sent) == 1
    assert reason in sent[0].body
    assert story_in_review.reference in sent[0].body
    assert not is_public(client, story_in_review)
    assert story_in_review.title not in client.get("/stories/").content.decode()


@pytest.mark.parametrize("who", ["supporter", "other_supporter"])
def test_supporters_cannot_approve_their_own_or_others_stories(
    client, request, story_in_review, who
):
    client.force_login(request.getfixturevalue(who))
    response = client.post(workflow_action_url(story_in_review, "approve"), {"comment": ""})
    assert response.status_code in (302, 403)
    story_in_review.refresh_from_db()
    assert not story_in_review.live


def test_an_editor_can_correct_a_story_before_approving_it(client, editor, story_in_review, places):
    client.force_login(editor)
    story = story_in_review
    data = nested_form_data(
        {
            "title": "Frome: a stand-aside that worked",
            "slug": story.slug,
            "group_name": story.group_name,
            "place": places["frome"].pk,
            "arrangement": "stand-aside",
            "election": "2019 general election",
            "year": 2019,
            "outcome": "won",
            "body": story.body.replace("pub", "community hall"),
            "photos": inline_formset([]),
            "contact_email": story.contact_email,
            "consent_to_publish": "on",
            "comments": inline_formset([]),
        }
    )
    data["parties"] = [str(pk) for pk in story.parties.values_list("pk", flat=True)]
    response = client.post(reverse("wagtailadmin_pages:edit", args=(story.pk,)), data)
    assert response.status_code == 302, response.context["form"].errors
    assert not is_public(client, story)  # saving a draft publishes nothing

    client.force_login(editor)
    client.post(workflow_action_url(story, "approve"), {"comment": ""})

    story.refresh_from_db()
    assert story.live
    html = client.get(story.url).content.decode()
    assert "Frome: a stand-aside that worked" in html
    assert "community hall" in html


def test_declining_tells_the_sender_the_story_will_not_be_published(
    client, editor, story_in_review, mail_via_celery
):
    client.force_login(editor)
    reason = "This reads as an advert for one party rather than a story of an alliance."

    with mail_via_celery():
        client.post(workflow_action_url(story_in_review, "decline"), {"comment": reason})

    story_in_review.refresh_from_db()
    assert story_in_review.review_decision == "declined"
    assert not story_in_review.live
    sent = [m for m in mail_via_celery.outbox if m.to == ["group@example.org"]]
    assert len(sent) == 1
    assert "will not be published" in sent[0].subject
    assert reason in sent[0].body
    assert not is_public(client, story_in_review)


def test_declining_needs_a_reason(client, editor, story_in_review, mail_via_celery):
    client.force_login(editor)
    with mail_via_celery():
        client.post(workflow_action_url(story_in_review, "decline"), {"comment": ""})
    assert current_task_state(story_in_review).status == TaskState.STATUS_IN_PROGRESS
    assert not [m for m in mail_via_celery.outbox if m.to == ["group@example.org"]]
