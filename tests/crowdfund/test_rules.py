"""The crowdfund's rules as grids: every combination of what they read, against a table
written out here independently of crowdfund.rules; then the same rules through the pages."""

from datetime import timedelta
from itertools import product
from types import SimpleNamespace

import pytest
from django.utils import timezone

from crowdfund import rules
from crowdfund.models import FundingModel
from tests.crowdfund.conftest import make_crowdfund, make_donation

NOW = timezone.now()
DEADLINES = {"none": None, "future": NOW + timedelta(days=3), "past": NOW - timedelta(hours=1)}


def test_the_funding_model_name_is_the_models():
    assert rules.ALL_OR_NOTHING == FundingModel.ALL_OR_NOTHING


# (Stripe set up, cards on, deadline) -> why a card gift is refused (None: it is taken).
CARD_GRID = {
    (True, True, "none"): None,
    (True, True, "future"): None,
    (True, True, "past"): "ended",
    (True, False, "none"): "cards_off",
    (True, False, "future"): "cards_off",
    (True, False, "past"): "cards_off",
    **{(False, cards, when): "cards_not_set_up" for cards in (True, False) for when in DEADLINES},
}


@pytest.mark.parametrize(("stripe", "cards", "when"), list(CARD_GRID))
def test_card_gift_grid(settings, stripe, cards, when):
    settings.STRIPE_SECRET_KEY = "sk_test_standin" if stripe else ""
    page = SimpleNamespace(accepts_cards=cards, deadline=DEADLINES[when])
    assert rules.card_gift_refusal(page, NOW) == CARD_GRID[(stripe, cards, when)]
    assert rules.may_give_by_card(page, NOW) is (CARD_GRID[(stripe, cards, when)] is None)


def test_the_grid_covers_every_combination():
    assert set(CARD_GRID) == set(product((True, False), (True, False), DEADLINES))


# (funding model, deadline, reached, refunds started) -> card gifts refunded.
MISSED_GRID = {
    **{("keep", when, r, s): False for when in DEADLINES for r, s in product((1, 0), (1, 0))},
    **{
        ("all_or_nothing", w, r, s): False
        for w in ("none", "future")
        for r in (1, 0)
        for s in (1, 0)
    },
    ("all_or_nothing", "past", 1, 1): True,  # refunds began (the total fell back below)
    ("all_or_nothing", "past", 1, 0): False,
    ("all_or_nothing", "past", 0, 1): True,
    ("all_or_nothing", "past", 0, 0): True,
}


@pytest.mark.parametrize(("model", "when", "reached", "started"), list(MISSED_GRID))
def test_target_missed_grid(model, when, reached, started):
    page = SimpleNamespace(funding_model=model, deadline=DEADLINES[when])
    asked = []

    def refunds_started():
        asked.append(True)
        return bool(started)

    missed = rules.target_missed(page, bool(reached), refunds_started, NOW)
    assert missed is MISSED_GRID[(model, when, reached, started)]
    # The refunds are looked up only for a closed all-or-nothing crowdfund.
    assert not asked or (model, when) == ("all_or_nothing", "past")


# (ended, confirmed by Stripe, Stripe set up) -> why the portal is refused (None: it opens).
GIFT_GRID = {
    **{(True, c, s): "gift_ended" for c, s in product((True, False), (True, False))},
    (False, False, True): "not_confirmed",
    (False, False, False): "not_confirmed",
    (False, True, False): "cards_not_set_up",
    (False, True, True): None,
}


@pytest.mark.parametrize(("ended", "confirmed", "stripe"), list(GIFT_GRID))
def test_monthly_gift_grid(settings, ended, confirmed, stripe):
    settings.STRIPE_SECRET_KEY = "sk_test_standin" if stripe else ""
    donation = SimpleNamespace(has_ended=ended, stripe_customer_id="cus_1" if confirmed else "")
    assert rules.monthly_gift_refusal(donation) == GIFT_GRID[(ended, confirmed, stripe)]


@pytest.mark.parametrize(
    ("monthly_offered", "asked", "given"),
    [
        (True, "monthly", "monthly"),
        (True, "one_off", "one_off"),
        (False, "monthly", "one_off"),
        (False, "one_off", "one_off"),
    ],
)
def test_gift_frequency(monthly_offered, asked, given):
    assert rules.gift_frequency(SimpleNamespace(monthly_offered=monthly_offered), asked) == given


# --- Through the real pages and the permission names ----------------------------------


@pytest.mark.parametrize(("when", "form_shown"), [("future", True), ("past", False)])
def test_the_donate_page_offers_the_card_form_only_while_the_rule_allows(
    client, stripe_keys, home, when, form_shown
):
    page = make_crowdfund(home, deadline=DEADLINES[when])
    response = client.get(page.url + page.reverse_subpage("donate"))
    assert response.status_code == 200
    assert (response.context["form"] is not None) is form_shown


def test_the_permission_names_ask_the_same_rules(stripe_keys, home, supporter):
    from django.contrib.auth.models import AnonymousUser

    open_page = make_crowdfund(home, slug="open", deadline=NOW + timedelta(days=3))
    closed_page = make_crowdfund(home, slug="closed", deadline=NOW - timedelta(days=1))
    for user in (AnonymousUser(), supporter):
        assert user.has_perm("crowdfund.give_by_card", open_page)
        assert not user.has_perm("crowdfund.give_by_card", closed_page)
    gift = make_donation(open_page, frequency="monthly", stripe_customer_id="cus_1")
    assert supporter.has_perm("crowdfund.manage_monthly_gift", gift)
    gift.cancelled_at = NOW - timedelta(days=1)
    assert not AnonymousUser().has_perm("crowdfund.manage_monthly_gift", gift)
