"""Journey: a supporter proposes a meeting, a moderator approves it in the Wagtail admin,
two people book the last place at the same moment (one waits), one of them cancels, and
the one waiting is given the place and told by email."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cms.models import User
from cms.roles import SUPPORTERS
from meetings import bookings
from meetings.models import Booking, MeetingPage
from tests.conftest import make_user
from tests.e2e.axe import describe, serious_violations
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import check_pages
from tests.e2e.test_journey_story import approve_in_admin
from tests.support.demo_snapshot import load_demo_content

TITLE = "Wells: an evening of listening across parties"


@pytest.fixture
def demo(transactional_db):
    load_demo_content()


def propose(tab):
    start = (timezone.localtime() + timedelta(days=12)).replace(hour=19, minute=0)
    tab.goto("/meetings/propose/")
    tab.locator("#id_title").fill(TITLE)
    tab.locator("#id_start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    tab.locator("#id_end").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    tab.locator("#id_venue").fill("Wells Town Hall, Market Place, Wells BA5 2RB")
    tab.locator("#id_accessibility").fill("Lift to the first floor; hearing loop.")
    tab.locator("#id_capacity").fill("2")
    tab.locator("#id_constituency").fill("Wells and Mendip Hills")
    tab.locator("#id_summary").fill("Small groups, then one shared plan for the town.")
    tab.get_by_role("button", name="Propose the meeting").click()
    expect(tab.get_by_role("heading", name=re.compile("we have your meeting"))).to_be_visible()


def test_a_proposed_meeting_is_approved_booked_and_its_waiting_list_served(
    demo, browser, live_server, page, screenshot, mailoutbox
):
    log_in(page, User.objects.get(email="supporter@alliancehub.example"))
    propose(page)
    screenshot(page, "1-proposed")
    meeting = MeetingPage.objects.get(title=TITLE)
    assert not meeting.live

    moderator = browser.new_context(base_url=live_server.url)
    try:
        approve_in_admin(moderator.new_page(), screenshot, title=TITLE)
    finally:
        moderator.close()
    meeting.refresh_from_db()
    assert meeting.live

    # One of the two places goes to an early booker; two people then want the last one.
    bookings.book_signed_in(meeting, make_user("early@example.com", SUPPORTERS))
    people = [make_user(f"booker-{n}@example.com", SUPPORTERS) for n in (1, 2)]
    contexts = [browser.new_context(base_url=live_server.url) for _ in people]
    try:
        tabs = [context.new_page() for context in contexts]
        for tab, person in zip(tabs, people, strict=True):
            log_in(tab, person)
            tab.goto(meeting.url)
            expect(tab.get_by_role("button", name="Book a place")).to_be_visible()
        # Both forms are sent before either answer arrives.
        for tab in tabs:
            tab.evaluate("document.querySelector('form[action$=\"/book/\"]').requestSubmit()")
        for tab in tabs:
            expect(tab.locator("#booking-heading + p")).to_contain_text(
                re.compile("You have a place|waiting list")
            )
        assert Booking.objects.filter(meeting=meeting, status="confirmed").count() == 2
        waiting = Booking.objects.get(meeting=meeting, status="waiting")
        holder = Booking.objects.get(
            meeting=meeting, status="confirmed", email__startswith="booker"
        )
        by_email = dict(zip([p.email for p in people], tabs, strict=True))
        expect(by_email[waiting.email].locator("#booking-heading + p")).to_contain_text(
            "You are on the waiting list"
        )
        screenshot(by_email[waiting.email], "3-on-the-waiting-list")

        holder_tab = by_email[holder.email]
        holder_tab.get_by_role("button", name="Cancel my booking").click()
        expect(holder_tab.get_by_text("Your booking is cancelled.")).to_be_visible()

        waiting.refresh_from_db()
        assert waiting.status == "confirmed"
        promoted = [m for m in mailoutbox if m.to == [waiting.email] and "yours" in m.subject]
        assert len(promoted) == 1
        waiting_tab = by_email[waiting.email]
        waiting_tab.reload()
        expect(waiting_tab.locator("#booking-heading + p")).to_have_text(
            "You have a place at this meeting."
        )
        expect(waiting_tab.locator("#meeting-counts")).to_have_text("2 of 2 taken")
        screenshot(waiting_tab, "4-promoted")
    finally:
        for context in contexts:
            context.close()


def test_meeting_pages_and_forms_have_no_serious_accessibility_problems(demo, axe_tab, screenshot):
    meeting = MeetingPage.objects.live().order_by("start").first()
    full = MeetingPage.objects.get(slug="lancaster-listening-circle")
    public = {
        "meetings-index": "/meetings/",
        "meetings-filtered-empty": "/meetings/?region=northern-ireland",
        "meeting-signed-out": meeting.url,
        "book-with-email-form": f"/meetings/{meeting.pk}/book/",
        "full-meeting": full.url,
        "propose-signed-out": "/meetings/propose/",
    }
    problems = check_pages(axe_tab, public, screenshot)
    log_in(axe_tab, User.objects.get(email="supporter@alliancehub.example"))
    signed_in = {"propose-form": "/meetings/propose/", "meeting-one-click": meeting.url}
    problems |= check_pages(axe_tab, signed_in, screenshot)
    axe_tab.goto("/meetings/propose/")
    axe_tab.get_by_role("button", name="Propose the meeting").click()
    expect(axe_tab.locator("[role=alert]").first).to_be_visible()
    found = serious_violations(axe_tab)
    if found:
        problems["propose-with-errors"] = describe(found)
    assert not problems, "\n".join(f"{name}: {text}" for name, text in problems.items())
