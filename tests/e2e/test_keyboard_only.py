"""Keyboard-only completion of the public parts of journeys 3 (donate) and 4 (send a story).

No mouse: the tests move with Tab (and Shift+Tab), type into the focused field, tick boxes
with Space and follow links and send forms with Enter. Every stop must show a visible focus
indicator. Reaching a field within a bounded number of Tabs also proves the tab order
passes through it.
"""

import re

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from cms.models import User
from crowdfund.models import Donation
from stories.models import StoriesIndexPage, StoryPage
from tests.e2e.conftest import log_in
from tests.e2e.test_journey_donor import (
    CHECKOUT,
    crowdfund,  # noqa: F401 (fixture)
    deliver_completed_checkout,
)
from tests.e2e.test_journey_story import STORY, small_jpeg
from tests.support.demo_snapshot import load_demo_content

MAX_TABS = 80

_FOCUS_IS_VISIBLE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return el.matches(':focus-visible')
    && (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
        || style.boxShadow !== 'none');
}"""


def tab_to(tab, selector, *, backwards=False):
    """Press Tab (or Shift+Tab) until the element matching `selector` has the focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        tab.keyboard.press(key)
        if tab.evaluate("(s) => document.activeElement.matches(s)", selector):
            assert tab.evaluate(_FOCUS_IS_VISIBLE), f"no visible focus on {selector}"
            return
    raise AssertionError(f"{selector} was not reached with {key} in {MAX_TABS} presses")


def type_into(tab, selector, text):
    tab_to(tab, selector)
    tab.keyboard.type(text)


def test_donor_completes_the_donate_form_with_the_keyboard_alone(
    page,
    screenshot,
    stripe_standin,
    crowdfund,  # noqa: F811
):
    page.goto(crowdfund.url)
    tab_to(page, "a[href$='/donate/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/donate/$"))
    type_into(page, "#id_amount", "15")
    type_into(page, "#id_name", "Kay Board")
    type_into(page, "#id_email", "kay@example.com")
    tab_to(page, "#id_show_name")
    page.keyboard.press("Space")
    # Back up one stop and forward again: Shift+Tab works and keeps the box ticked.
    tab_to(page, "#id_email", backwards=True)
    tab_to(page, "#id_show_name")
    expect(page.locator("#id_show_name")).to_be_checked()
    screenshot(page, "1-donate-form-by-keyboard")
    tab_to(page, "main form [type=submit]")
    # The browser is sent on to Stripe's Checkout; here it is enough that it goes there
    # (journey 3 shows the page), so the request is watched and not answered.
    with page.expect_request(CHECKOUT) as checkout:
        page.keyboard.press("Enter")

    donation = Donation.objects.get()
    assert checkout.value.url == stripe_standin.sessions[donation.stripe_checkout_session_id]["url"]
    assert donation.amount_pence == 1_500 and donation.show_name
    deliver_completed_checkout(page, stripe_standin, donation.stripe_checkout_session_id)
    page.goto(crowdfund.url)
    expect(page.locator("[data-field=donors_display]")).to_have_text("1 donor", timeout=15_000)
    screenshot(page, "2-crowdfund-after")


def choose_photo_from_the_focused_input(tab):
    """Space on a focused file input opens the system's file dialog, which Playwright
    answers. Headless Chromium occasionally opens no dialog for a synthetic key press; then
    the file is set on the focused input directly (still no mouse)."""
    try:
        with tab.expect_file_chooser(timeout=5_000) as chooser:
            tab.keyboard.press("Space")
        chooser.value.set_files(small_jpeg())
    except PlaywrightTimeoutError:
        tab.locator("#id_photos:focus").set_input_files(small_jpeg())


def choose_by_typing(tab, selector, text):
    """A closed <select> picks the option whose label starts with the typed letters."""
    tab_to(tab, selector)
    tab.keyboard.type(text)


def test_group_sends_a_story_with_a_photo_with_the_keyboard_alone(
    transactional_db, page, screenshot
):
    load_demo_content()
    index = StoriesIndexPage.objects.live().get()
    log_in(page, User.objects.get(email="supporter@alliancehub.example"))
    page.goto(index.url + index.reverse_subpage("submit"))

    type_into(page, "#id_title", "Keyboard town's alliance")
    type_into(page, "#id_group_name", "Keyboard Alliance")
    choose_by_typing(page, "#id_place", "Stroud")
    tab_to(page, "input[name=parties][value]:not([value=''])")
    page.keyboard.press("Space")
    choose_by_typing(page, "#id_arrangement", "Joint")
    choose_by_typing(page, "#id_year", "2025")
    choose_by_typing(page, "#id_outcome", "Won")
    type_into(page, "#id_body", STORY.replace("Stroud", "Keyboard town"))
    tab_to(page, "#id_photos")
    choose_photo_from_the_focused_input(page)
    tab_to(page, "#id_consent")
    page.keyboard.press("Space")
    screenshot(page, "1-story-form-by-keyboard")
    tab_to(page, "main form [type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"STORY-[A-Z0-9]{8}")).first).to_be_visible()
    screenshot(page, "2-thanks")

    story = StoryPage.objects.get(title="Keyboard town's alliance")
    assert story.place.slug == "stroud" and story.arrangement == "joint-candidate"
    assert story.year == 2025 and story.outcome == "won"
    assert story.parties.count() == 1 and story.photos.count() == 1
