"""Thresholds announce once; a down broker or a rolled-back transaction loses nothing."""

import contextlib
import threading

import pytest
from django.core.management import call_command
from django.db import close_old_connections, transaction
from django.urls import reverse

from crowdfund.models import LedgerEntry, Milestone, StretchTarget, WebhookEvent
from crowdfund.tasks import apply_pending_webhook_events
from tests.conftest import postgres_only
from tests.crowdfund.conftest import make_crowdfund, make_donation, total
from tests.support import stripe_standin as fake_stripe


@contextlib.contextmanager
def unreachable_broker():
    """Real Celery publishing (not eager) to a Redis broker where nothing listens."""
    from cms.celery import app

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    saved_pools = app._pool, app.amqp._producer_pool
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._pool = app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.update(saved)
        app._pool, app.amqp._producer_pool = saved_pools


def target_emails(outbox):
    return [m for m in outbox if m.subject.endswith("target reached")]


def pay(post_event, crowdfund, amount, **fields):
    donation = make_donation(crowdfund, amount_pence=amount, **fields)
    session = fake_stripe.checkout_session(amount=amount, reference=str(donation.reference))
    return post_event(fake_stripe.event("checkout.session.completed", session))


@pytest.mark.django_db
def test_target_reached_is_announced_once(post_event, home, mailoutbox, settings):
    crowdfund = make_crowdfund(home, target_pence=10_000)
    pay(post_event, crowdfund, 6_000, updates_opt_in=True)
    assert list(Milestone.objects.values_list("kind", flat=True)) == ["halfway"]
    pay(post_event, crowdfund, 5_000)
    pay(post_event, crowdfund, 5_000)
    assert Milestone.objects.filter(kind="target").count() == 1
    emails = target_emails(mailoutbox)
    # One to the team and one to the backer who opted in; none again on the third gift.
    assert sorted(m.to[0] for m in emails) == sorted(
        ["ada@example.com", settings.DEFAULT_FROM_EMAIL]
    )


@pytest.mark.django_db
def test_stretch_target_is_announced_when_passed(post_event, home):
    crowdfund = make_crowdfund(home, target_pence=10_000)
    StretchTarget.objects.create(page=crowdfund, amount_pence=20_000, description="Translations")
    pay(post_event, crowdfund, 25_000)
    assert set(Milestone.objects.values_list("kind", "threshold_pence")) == {
        ("halfway", 5_000),
        ("target", 10_000),
        ("stretch", 20_000),
    }


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_donations_crossing_the_target_announce_once(stripe_keys, home, mailoutbox):
    """Six payments applied at once; any two of them cross the target."""
    from crowdfund.stripe_events import apply_event

    crowdfund = make_crowdfund(home, slug="race-to-target", target_pence=10_000)
    events = []
    for _ in range(6):
        donation = make_donation(crowdfund, amount_pence=5_000)
        data = fake_stripe.event(
            "checkout.session.completed",
            fake_stripe.checkout_session(amount=5_000, reference=str(donation.reference)),
        )
        events.append(
            WebhookEvent.objects.create(
                event_id=data["id"], type=data["type"], livemode=False, payload=data
            )
        )
    barrier = threading.Barrier(len(events))

    def work(pk):
        try:
            barrier.wait()
            apply_event(pk)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=work, args=(event.pk,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert total(crowdfund) == 30_000
    assert WebhookEvent.objects.filter(applied_at__isnull=True).count() == 0
    assert Milestone.objects.filter(crowdfund=crowdfund, kind="target").count() == 1
    assert len(target_emails(mailoutbox)) == 1


@pytest.mark.django_db
def test_rolled_back_transaction_enqueues_nothing(stripe_keys, crowdfund, monkeypatch):
    from crowdfund import tasks, views

    sent = []
    monkeypatch.setattr(tasks.apply_webhook_event, "apply_async", lambda *a, **k: sent.append(a))
    with pytest.raises(RuntimeError), transaction.atomic():
        event = WebhookEvent.objects.create(event_id="evt_x", type="t", payload={})
        transaction.on_commit(lambda: views.enqueue_apply(event.pk))
        raise RuntimeError("the request failed after storing")
    assert sent == []
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_with_the_broker_down_the_event_is_stored_and_caught_up_later(
    post_event, crowdfund, caplog
):
    """A real Redis broker that is down, eager off: enqueueing fails, the webhook says 200."""
    donation = make_donation(crowdfund, amount_pence=2_000)
    session = fake_stripe.checkout_session(amount=2_000, reference=str(donation.reference))
    with unreachable_broker():
        response = post_event(fake_stripe.event("checkout.session.completed", session))
    assert response.status_code == 200
    assert "Broker unreachable" in caplog.text
    stored = WebhookEvent.objects.get()
    assert stored.applied_at is None
    assert total(crowdfund) == 0

    assert apply_pending_webhook_events.delay().get() == 1  # the beat task
    assert total(crowdfund) == 2_000
    call_command("apply_pending_webhooks")  # running it again changes nothing
    assert LedgerEntry.objects.count() == 1


@pytest.mark.django_db
def test_apply_pending_webhooks_command_applies_stored_events(stripe_keys, crowdfund, capsys):
    donation = make_donation(crowdfund, amount_pence=1_500)
    data = fake_stripe.event(
        "checkout.session.completed",
        fake_stripe.checkout_session(amount=1_500, reference=str(donation.reference)),
    )
    WebhookEvent.objects.create(event_id=data["id"], type=data["type"], payload=data)
    call_command("apply_pending_webhooks")
    assert "Applied 1" in capsys.readouterr().out
    assert total(crowdfund) == 1_500


@pytest.mark.django_db
def test_webhook_answers_even_if_the_event_body_is_not_an_event(client, stripe_keys):
    import json

    from tests.support.stripe_standin import WEBHOOK_SECRET

    body = json.dumps({"hello": "world"})
    response = client.post(
        reverse("crowdfund_stripe_webhook"),
        data=body,
        content_type="application/json",
        **fake_stripe.signed_headers(body, WEBHOOK_SECRET),
    )
    assert response.status_code == 400
