"""Testing the follow buttons on every followable page with the page cache on, "Your
activity", the dashboard's queues and the moderators' digest."""

# ruff: noqa: F811 (fixtures from the apps' own conftest modules, imported by name)

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from cms.dashboard import waiting_for
from cms.models import NavigationSettings, OutgoingEmail, PageReply
from crowdfund.models import Donation
from local.models import ConstituencyIndexPage
from manifesto.actions import cast_vote_checked, propose
from meetings.models import Booking, MeetingIndexPage
from notifications import moderators
from notifications.following import follow, region_target
from notifications.kinds import Frequency, Kind
from notifications.models import Notification
from notifications.notify import notify
from notifications.preferences import set_frequency, stop_emails
from tests.cms.conftest import publish_child
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

PERSONAL = ("Stop following", "You follow", "unread", "Sam")


@pytest.fixture
def page_cache_on(settings, home):
    settings.PAGE_CACHE_SECONDS = 600
    NavigationSettings.for_site(home.get_site())  # created on first use, which purges


@pytest.fixture
def followable_pages(home, manifesto, clause, make_story, places, frome):
    """(address, the thing its follow button names) for each kind of followable page."""
    story = make_story(place=places["frome"])
    crowdfund = make_crowdfund(home, target_pence=10_000)
    constituencies = publish_child(
        home, ConstituencyIndexPage(title="Constituencies", slug="constituencies")
    )
    meetings = publish_child(home, MeetingIndexPage(title="Meetings", slug="meetings"))
    return [
        (manifesto.url, manifesto),
        (clause.url, clause),
        (story.url, story),
        (story.url, story.place),
        (crowdfund.url, crowdfund),
        (f"{constituencies.url}{frome.slug}/", frome),
        (f"{constituencies.url}{frome.slug}/", region_target(frome.region)),
        (f"{meetings.url}?region={frome.region}", region_target(frome.region)),
        (f"{meetings.url}?constituency={frome.slug}", frome),
        (f"{home.url}", None),  # the home page: the header's unread count only
    ]


def _personal_bits(html: str) -> list[str]:
    return [bit for bit in PERSONAL if bit in html]


def test_follow_buttons_and_unread_counts_never_reach_the_shared_cache(
    page_cache_on, followable_pages, supporter
):
    notify([supporter.pk], kind=Kind.REPLY, key="reply:1", summary="Hello")
    signed_in = Client()
    signed_in.force_login(supporter)
    pages = {}
    for address, target in followable_pages:
        pages.setdefault(address, []).append(target)
    for address, targets in pages.items():
        for target in filter(None, targets):
            follow(supporter, target)
        mine = signed_in.get(address)
        assert mine.status_code == 200, address
        assert "X-Page-Cache" not in mine, address
        html = mine.content.decode()
        assert "unread" in html, address
        assert html.count("Stop following") == len(list(filter(None, targets))), address
        anonymous = Client()
        first, second = anonymous.get(address), anonymous.get(address)
        assert first["X-Page-Cache"] == "miss", address  # the signed-in visit stored nothing
        assert second["X-Page-Cache"] == "hit", address
        for response in (first, second):
            html = response.content.decode()
            assert _personal_bits(html) == [], address
            assert html.count("(you will be asked to sign in)") == len(
                list(filter(None, targets))
            ), address
        # and the other way round: the shared parts an anonymous visit filled hide nothing
        html = signed_in.get(address).content.decode()
        assert html.count("Stop following") == len(list(filter(None, targets))), address


def test_a_follow_button_follows_and_unfollows_without_javascript(client, supporter, frome, home):
    constituencies = publish_child(
        home, ConstituencyIndexPage(title="Constituencies", slug="constituencies")
    )
    address = f"{constituencies.url}{frome.slug}/"
    client.force_login(supporter)
    html = client.get(address).content.decode()
    token = html.split('name="target" value="')[1].split('"')[0]
    response = client.post(
        reverse("notifications:follow"), {"target": token, "action": "follow", "next": address}
    )
    assert response.status_code == 302 and response["Location"] == address
    assert "Stop following" in client.get(address).content.decode()
    client.post(reverse("notifications:follow"), {"target": token, "action": "unfollow"})
    assert "Stop following" not in client.get(address).content.decode()


# --- Your activity ----------------------------------------------------------------------


def test_activity_needs_signing_in(client):
    response = client.get(reverse("notifications:activity"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_activity_has_an_empty_state_for_each_section(client, supporter):
    client.force_login(supporter)
    html = client.get(reverse("notifications:activity")).content.decode()
    for words in (
        "You have not proposed an amendment yet.",
        "You have not voted on an amendment yet.",
        "You have not sent in a story yet.",
        "No gifts with your email address yet.",
        "You have not booked a place at a meeting yet.",
        "You follow nothing yet.",
    ):
        assert words in html
    assert 'href="/account/activity/"' in client.get(reverse("profile")).content.decode()


def test_activity_lists_amendments_votes_stories_gifts_meetings_and_follows(
    client,
    manifesto,
    clause,
    supporter,
    other_supporter,
    make_story,
    make_meeting,
    home,
    django_assert_max_num_queries,
):
    mine = propose(manifesto, clause, supporter, "replace", "A better wording.", "")
    theirs = propose(manifesto, clause, other_supporter, "replace", "Another wording.", "")
    cast_vote_checked(manifesto, theirs.pk, supporter, "agree")
    make_story(title="How Frome stood aside", submitted_by=supporter, reference="S-9")
    crowdfund = make_crowdfund(home, target_pence=10_000)
    Donation.objects.create(
        crowdfund=crowdfund,
        amount_pence=2_500,
        name="Sam Smith",
        email=supporter.email.upper(),
        status="paid",
    )
    Donation.objects.create(
        crowdfund=crowdfund, amount_pence=9_900, name="Someone", email="else@example.com"
    )
    meeting = make_meeting(title="Alliance assembly")
    Booking.objects.create(
        meeting=meeting, user=supporter, name="Sam", email=supporter.email, status="confirmed"
    )
    client.force_login(supporter)
    with django_assert_max_num_queries(25):
        html = client.get(reverse("notifications:activity")).content.decode()
    assert f"Amendment {mine.pk} to " in html and "Published" in html
    assert "1 vote: 1 agree, 0 disagree, 0 pass" in html and f"Amendment {theirs.pk}" in html
    assert "How Frome stood aside" in html
    assert "£25.00 to " in html and "£99.00" not in html
    assert "Alliance assembly" in html and "confirmed" in html
    assert "You follow 3 things" in html  # own amendment, voted amendment, own story


# --- The dashboard and the moderators' digest -------------------------------------------


def test_every_queue_is_on_the_dashboard_with_a_link(client, moderator):
    labels = {item.plural for item in waiting_for(moderator)}
    assert {
        "amendments to screen",
        "amendments reported by supporters",
        "amendment comments awaiting moderation",
        "replies awaiting moderation",
        "stories in review",
        "proposed meetings to review",
        "reported messages to look at",
    } <= labels
    urls = {item.url for item in waiting_for(moderator)}
    assert reverse("wagtailsnippets_local_abusereport:list") + "?resolved=false" in urls
    assert reverse("wagtailadmin_reports:workflow") in urls
    client.force_login(moderator)
    assert "Waiting for moderators" in client.get("/admin/").content.decode()


def test_the_moderators_digest_goes_once_a_day_only_when_something_waits(
    home, moderator, editor, supporter
):
    today = datetime.date(2026, 12, 8)  # a Tuesday
    assert moderators.send_moderators_digests(today) == 0  # nothing waits: no email
    PageReply.objects.create(page=home, author=supporter, body="Please approve me.")
    assert moderators.send_moderators_digests(today) == 2  # the moderator and the editor
    assert moderators.send_moderators_digests(today) == 0  # a retried run sends nothing more
    emails = [row.payload for row in OutgoingEmail.objects.all()]
    assert sorted(email["to"][0] for email in emails) == sorted([moderator.email, editor.email])
    mail = next(email for email in emails if email["to"] == [moderator.email])
    assert mail["subject"] == "Waiting for moderators: 1 item"
    assert "1 reply awaiting moderation" in mail["body"]
    assert "/admin/snippets/cms/pagereply/?status=pending" in mail["body"]
    assert mail["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Notification.objects.filter(recipient=supporter).count() == 0  # supporters: never
    assert moderators.send_moderators_digests(today + datetime.timedelta(days=1)) == 2


def test_a_moderator_can_turn_the_digest_off_or_to_mondays(home, moderator, supporter):
    PageReply.objects.create(page=home, author=supporter, body="Please approve me.")
    tuesday, monday = datetime.date(2026, 12, 8), datetime.date(2026, 12, 14)
    stop_emails(moderator, Kind.WAITING)
    assert moderators.send_moderators_digests(tuesday) == 0
    set_frequency(moderator, Kind.WAITING, Frequency.WEEKLY)
    assert moderators.send_moderators_digests(tuesday) == 0
    assert moderators.send_moderators_digests(monday) == 1


def test_only_moderators_are_offered_the_moderators_digest_choice(client, supporter, moderator):
    client.force_login(supporter)
    assert (
        "What awaits moderators"
        not in client.get(reverse("notifications:preferences")).content.decode()
    )
    client.force_login(moderator)
    assert (
        "What awaits moderators"
        in client.get(reverse("notifications:preferences")).content.decode()
    )
