"""Testing who may send a story, the pure text rules, and the database's duplicate guard."""

import pytest
from django.contrib.auth.models import AnonymousUser
from hypothesis import given
from hypothesis import strategies as st
from wagtail.models import Site

from cms.models import Party
from stories import text
from stories.models import StoryPage, StorySettings
from stories.submission import DuplicateStory, submit_story


@pytest.mark.parametrize("anonymous_allowed", [False, True])
@pytest.mark.parametrize(
    ("who", "may_send_when_closed"),
    [
        ("anonymous", False),
        ("unverified", False),
        ("supporter", True),
        ("moderator", True),
        ("editor", True),
    ],
)
def test_who_may_send_a_story(request, db, who, may_send_when_closed, anonymous_allowed):
    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    story_settings = StorySettings.for_site(Site.objects.get(is_default_site=True))
    story_settings.allow_anonymous_submissions = anonymous_allowed
    expected = may_send_when_closed or anonymous_allowed
    assert user.has_perm("stories.submit_story", story_settings) is expected


def test_fingerprint_ignores_case_spacing_and_punctuation_but_not_words():
    one = text.fingerprint("We stood   aside, and WON!")
    assert one == text.fingerprint("we stood aside and won")
    assert one != text.fingerprint("We stood aside, and lost!")
    assert text.fingerprint("  ... ") == ""


def test_links_are_counted_and_rendered_safely():
    body = "See https://a.example/x and www.b.example.\n\n<i>hi</i> javascript:alert(1)"
    assert text.count_links(body) == 2
    html = str(text.render_story_text(body))
    assert '<a href="https://a.example/x" rel="nofollow ugc noopener">' in html
    assert "&lt;i&gt;hi&lt;/i&gt;" in html
    assert 'href="javascript' not in html
    assert html.count("<p>") == 2


def test_the_database_refuses_a_duplicate_that_slipped_past_the_form(
    stories_index, places, supporter
):
    data = {
        "title": "Twice",
        "group_name": "Twins",
        "place": places["frome"],
        "parties": Party.objects.filter(slug="green"),
        "arrangement": "other",
        "election": "",
        "year": 2020,
        "outcome": "ongoing",
        "body": "Exactly the same words, sent twice at the same moment. " * 5,
        "contact_email": "twins@example.org",
        "consent": True,
    }
    submit_story(stories_index, data, user=supporter)
    with pytest.raises(DuplicateStory):
        submit_story(stories_index, {**data, "title": "Twice again"}, user=supporter)
    assert StoryPage.objects.count() == 1


def test_changing_a_places_region_moves_its_stories(make_story, places):
    story = make_story(place=places["frome"])
    places["frome"].region = "wales"
    places["frome"].save()
    story.refresh_from_db()
    assert story.region == "wales"


def test_a_story_titled_like_a_sub_page_gets_another_address(stories_index, places, supporter):
    from stories.submission import unique_slug

    assert unique_slug(stories_index, "Feed") == "feed-2"
    assert unique_slug(stories_index, "Share!") == "share-2"
    assert unique_slug(stories_index, "Our feed story") == "our-feed-story"


@given(
    words=st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=8), min_size=1, max_size=12),
    separators=st.lists(st.sampled_from([" ", "  ", "\n", ", ", ". ", " - "]), min_size=12),
)
def test_fingerprint_is_the_same_whatever_the_spacing_punctuation_and_case(words, separators):
    plain = " ".join(words)
    decorated = "".join(word + separators[position] for position, word in enumerate(words))
    assert text.fingerprint(decorated.upper()) == text.fingerprint(plain)
