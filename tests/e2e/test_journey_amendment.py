"""Journey 2: a new supporter signs up, follows the verification link from the email and
proposes an amendment to a clause; a second supporter votes for it, and the ranking on the
clause page changes.

Rankings are stored on each amendment by the `recompute_rankings` task. A vote moves the
amendment's counters at once and queues the task for `MANIFESTO_RANKING_REFRESH_SECONDS`
later (once however many votes arrive); tasks run eagerly here, so the ranking has moved
by the time the voter reloads the clause page.

The clause starts with one amendment already voted on once each way, so it has a Popular
score (the Wilson lower bound of 1 agree / 1 disagree, 0.09) and the new amendment, with
no votes and no score, ranks below it. One agree vote scores 0.21: above it.
"""

import re

import pytest
from django.core import mail
from django.db.models import Count
from playwright.sync_api import expect

from cms.models import User
from cms.roles import SUPPORTERS
from manifesto.actions import cast_vote, propose
from manifesto.models import OPEN_STATUSES, Amendment, AmendmentStatus, ManifestoPage, Vote
from manifesto.tasks import recompute_rankings
from tests.conftest import PASSWORD, make_user
from tests.e2e.axe import describe, serious_violations
from tests.e2e.conftest import log_in, open_manifesto
from tests.e2e.test_accessibility import check_pages
from tests.e2e.test_keyboard_only import tab_to, type_into
from tests.support.demo_snapshot import load_demo_content

CLAUSES = [
    ("Climate", "A Green New Deal to meet the climate emergency with jobs in every region."),
    ("Democracy", "Fair votes: a proportional voting system for every election."),
    ("Economy", "End austerity and close the gap between rich and poor."),
]
NEW_WORDING = "Fair votes: a proportional voting system for every election, councils included."
KEYBOARD_PREFIX = "In Westminster and in every council: "
REASON = "Most councils are elected by first past the post too, and that is where we start."


@pytest.fixture
def manifesto(transactional_db):
    """A manifesto with amendments open (so proposing and voting are both allowed), screening
    off, and on point 2 one amendment that already has a Popular score."""
    page = open_manifesto(CLAUSES)
    clause = page.live_clauses()[1]
    author = make_user("sam@example.com", SUPPORTERS, party_slug="green", display_name="Rhys")
    earlier = propose(
        page,
        clause,
        author,
        "replace",
        "Fair votes: a proportional voting system for general elections.",
        "Start with Westminster, where it matters most.",
    )
    for email, choice in (("ada@example.com", "agree"), ("bo@example.com", "disagree")):
        cast_vote(earlier, make_user(email, SUPPORTERS, party_slug="labour"), choice)
    recompute_rankings.delay(page.pk)
    page.earlier_amendment = Amendment.objects.get(pk=earlier.pk)
    page.clause = clause
    return page


_FOCUS_OUTLINE_IS_THE_SITE_FOCUS_COLOUR = """() => {
  const probe = document.createElement('span');
  probe.style.color = 'var(--focus)';
  document.body.append(probe);
  const focus = getComputedStyle(probe).color;
  probe.remove();
  return getComputedStyle(document.activeElement).outlineColor === focus;
}"""


def clause_url(manifesto) -> str:
    return f"{manifesto.url}clause/{manifesto.clause.key}/"


def ranked_amendments(tab):
    """The amendment cards' headings in the order the clause page lists them."""
    return tab.locator("article.amendment h3 a")


def sign_up_and_verify(tab, screenshot):
    """Journey 2's first half, as in test_journey_supporter_signup, by a second person."""
    tab.goto("/")
    tab.get_by_role("link", name="Join").click()
    tab.get_by_label("Email").fill("nia@example.com")
    tab.get_by_label("Display name").fill("Nia")
    tab.get_by_label("Party").select_option(label="Plaid Cymru")
    tab.get_by_label(re.compile(r"^Password:?$")).fill("a-long-unusual-password-42")
    tab.get_by_label("Password again").fill("a-long-unusual-password-42")
    screenshot(tab, "1-sign-up-form")
    tab.get_by_role("button", name="Sign Up").click()
    tab.wait_for_url(re.compile(r"/accounts/confirm-email/"))

    (message,) = [m for m in mail.outbox if m.to == ["nia@example.com"]]
    link = re.search(r"http://[^/]+(/accounts/confirm-email/\S+)", message.body).group(1)
    tab.goto(link)
    tab.get_by_role("button", name="Confirm").click()
    tab.wait_for_url(re.compile(r"/account/"))
    assert User.objects.get(email="nia@example.com").is_supporter


def test_new_supporter_proposes_an_amendment_and_a_vote_lifts_it_up_the_ranking(
    page, new_tab, screenshot, manifesto, other_supporter
):
    earlier = manifesto.earlier_amendment
    assert earlier.popular_score is not None

    # A new supporter signs up, confirms their email and proposes a change to point 2.
    sign_up_and_verify(page, screenshot)
    page.goto(manifesto.url)
    page.get_by_role("link", name="1 amendment to point 2").click()
    page.get_by_role("link", name="Propose an amendment to point 2").click()
    expect(page.get_by_label("Change the wording")).to_be_checked()
    expect(page.get_by_label("Your wording")).to_have_value(manifesto.clause.text)
    page.get_by_label("Your wording").fill(NEW_WORDING)
    page.get_by_label("Why?").fill(REASON)
    screenshot(page, "2-propose-form")
    page.get_by_role("button", name="Propose").click()
    page.wait_for_url(re.compile(r"/amendment/\d+/$"))
    expect(page.get_by_text("Thank you: your amendment is published.")).to_be_visible()
    screenshot(page, "3-amendment-published")

    amendment = Amendment.objects.get(author__email="nia@example.com")
    assert page.url.endswith(f"/amendment/{amendment.pk}/")
    assert amendment.status == AmendmentStatus.PUBLISHED
    assert amendment.clause_id == manifesto.clause.pk and amendment.text == NEW_WORDING
    assert amendment.reason == REASON

    # A second supporter, in their own browser, signs in from the clause page and orders
    # its amendments by popularity: the new one, unvoted, comes second.
    voter = new_tab()
    voter.goto(clause_url(manifesto))
    voter.get_by_role("main").get_by_role("link", name="Sign in").click()
    voter.get_by_label("Email").fill(other_supporter.email)
    voter.get_by_label("Password").fill(PASSWORD)
    voter.get_by_role("button", name="Sign In").click()
    voter.wait_for_url(re.compile(re.escape(clause_url(manifesto)) + "$"))
    voter.get_by_role("navigation", name="Order and filter").get_by_role(
        "link", name="Popular"
    ).click()
    voter.wait_for_url(re.compile(r"sort=popular"))
    expect(ranked_amendments(voter)).to_have_text(
        [re.compile(rf"^Amendment {earlier.pk}\b"), re.compile(rf"^Amendment {amendment.pk}\b")]
    )
    screenshot(voter, "4-ranked-before-the-vote")

    # They agree with it: the vote is saved in place and the card's count moves at once.
    card = voter.get_by_role("article", name=re.compile(rf"^Amendment {amendment.pk}:"))
    card.get_by_role("button", name="Agree", exact=True).click()
    expect(card.get_by_role("status")).to_have_text("Vote saved: agree.")
    expect(card.get_by_role("button", name="Agree", exact=True, pressed=True)).to_be_visible()
    expect(card.locator("[data-count=agree]")).to_have_text("1")
    screenshot(voter, "5-after-voting")
    assert Vote.objects.get(amendment=amendment).voter == other_supporter

    # The vote queued a ranking recompute: the clause page now ranks the new amendment first.
    voter.reload()
    expect(ranked_amendments(voter)).to_have_text(
        [re.compile(rf"^Amendment {amendment.pk}\b"), re.compile(rf"^Amendment {earlier.pk}\b")]
    )
    screenshot(voter, "6-ranked-after-the-vote")
    amendment.refresh_from_db()
    earlier.refresh_from_db()
    assert amendment.popular_score > earlier.popular_score


def test_supporters_propose_and_vote_on_an_amendment_with_the_keyboard_alone(
    page, new_tab, screenshot, manifesto, supporter, other_supporter
):
    """Journey 2's propose form and vote buttons with Tab, Shift+Tab, typing, Space and Enter
    only, with a visible focus at every stop (as in test_keyboard_only)."""
    log_in(page, supporter)
    page.goto(clause_url(manifesto))
    tab_to(page, "main a[href$='/propose/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/propose/$"))
    tab_to(page, "input[name=kind]:checked")
    page.keyboard.press("Space")
    # A tabbed-to textarea puts the caret before the current wording: type in front of it.
    type_into(page, "#id_text", KEYBOARD_PREFIX)
    type_into(page, "#id_reason", REASON)
    # Back up with Shift+Tab: the wording typed is still there.
    tab_to(page, "#id_text", backwards=True)
    expect(page.locator("#id_text")).to_have_value(KEYBOARD_PREFIX + manifesto.clause.text)
    screenshot(page, "1-propose-form-by-keyboard")
    tab_to(page, "main form [type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/amendment/\d+/$"))
    expect(page.get_by_text("Thank you: your amendment is published.")).to_be_visible()
    amendment = Amendment.objects.get(author=supporter)
    assert amendment.kind == "replace" and amendment.reason == REASON
    assert amendment.text == KEYBOARD_PREFIX + manifesto.clause.text

    voter = new_tab()
    log_in(voter, other_supporter)
    voter.goto(clause_url(manifesto))
    tab_to(voter, "main .order-links a[href*='sort=popular']")
    voter.keyboard.press("Enter")
    voter.wait_for_url(re.compile(r"sort=popular"))
    tab_to(voter, f"#amendment-{amendment.pk} button[value=agree]")
    voter.keyboard.press("Space")
    card = voter.get_by_role("article", name=re.compile(rf"^Amendment {amendment.pk}:"))
    expect(card.get_by_role("status")).to_have_text("Vote saved: agree.")
    # The button keeps the focus and is now marked chosen (a dark ring of its own): the
    # site's focus colour must still show on it, or the focus would vanish into that ring.
    expect(card.get_by_role("button", name="Agree", exact=True, pressed=True)).to_be_focused()
    assert voter.evaluate(_FOCUS_OUTLINE_IS_THE_SITE_FOCUS_COLOUR)
    screenshot(voter, "2-voted-by-keyboard")
    assert Vote.objects.get(amendment=amendment, voter=other_supporter).choice == "agree"


def test_clause_page_and_propose_form_have_no_serious_accessibility_problems(
    transactional_db, axe_tab, screenshot
):
    """axe-core on the demo charter's busiest clause: its ranked list for a visitor (fair
    random order) and for a signed-in supporter (by popularity, with vote buttons), the
    propose form, that form sent without a reason or a change, and an amendment page."""
    load_demo_content()
    charter = ManifestoPage.objects.get(slug="manifesto")
    busiest = (
        Amendment.objects.filter(page=charter, status__in=OPEN_STATUSES)
        .values_list("clause__key", flat=True)
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    clause = f"{charter.url}clause/{busiest}/"
    amendment = Amendment.objects.filter(page=charter, clause__key=busiest).first()
    problems = check_pages(axe_tab, {"clause-anonymous": clause}, screenshot)
    log_in(axe_tab, User.objects.get(email="supporter@alliancehub.example"))
    urls = {
        "clause-ranked-popular": clause + "?sort=popular",
        "propose-form": clause + "propose/",
        "amendment": f"{charter.url}amendment/{amendment.pk}/",
    }
    problems |= check_pages(axe_tab, urls, screenshot)
    axe_tab.goto(clause + "propose/")
    axe_tab.get_by_role("button", name="Propose").click()
    expect(axe_tab.locator(".invalid-feedback").first).to_be_visible()
    screenshot(axe_tab, "propose-form-errors")
    found = serious_violations(axe_tab)
    if found:
        problems["propose-form-errors"] = describe(found)
    assert not problems, "\n".join(f"{name}: {text}" for name, text in problems.items())
