"""Testing that the public story form turns a story into a draft in review, and nothing more."""

import pytest
from wagtail.models import Site, WorkflowState

from stories.models import StoryPage, StorySettings
from tests.stories.conftest import submit_url


def post_story(client, index, data, **files):
    return client.post(submit_url(index), {**data, **files})


def test_valid_submission_creates_one_draft_in_review_and_one_email(
    client, supporter, stories_index, story_form_data, mail_via_celery
):
    client.force_login(supporter)
    with mail_via_celery():
        response = post_story(client, stories_index, story_form_data)

    assert response.status_code == 302
    story = StoryPage.objects.get()
    assert not story.live
    assert story.get_parent().pk == stories_index.pk
    assert story.submitted_by == supporter
    assert story.contact_email == "group@example.org"
    assert story.reference.startswith("STORY-")
    assert story.revisions.count() == 1
    state = WorkflowState.objects.get(object_id=str(story.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == "Story review"
    sent_to_sender = [m for m in mail_via_celery.outbox if m.to == ["group@example.org"]]
    assert len(sent_to_sender) == 1
    assert story.reference in sent_to_sender[0].subject
    assert story.reference in sent_to_sender[0].body
    thanks = client.get(response["Location"])
    assert story.reference in thanks.content.decode()


def test_a_story_in_review_is_nowhere_in_public(
    client, supporter, stories_index, story_form_data, mail_via_celery
):
    client.force_login(supporter)
    with mail_via_celery():
        post_story(client, stories_index, story_form_data)
    story = StoryPage.objects.get()
    client.logout()

    assert client.get(story.url or f"{stories_index.url}{story.slug}/").status_code == 404
    assert story.title not in client.get(stories_index.url).content.decode()
    assert story.title not in client.get(stories_index.url, {"q": "pub"}).content.decode()
    assert story.title not in client.get("/search/", {"query": "Frome"}).content.decode()
    feed = client.get(stories_index.url + stories_index.reverse_subpage("feed"))
    assert feed.status_code == 200
    assert story.title not in feed.content.decode()


def test_sender_without_an_account_is_asked_to_sign_in_by_default(
    client, stories_index, story_form_data
):
    page = client.get(submit_url(stories_index))
    assert "sign in" in page.content.decode()
    response = post_story(client, stories_index, story_form_data)
    assert response.status_code == 403
    assert not StoryPage.objects.exists()


def test_unverified_account_may_not_send_a_story(
    client, unverified, stories_index, story_form_data
):
    client.force_login(unverified)
    assert post_story(client, stories_index, story_form_data).status_code == 403
    assert not StoryPage.objects.exists()


def test_anyone_with_an_email_may_send_when_the_site_setting_allows(
    client, stories_index, story_form_data, mail_via_celery
):
    story_settings = StorySettings.for_site(Site.objects.get(is_default_site=True))
    story_settings.allow_anonymous_submissions = True
    story_settings.save()

    with mail_via_celery():
        response = post_story(client, stories_index, story_form_data)

    assert response.status_code == 302
    story = StoryPage.objects.get()
    assert story.submitted_by is None
    assert not story.live
    assert [m.to for m in mail_via_celery.outbox] == [["group@example.org"]]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "This field is required"),
        ("place", "", "This field is required"),
        ("body", "Too short.", "at least 200 characters"),
        ("body", "x" * 9000, "at most 8000 characters"),
        ("contact_email", "not-an-email", "valid email"),
        ("consent", "", "only publish your story with your agreement"),
    ],
)
def test_an_error_is_shown_next_to_its_field_and_what_was_typed_stays(
    client, supporter, stories_index, story_form_data, field, value, message
):
    client.force_login(supporter)
    data = {**story_form_data, field: value}
    response = post_story(client, stories_index, data)

    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    html = response.content.decode()
    assert f'aria-describedby="id_{field}_error"' in html or f"id_{field}_error" in html
    assert html.index(f'id="id_{field}"') < html.index(message.replace("'", "&#x27;"))
    assert "Frome Together" in html  # what they typed elsewhere is still there
    assert "back room of a pub" in html or field == "body"
    assert not StoryPage.objects.exists()


def test_the_receipt_email_quotes_nothing_the_sender_typed(
    client, stories_index, story_form_data, mail_via_celery
):
    """With anonymous submissions the address is unverified: the email must not relay text."""
    story_settings = StorySettings.for_site(Site.objects.get(is_default_site=True))
    story_settings.allow_anonymous_submissions = True
    story_settings.save()
    data = {**story_form_data, "title": "Cheap pills at spam.example", "group_name": "Buy now"}

    with mail_via_celery():
        post_story(client, stories_index, data)

    (message,) = mail_via_celery.outbox
    assert "spam.example" not in message.subject + message.body
    assert "Buy now" not in message.body
    assert StoryPage.objects.get().reference in message.body
