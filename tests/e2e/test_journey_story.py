"""Journey 4: a local group sends a story with a photo, a moderator approves it in the
Wagtail admin ("Story review" workflow), and it appears in the library under its filters."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from cms.demo import DEMO_PASSWORD
from cms.models import User
from stories.models import StoriesIndexPage, StoryPage
from tests.e2e.conftest import log_in
from tests.support.demo_snapshot import load_demo_content

TITLE = "How Stroud's parties kept one candidate on the ballot"
STORY = (
    "Three local parties in Stroud met every fortnight for a year. They agreed that only one "
    "of them would stand in the county division, and the other two lent their canvassers.\n\n"
    "On polling day the joint candidate won by forty votes, and the group still meets."
)


@pytest.fixture
def demo(transactional_db):
    load_demo_content()
    return StoriesIndexPage.objects.live().get()


def small_jpeg() -> dict:
    """A real (tiny) JPEG made with Pillow, as a file the browser uploads."""
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 40, 130)).save(buffer, format="JPEG")
    return {"name": "meeting.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def fill_story_form(tab):
    tab.get_by_label("Title").fill(TITLE)
    tab.get_by_label("Your group's name").fill("Stroud Alliance")
    tab.get_by_label("Constituency or council area").select_option(
        label="Stroud (westminster constituency)"
    )
    tab.get_by_label("Green", exact=True).check()
    tab.get_by_label("Liberal Democrat", exact=True).check()
    tab.get_by_label("Kind of arrangement").select_option(label="Joint candidate")
    tab.get_by_label("Year").select_option("2025")
    tab.get_by_label("Outcome").select_option(label="Won")
    tab.get_by_label("Your story").fill(STORY)
    tab.get_by_label("Photos (optional)").set_input_files(small_jpeg())
    tab.get_by_label(re.compile("I agree that this story")).check()


def admin_sign_in(tab, email):
    tab.goto("/admin/login/")
    tab.locator("#id_username").fill(email)
    tab.locator("#id_password").fill(DEMO_PASSWORD)
    tab.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    tab.wait_for_url(re.compile(r"/admin/$"))


def approve_in_admin(tab, screenshot, title=TITLE):
    admin_sign_in(tab, "moderator@alliancehub.example")
    review = tab.locator("section, .panel, .w-panel").filter(has_text="Awaiting your review")
    review.get_by_role("link", name=title).first.click()
    tab.wait_for_url(re.compile(r"/admin/pages/\d+/edit/"))
    screenshot(tab, "3-moderator-opens-the-story")
    approve = tab.locator(
        "button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])"
    )
    if not approve.is_visible():  # not the main button: open the action menu first
        tab.locator("footer [data-w-dropdown-target=toggle]").last.click()
    approve.click()
    # Wagtail goes back to the stories listing, where the story is now live.
    expect(tab.get_by_role("row").filter(has_text=title)).to_contain_text("live")
    screenshot(tab, "4-approved")


def test_group_story_with_photo_is_approved_and_listed_under_its_filters(
    demo, browser, live_server, page, screenshot
):
    log_in(page, User.objects.get(email="supporter@alliancehub.example"))
    page.goto(demo.url + demo.reverse_subpage("submit"))
    fill_story_form(page)
    screenshot(page, "1-story-form")
    page.get_by_role("button", name="Send my story for review").click()
    expect(page.get_by_text(re.compile(r"STORY-[A-Z0-9]{8}")).first).to_be_visible()
    screenshot(page, "2-thanks-with-reference")

    story = StoryPage.objects.get(title=TITLE)
    assert not story.live and story.photos.count() == 1

    moderator = browser.new_context(base_url=live_server.url)
    try:
        approve_in_admin(moderator.new_page(), screenshot)
    finally:
        moderator.close()

    story.refresh_from_db()
    assert story.live
    page.goto(demo.url + "?region=south-west&party=green&arrangement=joint-candidate&outcome=won")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    screenshot(page, "5-library-filtered")
    page.goto(demo.url + "?region=north-west")
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)
    page.goto(demo.url + "?party=labour")
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)

    page.goto(story.url)
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.locator("main img")).not_to_have_count(0)
    screenshot(page, "6-published-story")
