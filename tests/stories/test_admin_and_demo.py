"""Testing the admin screens editors use for stories, the demo content and personal data."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape
from wagtail.models import Site

from cms.accounts import delete_account, export_personal_data
from stories.models import StoriesIndexPage, StoryPage
from tests.stories.conftest import submit_url
from tests.support.demo_snapshot import load_demo_content


@pytest.fixture
def story_in_review(client, supporter, stories_index, story_form_data):
    client.force_login(supporter)
    client.post(submit_url(stories_index), story_form_data)
    client.logout()
    return StoryPage.objects.get()


def test_editors_see_every_story_with_its_many_links_flag(client, editor, story_in_review):
    client.force_login(editor)
    response = client.get(reverse("stories:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(story_in_review.title) in html
    assert "Many links" in html
    assert re.search(r"<td[^>]*>\s*Frome\s*</td>", html)
    assert re.search(r"<td[^>]*>\s*Stand-aside\s*</td>", html)
    assert story_in_review.reference in html


def test_editors_manage_places_and_story_settings(client, editor, places, home):
    client.force_login(editor)
    assert client.get(reverse("wagtailsnippets_stories_place:list")).status_code == 200
    assert "Frome" in client.get(reverse("wagtailsnippets_stories_place:list")).content.decode()
    site = Site.objects.get(is_default_site=True)
    settings_url = reverse("wagtailsettings:edit", args=["stories", "storysettings", site.pk])
    assert client.get(settings_url).status_code == 200


def test_moderators_find_stories_awaiting_review_on_their_dashboard(
    client, moderator, story_in_review
):
    client.force_login(moderator)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert escape(story_in_review.title) in html


def test_the_review_tab_shows_contact_details_only_in_the_admin(client, editor, story_in_review):
    client.force_login(editor)
    html = client.get(reverse("wagtailadmin_pages:edit", args=(story_in_review.pk,))).content
    assert b"group@example.org" in html
    story_in_review.get_latest_revision().publish(user=editor)
    client.logout()
    story_in_review.refresh_from_db()
    assert b"group@example.org" not in client.get(story_in_review.url).content


def test_personal_data_export_lists_a_persons_stories_and_deletion_forgets_the_email(
    supporter, story_in_review
):
    story_in_review.contact_email = supporter.email
    story_in_review.save()
    exported = export_personal_data(supporter)["stories"]
    assert [item["reference"] for item in exported] == [story_in_review.reference]

    delete_account(supporter)

    story_in_review.refresh_from_db()
    assert story_in_review.submitted_by is None
    assert story_in_review.contact_email == ""


def test_demo_has_published_stories_and_one_awaiting_review(db, client):
    load_demo_content()
    index = StoriesIndexPage.objects.get()
    stories = StoryPage.objects.child_of(index)
    assert stories.live().count() >= 6
    pending = stories.filter(live=False).get()
    assert pending.workflow_in_progress
    response = client.get(index.url)
    assert response.status_code == 200
    assert pending.title not in response.content.decode()
    assert client.get(index.url + "at-a-glance/").status_code == 200


def test_the_admin_story_list_makes_as_many_queries_for_many_stories_as_for_few(
    client, editor, make_story, places
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("stories:index")).status_code == 200
        return len(captured)

    client.force_login(editor)
    for number in range(3):
        make_story(place=places["lancaster"], body=f"Few {number}. " * 40)
    client.get(reverse("stories:index"))
    few = queries()
    for number in range(15):
        make_story(place=places["frome"], body=f"Many {number}. " * 40)
    client.get(reverse("stories:index"))  # new pages drop the site-wide cache entry: refill it
    assert queries() == few
