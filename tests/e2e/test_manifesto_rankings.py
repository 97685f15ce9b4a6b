"""The manifesto's rankings in a real browser: the sentence and the party bars say what the
votes were, the pages pass axe, and a supporter votes and reorders with the keyboard alone.

The votes are made here, party by party, and the rankings recomputed by the real task
code, so what the browser reads is checked against figures the test itself chose.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from manifesto import explain
from manifesto.actions import cast_vote, propose
from manifesto.merge import start_text
from manifesto.models import ManifestoPage, Vote
from manifesto.ranking_store import recompute_page_rankings
from tests.conftest import make_user
from tests.e2e.axe import describe, serious_violations
from tests.e2e.conftest import log_in
from tests.e2e.test_keyboard_only import tab_to
from tests.manifesto.conftest import CLAUSES, set_phase

pytestmark = pytest.mark.e2e

A_YEAR_AGO = timezone.now() - timedelta(days=365)
# Votes per group: (agree, pass, disagree). Labour and Green agree, SNP disagrees, Plaid
# Cymru has too few votes to count, and supporters of no party mostly agree.
PLAN = {
    "labour": (6, 1, 1),
    "green": (5, 0, 0),
    "snp": (1, 0, 5),
    "plaid-cymru": (2, 0, 0),
    "none": (4, 2, 1),
}
NAMES = {"labour": "Labour", "green": "Green", "snp": "SNP", "plaid-cymru": "Plaid Cymru"}


@pytest.fixture
def ranked(home):
    manifesto = ManifestoPage(title="Our manifesto", slug="manifesto", screening=False)
    home.add_child(instance=manifesto)
    manifesto.save_revision().publish()
    start_text(manifesto, CLAUSES)
    set_phase(manifesto, "amendments")
    clause = manifesto.live_clauses().first()
    author = make_user("author@example.org", "Supporters", date_joined=A_YEAR_AGO)
    amendment = propose(
        manifesto, clause, author, "replace", "A Green New Deal for every region now.", "Now."
    )
    number = 0
    for slug, counts in PLAN.items():
        party = None if slug == "none" else slug
        for choice, how_many in zip(("agree", "pass", "disagree"), counts, strict=True):
            for _ in range(how_many):
                number += 1
                voter = make_user(
                    f"voter{number}@example.org",
                    "Supporters",
                    party_slug=party,
                    date_joined=A_YEAR_AGO,
                )
                cast_vote(amendment, voter, choice)
    recompute_page_rankings(manifesto)
    amendment.refresh_from_db()
    return manifesto, clause, amendment


def test_the_sentence_and_party_bars_say_what_the_votes_were(page, axe_tab, ranked, screenshot):
    manifesto, _, amendment = ranked
    page.goto(f"{manifesto.url}amendment/{amendment.pk}/")
    sentence = page.locator("p.explanation").inner_text()
    expected = explain.support_sentence(
        amendment.common_ground_detail, manifesto.common_ground_min_votes_per_party
    )
    assert sentence.strip().endswith(expected)
    assert "Supported in two of three parties" in sentence
    assert "strongest among Green" in sentence and "opposed among SNP" in sentence
    assert "too few Plaid Cymru votes yet" in sentence
    rows = page.locator("table.party-bars tbody tr")
    seen = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        name = row.locator(".group-name").inner_text()
        figures = tuple(int(cell.inner_text()) for cell in row.locator("td").all())
        widths = {
            choice: float(row.locator(f"svg.vote-bar rect.bar-{choice}").get_attribute("width"))
            for choice in ("agree", "pass", "disagree")
            if row.locator(f"svg.vote-bar rect.bar-{choice}").count()
        }
        seen[name] = (figures, widths)
    for slug, counts in PLAN.items():
        name = NAMES.get(slug, explain.NO_PARTY)
        figures, widths = seen[name]
        assert figures == counts, name
        total = sum(counts)
        for choice, count in zip(("agree", "pass", "disagree"), counts, strict=True):
            assert widths.get(choice, 0.0) == pytest.approx(100 * count / total, abs=0.01)
    no_party = page.locator("table.party-bars tbody tr", has_text=explain.NO_PARTY)
    expect(no_party).to_contain_text("not a party, so never counted as one")
    screenshot(page, "amendment-explained")

    axe_tab.goto(f"{manifesto.url}amendment/{amendment.pk}/")
    problems = serious_violations(axe_tab)
    assert not problems, describe(problems)
    axe_tab.goto(f"{manifesto.url}clause/{amendment.clause.key}/?sort=common&status=open")
    problems = serious_violations(axe_tab)
    assert not problems, describe(problems)


def test_the_moderators_amendment_screen_reads_the_same_and_passes_axe(
    axe_tab, ranked, moderator, screenshot
):
    manifesto, _, amendment = ranked
    log_in(axe_tab, moderator)
    axe_tab.goto(f"/admin/snippets/manifesto/amendment/inspect/{amendment.pk}/")
    expect(axe_tab.locator(".amendment-facts")).to_contain_text("Supported in two of three")
    expect(axe_tab.locator(".amendment-facts")).to_contain_text("Clause 1 (Climate)")
    problems = serious_violations(axe_tab)
    assert not problems, describe(problems)
    screenshot(axe_tab, "admin-amendment-inspect")


def test_a_supporter_votes_and_reorders_with_the_keyboard_alone(page, ranked, supporter):
    manifesto, clause, amendment = ranked
    log_in(page, supporter)
    page.goto(f"{manifesto.url}clause/{clause.key}/")
    form = f"form.vote-form[data-amendment='{amendment.pk}']"
    for choice in ("agree", "disagree", "pass"):
        tab_to(page, f"{form} button[value={choice}]")
        page.keyboard.press("Enter")
        expect(page.locator(f"{form} .vote-status")).to_have_text(f"Vote saved: {choice}.")
        expect(page.locator(f"{form} button[value={choice}]")).to_have_attribute(
            "aria-pressed", "true"
        )
        assert Vote.objects.get(amendment=amendment, voter=supporter).choice == choice
        page.keyboard.press("Shift+Tab")  # start the next search from before the buttons
    tab_to(page, "nav.order-links a[href*='sort=popular']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sort=popular"))
    expect(page.locator("nav.order-links a[aria-current=true]").first).to_have_text("Popular")
    tab_to(page, "nav.order-links a[href*='sort=common']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sort=common"))
