"""Work is routed to queues by kind (webhooks, email, rankings, the rest), so a backlog of
one kind never delays another; and the Stripe client has a bounded timeout and retries."""

import pytest
from kombu import Connection

from cms.celery import app

EXPECTED_QUEUES = {
    "crowdfund.tasks.apply_webhook_event": "webhooks",
    "crowdfund.tasks.drain_webhook_inbox": "webhooks",
    "crowdfund.tasks.apply_pending_webhook_events": "webhooks",
    "crowdfund.tasks.send_receipt": "email",
    "crowdfund.tasks.send_receipts": "email",
    "crowdfund.tasks.announce_milestone": "email",
    "crowdfund.tasks.email_update": "email",
    "cms.tasks.deliver_email": "email",
    "cms.tasks.send_pending_emails": "email",
    "manifesto.tasks.tell_voters_votes_reset": "email",
    "manifesto.tasks.recompute_rankings": "rankings",
    "crowdfund.tasks.settle_finished_crowdfunds": "celery",
    "cms.edge.purge_edge_again": "celery",
    "crowdfund.news.tell_followers_deadline_near": "celery",
}
# What each task is called with (the rest take none).
ARGUMENTS = {
    "crowdfund.tasks.apply_webhook_event": (1,),
    "crowdfund.tasks.send_receipt": (1,),
    "crowdfund.tasks.send_receipts": ([1, 2],),
    "crowdfund.tasks.announce_milestone": (1,),
    "crowdfund.tasks.email_update": (1,),
    "cms.tasks.deliver_email": (1,),
    "manifesto.tasks.tell_voters_votes_reset": (1, [2]),
    "manifesto.tasks.recompute_rankings": (1,),
    "cms.edge.purge_edge_again": (["varnish"],),
}


@pytest.fixture
def publishing_to_memory_broker(settings):
    """Tasks really published (not run eagerly) to an in-process broker, read back here."""
    app.loader.import_default_modules()
    url = "memory://localhost/"
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    saved_pools = app._pool, app.amqp._producer_pool
    app.conf.task_always_eager = False
    app.conf.broker_url = url
    app._pool = app.amqp._producer_pool = None
    try:
        with Connection(url) as connection:
            for queue in app.amqp.queues.values():
                queue(connection.channel()).declare()
                queue(connection.channel()).purge()
            yield connection
    finally:
        app.conf.update(saved)
        app._pool, app.amqp._producer_pool = saved_pools


def published_task_names(connection, queue_name: str) -> list[str]:
    names = []
    with connection.SimpleQueue(queue_name) as queue:
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                return names
            names.append(message.headers["task"])
            message.ack()


@pytest.mark.parametrize("task_name, queue", EXPECTED_QUEUES.items())
def test_each_task_is_published_to_the_queue_of_its_kind(
    publishing_to_memory_broker, task_name, queue
):
    task = app.tasks[task_name]  # a real, registered task: a renamed one fails here
    task.apply_async(args=ARGUMENTS.get(task_name, ()), retry=False)

    assert published_task_names(publishing_to_memory_broker, queue) == [task_name]
    for other in {"celery", "webhooks", "email", "rankings"} - {queue}:
        assert published_task_names(publishing_to_memory_broker, other) == []


def test_every_task_of_the_site_has_a_queue_chosen_on_purpose():
    app.loader.import_default_modules()
    ours = {name for name in app.tasks if name.split(".")[0] in {"cms", "crowdfund", "manifesto"}}
    assert ours <= set(EXPECTED_QUEUES), ours - set(EXPECTED_QUEUES)


def test_a_worker_started_without_queue_options_consumes_every_queue():
    """`celery -A cms worker` (development, the tests' real workers) still does all the work."""
    assert set(app.amqp.queues) == {"celery", "webhooks", "email", "rankings"}


def test_stripe_client_gives_up_after_the_configured_timeout_and_retries(settings):
    from crowdfund import payments

    settings.STRIPE_SECRET_KEY = "sk_test_standin"
    settings.STRIPE_TIMEOUT_SECONDS = 7.5
    settings.STRIPE_MAX_NETWORK_RETRIES = 3
    client = payments.client()
    requestor = client._requestor
    assert requestor._get_http_client()._timeout == 7.5
    assert requestor._options.max_network_retries == 3
