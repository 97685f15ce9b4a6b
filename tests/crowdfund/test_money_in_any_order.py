"""One donor's Stripe history, delivered in any order, leaves the same money, flag and checks.

The histories are drawn by hypothesis: one-off gifts of various sizes, each either
kept, refunded (in one or two steps) or disputed (won, lost, or still open). Every
event goes through the signed webhook, the inbox and the real handlers, with the
stand-in answering Stripe lookups; then the catch-up applies what had to wait.
"""

import random
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connections
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crowdfund import law, stripe_events
from crowdfund.models import Donation, LedgerEntry, PermissibilityCheck, WebhookEvent
from tests.conftest import ON_POSTGRES
from tests.crowdfund.conftest import make_crowdfund, make_donation
from tests.support import stripe_standin as fake_stripe

AMOUNTS = [40_000, 200_000, 300_000, 500_000, 600_000]
OUTCOMES = ["kept", "refunded_part", "refunded_all", "won", "lost", "open"]


@dataclass
class Gift:
    amount: int
    outcome: str

    @property
    def held(self) -> int:
        """What the donor finally gave, worked out by hand from the outcome."""
        return {
            "kept": self.amount,
            "refunded_part": self.amount - 1,
            "refunded_all": 0,
            "won": self.amount,
            "lost": 0,
            "open": 0,
        }[self.outcome]


def history_events(standin, crowdfund, email: str, gifts: list[Gift]) -> list[dict]:
    """Create the donations and the Stripe events one donor's gifts produce.

    Each charge is also put on the stand-in, so a lookup (a dispute arriving before
    its payment, with no metadata of ours) finds it as Stripe would.
    """
    events = []
    for gift in gifts:
        donation = make_donation(crowdfund, amount_pence=gift.amount, email=email, address="1 Rd")
        reference = str(donation.reference)
        session = fake_stripe.checkout_session(amount=gift.amount, reference=reference)
        intent = session["payment_intent"]
        charge = fake_stripe.charge(amount=gift.amount, payment_intent=intent, reference=reference)
        standin.add_charge(dict(charge))
        events.append(fake_stripe.event("checkout.session.completed", session))
        if gift.outcome == "refunded_part":
            refunded = dict(charge, amount_refunded=1)
            events.append(fake_stripe.event("charge.refunded", refunded))
        if gift.outcome == "refunded_all":
            for step in (1, gift.amount):
                refunded = dict(charge, amount_refunded=step, refunded=step == gift.amount)
                events.append(fake_stripe.event("charge.refunded", refunded))
        if gift.outcome in ("won", "lost", "open"):
            opened = fake_stripe.dispute(
                charge_id=charge["id"],
                amount=gift.amount,
                status="needs_response",
                payment_intent=intent,
            )
            events.append(fake_stripe.event("charge.dispute.created", opened))
            if gift.outcome != "open":
                events.append(
                    fake_stripe.event("charge.dispute.closed", dict(opened, status=gift.outcome))
                )
    return events


def catch_up_everything():
    """The catch-up, as if the clock had moved on past every back-off."""
    later = datetime.now(UTC) + timedelta(days=2)
    while stripe_events.apply_pending(now=later):
        pass


def assert_donor_ended_as_the_law_says(email: str, gifts: list[Gift]):
    donations = Donation.objects.filter(email=email)
    held = LedgerEntry.objects.filter(donation__in=donations).aggregate(total=Sum("amount_pence"))
    assert (held["total"] or 0) == sum(g.held for g in gifts)
    in_law = sum(g.held for g in gifts if g.amount > law.DONATION_IN_LAW_OVER_PENCE)
    expected_flag = in_law > law.REPORTABLE_OVER_PENCE
    assert set(donations.values_list("reportable", flat=True)) == {expected_flag}
    checks = PermissibilityCheck.objects.filter(donation__in=donations).count()
    assert checks == sum(1 for g in gifts if g.amount > law.DONATION_IN_LAW_OVER_PENCE)


gift_strategy = st.builds(Gift, amount=st.sampled_from(AMOUNTS), outcome=st.sampled_from(OUTCOMES))


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(gifts=st.lists(gift_strategy, min_size=1, max_size=4), data=st.data())
def test_any_delivery_order_gives_the_same_sum_flag_and_checks(
    stripe_standin, post_event, home, django_capture_on_commit_callbacks, gifts, data
):
    mail.outbox.clear()
    crowdfund = make_crowdfund(home, slug=f"cf-{uuid.uuid4().hex[:8]}")
    email = f"donor-{uuid.uuid4().hex[:8]}@example.com"
    events = history_events(stripe_standin, crowdfund, email, gifts)
    order = data.draw(st.permutations(range(len(events))))
    for index in order:
        post_event(events[index])
    with django_capture_on_commit_callbacks(execute=True):
        catch_up_everything()
    assert_donor_ended_as_the_law_says(email, gifts)


@pytest.mark.parametrize(
    ("first", "then", "reportable"),
    [
        # The two cases, in the order that used to give the wrong flag.
        ([Gift(600_000, "lost")], [Gift(200_000, "kept")], False),
        ([Gift(500_000, "kept")], [Gift(300_000, "won")], True),
    ],
)
@pytest.mark.django_db
def test_refunds_and_disputes_decide_the_flag_again(
    stripe_standin, post_event, crowdfund, first, then, reportable
):
    events = history_events(stripe_standin, crowdfund, "giver@example.com", first + then)
    # Disputes first, then the payments: the flag follows the ledger, not the order.
    for event in sorted(events, key=lambda e: not e["type"].startswith("charge.")):
        post_event(event)
    assert_donor_ended_as_the_law_says("giver@example.com", first + then)
    assert Donation.objects.filter(reportable=True).exists() is reportable


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_concurrent_delivery_gives_the_same_sum_flag_and_checks(stripe_standin, home, seed):
    """Four workers apply one donor's shuffled events at once, each event several times."""
    rng = random.Random(seed)
    gifts = [Gift(rng.choice(AMOUNTS), rng.choice(OUTCOMES)) for _ in range(4)]
    gifts.append(Gift(500_000, "kept"))
    crowdfund = make_crowdfund(home, slug=f"cf-{seed}")
    email = f"donor-{seed}@example.com"
    events = history_events(stripe_standin, crowdfund, email, gifts)
    stored = [
        WebhookEvent.objects.create(event_id=e["id"], type=e["type"], livemode=False, payload=e).pk
        for e in events
    ]
    barrier = threading.Barrier(4)
    errors = []

    def work(order):
        try:
            barrier.wait()
            for pk in order:
                stripe_events.apply_event(pk)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = []
    for _ in range(4):
        order = stored * 2
        rng.shuffle(order)
        threads.append(threading.Thread(target=work, args=(order,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    catch_up_everything()
    assert_donor_ended_as_the_law_says(email, gifts)
