"""Hostile markup that is accepted and stored is shown as text, never run.

Each test sends markup through the real public form (as a supporter would), lets it
through moderation or payment the way the product does, then reads the page that shows
it with an HTML parser: no element, on* attribute, javascript: link or script body may
come from what was typed, and the typed text must be there, escaped.
"""

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from cms.models import PageReply
from cms.moderation import ModerationStatus
from crowdfund.models import Donation, DonationStatus
from manifesto.models import Amendment, AmendmentComment
from stories.models import StoryPage
from tests.security.conftest import live_markup
from tests.security.corpus import MARKER, MARKUP

# Every markup value of the corpus in one text (each carries MARKER).
ALL_MARKUP = "\n\n".join(value.value for value in MARKUP)
SHORT_MARKUP = f"\"><svg onload=alert('{MARKER}')>"  # fits a 60-character name


def shown_safely(client, url, where):
    cache.clear()
    response = client.get(url)
    assert response.status_code == 200, f"{where}: {response.status_code}"
    found = live_markup(response.content.decode())
    assert not found.live, f"{where} runs what was typed: {found.live}"
    assert found.text, f"{where} does not show what was typed"
    return response


@pytest.fixture
def supporter_client(on_world):
    client = Client(raise_request_exception=False)
    client.force_login(on_world.users["supporter"])
    return client


def test_a_reply_and_its_author_name_show_markup_as_text(on_world, supporter_client):
    supporter_client.post(
        "/account/",
        {"display_name": SHORT_MARKUP, "first_name": "", "last_name": "", "home_area": ""},
    )
    post = on_world.pages["blog_post"]
    response = supporter_client.post(post.url, {"body": ALL_MARKUP[:5000], "website": ""})
    assert response.status_code == 302
    PageReply.objects.filter(page=post).update(status=ModerationStatus.APPROVED)
    page = shown_safely(Client(), post.url, "the blog post's replies")
    assert SHORT_MARKUP not in page.content.decode()  # the name is escaped, not raw
    shown_safely(supporter_client, "/account/", "the profile form")


def test_an_amendment_and_its_comment_show_markup_as_text(on_world, supporter_client):
    manifesto = on_world.pages["manifesto"]
    response = supporter_client.post(
        f"{manifesto.url}clause/{on_world.clause_key}/propose/",
        {"kind": "replace", "text": ALL_MARKUP[:3000], "reason": ALL_MARKUP[:2000]},
    )
    assert response.status_code == 302, response.content[:500]
    amendment = Amendment.objects.filter(page=manifesto).latest("pk")
    url = f"{manifesto.url}amendment/{amendment.pk}/"
    response = supporter_client.post(f"{url}comment/", {"body": ALL_MARKUP})
    assert response.status_code == 302
    AmendmentComment.objects.filter(amendment=amendment).update(status=ModerationStatus.APPROVED)
    shown_safely(Client(), url, "the amendment page (diff, reason, comment)")
    shown_safely(Client(), f"{manifesto.url}clause/{on_world.clause_key}/", "the clause page")


def test_a_new_version_shows_markup_as_text_in_the_text_history_and_print(on_world):
    manifesto = on_world.pages["manifesto"]
    editor = Client(raise_request_exception=False)
    editor.force_login(on_world.users["editor"])
    response = editor.post(
        f"{manifesto.url}edit/",
        {
            f"clause-{on_world.clause_key}": ALL_MARKUP,
            "new_text": ALL_MARKUP,
            "new_section": SHORT_MARKUP,
            "note": SHORT_MARKUP,
        },
    )
    assert response.status_code == 302
    number = manifesto.current_version.number
    shown_safely(Client(), manifesto.url, "the manifesto text")
    shown_safely(Client(), f"{manifesto.url}history/compare/?from=1&to={number}", "the word diff")
    shown_safely(Client(), f"{manifesto.url}history/", "the history")
    shown_safely(Client(), f"{manifesto.url}print/", "the print version")


def test_a_donor_name_and_message_show_markup_as_text_on_the_wall(
    on_world,
    stripe_standin,
):
    crowdfund = on_world.pages["crowdfund"]
    response = Client().post(
        crowdfund.url + crowdfund.reverse_subpage("donate"),
        {
            "amount": "25",
            "frequency": "one_off",
            "name": SHORT_MARKUP,
            "email": "donor@example.com",
            "message": ALL_MARKUP[:500],
            "show_name": "on",
        },
    )
    assert response.status_code == 303
    Donation.objects.filter(crowdfund=crowdfund).update(
        status=DonationStatus.PAID, paid_at=timezone.now()
    )
    shown_safely(Client(), crowdfund.url, "the donor wall")


def test_a_shared_story_shows_markup_as_text_once_published(on_world, supporter_client):
    from tests.security.test_hostile_input import story_data

    index = on_world.pages["stories_index"]
    body = ALL_MARKUP + "\n\n" + "We worked together. " * 10
    response = supporter_client.post(
        index.url + index.reverse_subpage("submit"),
        {
            **story_data(on_world),
            "title": SHORT_MARKUP,
            "group_name": SHORT_MARKUP,
            "election": SHORT_MARKUP,
            "body": body,
        },
    )
    assert response.status_code == 302, response.content[:500]
    story = StoryPage.objects.get(group_name=SHORT_MARKUP)
    story.get_latest_revision().publish()
    story.refresh_from_db()
    shown_safely(Client(), story.url, "the story page")
    shown_safely(Client(), index.url, "the story library")
    shown_safely(Client(), f"{index.url}?q=alert", "the library's search results")


def test_the_checker_itself_sees_live_markup():
    """The parser flags what a browser would run, so the tests above cannot pass blindly."""
    assert live_markup(f"<p>{ALL_MARKUP}</p>").live
    assert live_markup(f'<a href="javascript:alert(1)">{MARKER}</a>').live
    assert live_markup(f"<script>alert('{MARKER}')</script>").live
    escaped = live_markup(f"<p>&lt;script&gt;alert('{MARKER}')&lt;/script&gt;</p>")
    assert not escaped.live and escaped.text
