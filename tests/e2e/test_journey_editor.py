"""Journey 1: an editor writes a paper in the Wagtail admin's StreamField editor, publishes
it, and readers find it on the site (contents list, numbered note) and in search."""

import re

import pytest
from playwright.sync_api import expect

from cms.models import HomePage, PaperIndexPage, PaperPage
from cms.roles import EDITORS, SUPPORTERS
from tests.conftest import PASSWORD, make_user

TITLE = "Counting the votes that matter"
SUMMARY = "Why a progressive alliance must agree one candidate per seat, with the numbers."


@pytest.fixture
def papers(transactional_db):
    home = HomePage.objects.get()
    index = PaperIndexPage(title="Papers", slug="papers", introduction="Our research.")
    home.add_child(instance=index)
    index.save_revision().publish()
    make_user("writer@example.com", EDITORS, SUPPORTERS, display_name="Wren")
    return index


def sign_in_to_admin(tab):
    tab.goto("/admin/login/")
    tab.locator("#id_username").fill("writer@example.com")
    tab.locator("#id_password").fill(PASSWORD)
    tab.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    tab.wait_for_url(re.compile(r"/admin/$"))


def add_block(tab, label):
    """Append a block to the body with the last "Insert a block" button and the chooser."""
    body = tab.locator("[data-contentpath=body]")
    body.get_by_role("button", name="Insert a block").last.click()
    tab.get_by_role("option", name=label, exact=True).click()


def type_rich_text(tab, input_id, text):
    """Type into the Draftail editor that stands next to the field's hidden input."""
    editor = tab.locator(f"#{input_id}").locator("xpath=..").locator(".public-DraftEditor-content")
    editor.click()
    tab.keyboard.type(text)
    # Draftail writes its hidden input after a short delay: wait until it holds the words.
    expect(tab.locator(f"#{input_id}")).to_have_value(re.compile(re.escape(text.split()[-1])))


def write_body(tab):
    add_block(tab, "Heading")
    tab.locator("#body-0-value-text").fill("Why an alliance")
    add_block(tab, "Paragraph")
    type_rich_text(tab, "body-1-value", "Split votes handed over forty seats to one party.[^seats]")
    add_block(tab, "Pull quote")
    tab.locator("#body-2-value-quote").fill("One candidate, one chance.")
    tab.locator("#body-2-value-attribution").fill("A local organiser")
    add_block(tab, "Heading")
    tab.locator("#body-3-value-text").fill("What we propose")
    add_block(tab, "Footnote")
    tab.locator("#body-4-value-marker").fill("seats")
    type_rich_text(tab, "body-4-value-text", "Our count of the 2024 general election results.")


def wait_for_autosave(tab):
    """Let the admin's autosave finish, as an editor sees "Saved" before publishing.

    The create form saves a draft by itself half a second after each change and then becomes
    the edit form. Publishing while that first save is on its way sends a second create to the
    same address, which Wagtail answers "slug in use" (or, racing, with an error page).
    """
    indicator = tab.locator("#w-autosave-indicator")
    expect(indicator).to_have_attribute("data-w-autosave-state-value", "saved", timeout=15_000)
    expect(tab.locator("#page-edit-form")).to_have_attribute(
        "action", re.compile(r"/admin/pages/\d+/edit/"), timeout=15_000
    )


def test_editor_publishes_a_paper_that_readers_find_on_the_site_and_in_search(
    papers, page, screenshot
):
    sign_in_to_admin(page)
    page.goto(f"/admin/pages/add/cms/paperpage/{papers.pk}/")
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_summary").fill(SUMMARY)
    # The slug (Promote tab) is made from the title by the admin's script.
    expect(page.locator("#id_slug")).to_have_value("counting-the-votes-that-matter")
    write_body(page)
    screenshot(page, "1-paper-in-the-editor")
    wait_for_autosave(page)
    page.locator("footer [data-w-dropdown-target=toggle]").last.click()
    page.locator("button[name=action-publish]").click()
    expect(page.get_by_text(re.compile(r"has been published"))).to_be_visible()
    screenshot(page, "2-published")

    paper = PaperPage.objects.get(title=TITLE)
    assert paper.live
    page.goto(paper.url)
    contents = page.get_by_role("navigation", name="Contents")
    expect(contents.get_by_role("link", name="Why an alliance")).to_have_attribute(
        "href", "#why-an-alliance"
    )
    expect(contents.get_by_role("link", name="What we propose")).to_be_visible()
    expect(page.locator("sup.footnote-ref a")).to_have_text("1")
    notes = page.locator("section.footnotes")
    expect(notes.locator("li#footnote-1")).to_contain_text("2024 general election")
    expect(page.locator("blockquote")).to_contain_text("One candidate, one chance.")
    screenshot(page, "3-paper-on-the-site")

    search = page.get_by_role("searchbox", name="Search the site")
    search.fill("split votes")
    search.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?query=split"))
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    screenshot(page, "4-found-in-search")
