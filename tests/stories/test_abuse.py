"""Testing that the story form resists floods, bots, duplicates, link spam and markup."""

import xml.etree.ElementTree as ET

from wagtail.models import Site

from stories.models import StoryPage, StorySettings
from tests.conftest import SUPPORTERS, make_user
from tests.stories.conftest import set_story_limits, submit_url


def variant(data, number):
    """The same form with a different text, so the duplicate check does not interfere."""
    return {**data, "body": f"Version {number}. " + data["body"], "title": f"Story {number}"}


def allow_anonymous():
    story_settings = StorySettings.for_site(Site.objects.get(is_default_site=True))
    story_settings.allow_anonymous_submissions = True
    story_settings.save()


def test_the_honeypot_stops_a_bot_and_says_so(client, supporter, stories_index, story_form_data):
    client.force_login(supporter)
    response = client.post(submit_url(stories_index), {**story_form_data, "website": "buy.example"})

    assert response.status_code == 200
    assert "This form could not be accepted" in response.content.decode()
    assert not StoryPage.objects.exists()


def test_the_per_account_rate_limit_stops_a_flood_and_keeps_what_was_typed(
    client, supporter, stories_index, story_form_data, settings
):
    set_story_limits(submit_rate_per_account="2/h")
    client.force_login(supporter)
    statuses = [
        client.post(submit_url(stories_index), variant(story_form_data, n)).status_code
        for n in range(4)
    ]

    assert statuses == [302, 302, 429, 429]
    assert StoryPage.objects.count() == 2
    response = client.post(submit_url(stories_index), variant(story_form_data, 9))
    html = response.content.decode()
    assert "sent several stories in a short time" in html
    assert "Version 9." in html  # the story they typed is still in the form
    assert "choose your photos again" in html


def test_the_per_address_rate_limit_stops_a_flood_from_many_accounts(
    client, stories_index, story_form_data, settings, db
):
    set_story_limits(submit_rate_per_ip="3/h")
    statuses = []
    for n in range(5):
        client.force_login(make_user(f"flood{n}@example.com", SUPPORTERS))
        statuses.append(
            client.post(submit_url(stories_index), variant(story_form_data, n)).status_code
        )
    assert statuses == [302, 302, 302, 429, 429]
    assert StoryPage.objects.count() == 3


def test_anonymous_flood_is_limited_by_address(client, stories_index, story_form_data, settings):
    allow_anonymous()
    set_story_limits(submit_rate_per_ip="2/h")
    statuses = [
        client.post(submit_url(stories_index), variant(story_form_data, n)).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]


def test_the_same_text_twice_is_refused_even_with_other_spacing_and_capitals(
    client, supporter, other_supporter, stories_index, story_form_data
):
    client.force_login(supporter)
    assert client.post(submit_url(stories_index), story_form_data).status_code == 302

    client.force_login(other_supporter)
    again = {
        **story_form_data,
        "title": "Another title",
        "body": "  " + story_form_data["body"].upper().replace(" ", "   ") + "!! ",
    }
    response = client.post(submit_url(stories_index), again)

    assert response.status_code == 200
    assert "already have a story with exactly this text" in " ".join(
        response.context["form"].errors["body"]
    )
    assert StoryPage.objects.count() == 1


def test_a_story_with_many_links_is_flagged_for_editors(
    client, supporter, stories_index, story_form_data, settings
):
    set_story_limits(many_links_threshold=3)
    client.force_login(supporter)
    links = " ".join(f"https://spam{n}.example/offer" for n in range(3))
    client.post(
        submit_url(stories_index), {**story_form_data, "body": story_form_data["body"] + links}
    )
    client.post(submit_url(stories_index), variant(story_form_data, 2))

    flagged = dict(StoryPage.objects.values_list("title", "has_many_links"))
    assert flagged == {story_form_data["title"]: True, "Story 2": False}


HOSTILE = '<script>alert("x")</script><b onmouseover="steal()">bold</b>'


def test_markup_in_any_field_is_shown_as_text_never_run(
    client, supporter, editor, stories_index, story_form_data
):
    client.force_login(supporter)
    data = {
        **story_form_data,
        "title": "Title " + HOSTILE,
        "group_name": "Group " + HOSTILE,
        "election": "Election " + HOSTILE,
        "body": story_form_data["body"] + "\n\n" + HOSTILE + " javascript:alert(1)",
    }
    assert client.post(submit_url(stories_index), data).status_code == 302
    story = StoryPage.objects.get()
    story.get_latest_revision().publish(user=editor)
    story.refresh_from_db()
    client.logout()

    for url in [story.url, stories_index.url]:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "<b onmouseover" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    story_html = client.get(story.url).content.decode()
    assert 'href="javascript:' not in story_html
    assert '<a href="https://example.org/frome" rel="nofollow ugc noopener">' in story_html
    feed = ET.fromstring(client.get(stories_index.url + "feed/").content)  # noqa: S314
    atom = {"atom": "http://www.w3.org/2005/Atom"}
    summary = feed.find("atom:entry/atom:summary", atom)
    assert summary.get("type") == "html"
    # After XML decoding the summary is HTML in which the markup is still escaped text.
    assert "&lt;script&gt;" in summary.text
    assert "<script" not in summary.text
    assert feed.find("atom:entry/atom:title", atom).text.startswith("Title <script>")
