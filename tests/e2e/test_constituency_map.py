"""Constituency pages, the hexagon map and a local group's pages: axe finds no serious
problem, and every hexagon is reached with the keyboard with its focus visible."""

import pytest

from local.models import ConstituencyIndexPage, LocalGroupPage
from tests.e2e.axe import describe, serious_violations
from tests.e2e.test_accessibility import check_pages
from tests.e2e.test_keyboard_only import _FOCUS_IS_VISIBLE
from tests.support.demo_snapshot import load_demo_content


@pytest.fixture
def demo(transactional_db):
    load_demo_content()


def local_urls() -> dict[str, str]:
    index = ConstituencyIndexPage.objects.live().get()
    group = LocalGroupPage.objects.live().order_by("path").first()
    return {
        "constituencies": index.url,
        "constituency-search": index.url + "?q=sheffield",
        "constituency-search-nothing": index.url + "?q=zzqq",
        "constituency": index.url + "frome-and-east-somerset/",
        "map": index.url + "map/",
        "map-party": index.url + "map/?party=green",
        "map-groups": index.url + "map/?show=groups",
        "group": group.url,
        "group-contact": group.url + "contact/",
    }


def test_constituency_and_group_pages_have_no_serious_accessibility_problems(
    demo, axe_tab, screenshot
):
    problems = check_pages(axe_tab, local_urls(), screenshot)
    # The contact form sent empty: its errors must be accessible too.
    axe_tab.goto(local_urls()["group-contact"])
    axe_tab.locator("main form").evaluate("form => { form.noValidate = true; }")
    axe_tab.get_by_role("button", name="Send message").click()
    axe_tab.locator("[role=alert]").first.wait_for()
    found = serious_violations(axe_tab)
    if found:
        problems["group-contact-errors"] = describe(found)
    assert not problems, "\n".join(f"{name}: {text}" for name, text in problems.items())


def test_every_hexagon_is_a_link_reached_by_keyboard_with_visible_focus(demo, page):
    page.goto(local_urls()["map-party"])
    links = page.locator(".hexmap svg a")
    assert links.count() == 650
    page.get_by_role("link", name="Skip the map: the same as a table").focus()
    for _ in range(3):
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.closest('.hexmap svg') !== null")
        assert page.evaluate(_FOCUS_IS_VISIBLE)
    label = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == label.split(":")[0]
