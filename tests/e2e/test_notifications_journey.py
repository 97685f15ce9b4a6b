"""Journey: a supporter follows a clause and asks for a daily digest; another supporter
proposes an amendment to it; the first sees the notification in the site (the header's
count, the list, the link to the amendment) and in the next morning's digest email, and
unsubscribes from that email with its one-click link.

Tasks run eagerly and email is delivered to Django's test outbox (through the project's
outbox table), so the digest is what beat's `send_daily_digests` would send.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from cms.roles import SUPPORTERS
from manifesto.models import Amendment
from notifications.kinds import Frequency, Kind
from notifications.models import EmailPreference, Notification
from notifications.tasks import send_daily_digests
from tests.conftest import make_user
from tests.e2e.conftest import log_in, open_manifesto

CLAUSES = [
    ("Climate", "A Green New Deal to meet the climate emergency with jobs in every region."),
    ("Democracy", "Fair votes: a proportional voting system for every election."),
]
NEW_WORDING = "Fair votes: a proportional voting system for every election, councils included."


@pytest.fixture
def manifesto(transactional_db):
    page = open_manifesto(CLAUSES)
    page.clause = page.live_clauses()[1]
    return page


@pytest.fixture
def people(transactional_db):
    follower = make_user("fola@example.com", SUPPORTERS, party_slug="green", display_name="Fola")
    author = make_user("nia@example.com", SUPPORTERS, party_slug="labour", display_name="Nia")
    return follower, author


def test_follow_a_clause_hear_of_an_amendment_in_the_site_and_the_digest_then_unsubscribe(
    page, new_tab, screenshot, manifesto, people
):
    follower, author = people
    clause_url = f"{manifesto.url}clause/{manifesto.clause.key}/"

    # The follower follows the clause: a plain form, and the page says so.
    log_in(page, follower)
    page.goto(clause_url)
    page.get_by_role("button", name="Follow new amendments here").click()
    page.wait_for_url(re.compile(re.escape(clause_url) + "$"))
    expect(page.get_by_text("You follow new amendments here.")).to_be_visible()
    expect(page.get_by_role("button", name="Stop following")).to_be_visible()
    screenshot(page, "1-following-the-clause")

    # They want news of amendments in a daily digest (the default is weekly).
    page.goto("/account/notifications/email/")
    page.get_by_role("group", name="New amendments on what you follow").get_by_label(
        "In a daily digest"
    ).check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_text("Your email choices are saved.")).to_be_visible()

    # Another supporter, in their own browser, proposes an amendment to that clause.
    other = new_tab()
    log_in(other, author)
    other.goto(clause_url)
    other.get_by_role("link", name=re.compile(r"^Propose an amendment")).first.click()
    other.get_by_label("Your wording").fill(NEW_WORDING)
    other.get_by_label("Why?").fill("Councils are elected by first past the post too.")
    other.get_by_role("button", name="Propose").click()
    other.wait_for_url(re.compile(r"/amendment/\d+/$"))
    amendment = Amendment.objects.get(author=author)

    # The follower sees it in the site: the header's count, the list, the link.
    page.goto("/")
    bell = page.get_by_role("navigation", name="Your account").get_by_role(
        "link", name=re.compile("Notifications")
    )
    expect(bell).to_contain_text("1")
    bell.click()
    item = page.get_by_role("link", name=re.compile(r"A new amendment to .* of Our manifesto"))
    expect(item).to_be_visible()
    screenshot(page, "2-the-notification")
    item.click(position={"x": 12, "y": 8})  # on its first words (its box spans a hidden span)
    page.wait_for_url(re.compile(rf"/amendment/{amendment.pk}/$"))
    assert Notification.objects.get(recipient=follower).read_at is not None

    # The next morning's digest: one email, grouped under its kind, with the way out.
    mail.outbox.clear()
    # Called, not `.delay().get()`: an eager task running meanwhile in the live server's
    # thread makes Celery refuse `.get()` in this one (its join guard is process-wide).
    assert send_daily_digests() == 1
    assert send_daily_digests() == 0  # beat running it twice sends nothing more
    (digest,) = [message for message in mail.outbox if message.to == [follower.email]]
    assert digest.subject == "Your daily summary: 1 update"
    assert "New amendments on what you follow" in digest.body
    assert f"/amendment/{amendment.pk}/" in digest.body
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [m for m in mail.outbox if m.to == [author.email] and "summary" in m.subject] == []

    # The unsubscribe link in the email: a page with one button, then done at once.
    link = re.search(r"https?://[^/\s]+(/email/unsubscribe/\S+/)", digest.body).group(1)
    page.goto(link)
    expect(page.get_by_role("heading", name="Unsubscribe")).to_be_visible()
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    screenshot(page, "3-unsubscribed")
    chosen = dict(EmailPreference.objects.filter(user=follower).values_list("kind", "frequency"))
    assert chosen[Kind.NEW_AMENDMENT] == Frequency.NEVER

    # A second amendment is still listed in the site, but no digest is sent for it.
    other.goto(clause_url)
    other.get_by_role("link", name=re.compile(r"^Propose an amendment")).first.click()
    other.get_by_label("Your wording").fill(NEW_WORDING.replace("councils", "mayors"))
    other.get_by_label("Why?").fill("Mayors too.")
    other.get_by_role("button", name="Propose").click()
    other.wait_for_url(re.compile(r"/amendment/\d+/$"))
    assert Notification.objects.filter(recipient=follower).count() == 2
    mail.outbox.clear()
    assert send_daily_digests() == 0
    assert mail.outbox == []
