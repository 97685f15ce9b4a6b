"""May this person do this to that crowdfund or gift, now? The one place that decides.

Each rule is a function of the page or the donation as it stands and of the time (`now`,
the clock unless given), so the same state gives the same answer and a grid test can
ask every combination (tests/crowdfund/test_rules.py). The views ask these rules; the
money itself (what was paid, what is held, what the law says) stays in `ledger` and
`law`.

Giving by card needs Stripe set up on this site, card gifts switched on for the
crowdfund by its editors, and the crowdfund still open. An all-or-nothing crowdfund that
closed below its target refunds its card gifts. A monthly gift may be changed in
Stripe's customer portal once Stripe has confirmed it, while it has not ended, and while
card payments are set up.
"""

import rules
from django.utils import timezone

from crowdfund import payments

ALL_OR_NOTHING = "all_or_nothing"  # FundingModel.ALL_OR_NOTHING (checked by the grid test)

# Why a card gift is refused (None: it is not).
CARDS_NOT_SET_UP = "cards_not_set_up"  # no Stripe keys on this site
CARDS_OFF = "cards_off"  # the editors offer only bank transfer and cheque here
ENDED = "ended"  # the crowdfund's deadline has passed

# Why a monthly gift cannot be changed in Stripe's portal (None: it can).
GIFT_ENDED = "gift_ended"  # cancelled or ended: the portal cannot restart it
NOT_CONFIRMED = "not_confirmed"  # Stripe has not confirmed it yet (no customer)


def is_open(page, now=None) -> bool:
    """Open until its deadline (a crowdfund without one stays open)."""
    return page.deadline is None or (now or timezone.now()) < page.deadline


def card_gift_refusal(page, now=None) -> str | None:
    """Why nobody may give to this crowdfund by card now (None: anyone may)."""
    if not payments.card_payments_enabled():
        return CARDS_NOT_SET_UP
    if not page.accepts_cards:
        return CARDS_OFF
    if not is_open(page, now):
        return ENDED
    return None


def may_give_by_card(page, now=None) -> bool:
    return card_gift_refusal(page, now) is None


def gift_frequency(page, asked: str) -> str:
    """Monthly only where the crowdfund offers monthly gifts; otherwise one-off."""
    return asked if page.monthly_offered else "one_off"


def target_missed(page, reached: bool, refunds_started, now=None) -> bool:
    """An all-or-nothing crowdfund that closed below target: its card gifts are refunded.

    `refunds_started()` (whether the refunds have begun) is asked only for a closed
    all-or-nothing crowdfund, which may have been below target when it closed.
    """
    if page.funding_model != ALL_OR_NOTHING or is_open(page, now):
        return False
    return refunds_started() or not reached


def monthly_gift_refusal(donation) -> str | None:
    """Why this monthly gift cannot be changed in Stripe's portal now (None: it can)."""
    if donation.has_ended:
        return GIFT_ENDED
    if not donation.stripe_customer_id:
        return NOT_CONFIRMED
    if not payments.card_payments_enabled():
        return CARDS_NOT_SET_UP
    return None


@rules.predicate
def card_gifts_taken(user, page) -> bool:
    return page is not None and may_give_by_card(page)


@rules.predicate
def monthly_gift_changeable(user, donation) -> bool:
    return donation is not None and monthly_gift_refusal(donation) is None


# Nobody's role matters here: a gift is open to anyone, and a monthly gift is changed
# by whoever holds the signed link from its receipt (crowdfund.giving).
rules.add_perm("crowdfund.give_by_card", card_gifts_taken)
rules.add_perm("crowdfund.manage_monthly_gift", monthly_gift_changeable)
