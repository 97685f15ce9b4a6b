"""Benchmark: replay signed Stripe webhooks against the endpoint with real workers.

Generates donations and the events Stripe would send for them (payments, delayed
payments, failures, expiries, partial and full refunds, disputes won and lost,
monthly invoices), adds 20% duplicate deliveries, shuffles everything, and posts each
signed body over HTTP to /crowdfund/stripe/webhook/ on gunicorn (BENCH_WORKERS
workers, production settings, as Stripe reaches the site), from POSTING_THREADS
connections at once. Real Celery workers (started here, Redis broker), one per queue
group as in production (webhooks; email; default and rankings), apply the events and
send the receipts.
When the inbox is drained (the catch-up applies events that arrived before the
object they refer to) and every receipt has been sent, it prints the rate, the time
from the last webhook accepted to the last receipt sent, and checks every crowdfund
total against the sum computed independently from the generated money movements.
The same bodies are then posted to a plain view that only stores the raw body (the
baseline), and the ratio is printed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_crowdfund_bench \\
    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/crowdfund_webhooks.py

BENCH_QUICK=1 replays 2,000 deliveries instead of 10,000; BENCH_EVENTS=n any other
number. BENCH_ONE_QUEUE=1 runs a single worker on every queue instead, for comparison;
BENCH_WEBHOOK_CONCURRENCY sets the webhook worker's processes (default 4, as
docker-compose.yml runs it); BENCH_PORT the port gunicorn listens on (8790).
Not part of the test suite. Never talks to Stripe: nothing here calls Stripe's API.
"""

import json
import os
import random
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.support import stripe_standin as fake_stripe  # noqa: E402  (no Django here)

QUICK = os.environ.get("BENCH_QUICK") == "1"
TOTAL_EVENTS = int(os.environ.get("BENCH_EVENTS") or (2_000 if QUICK else 10_000))
ONE_QUEUE = os.environ.get("BENCH_ONE_QUEUE") == "1"
# Queue groups and their concurrency, as docker-compose.yml runs them.
WEBHOOK_CONCURRENCY = int(os.environ.get("BENCH_WEBHOOK_CONCURRENCY", "4"))
WORKERS = [("webhooks", WEBHOOK_CONCURRENCY), ("email", 1), ("celery,rankings", 1)]
DUPLICATE_SHARE = 0.2
POSTING_THREADS = 8
WEBHOOK_SECRET = fake_stripe.WEBHOOK_SECRET
# Production settings (persistent database connections, as the site and workers run),
# on plain HTTP.
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "cms.settings.production",
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_COOKIES": "false",
    "DATABASE_URL": os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hub_crowdfund_bench"
    ),
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
    "STRIPE_SECRET_KEY": "sk_test_benchmark_only",
    "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "STRIPE_API_BASE": "http://127.0.0.1:1",  # any accidental API call fails fast:
    "STRIPE_MAX_NETWORK_RETRIES": "0",  # not retried, which would sleep a second or more
    "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    "LOG_LEVEL": "WARNING",
}
os.environ.update(BENCH_ENV)


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


ensure_database(BENCH_ENV["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402


# --- a plain view for comparison: store the raw body, nothing else ---------------------
@csrf_exempt
def store_raw_body(request):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO crowdfund_bench_raw (body) VALUES (%s)", [request.body.decode()]
        )
    return HttpResponse(status=200)


urlpatterns = [
    path("bench/raw/", store_raw_body),
    path("", include("cms.urls")),
]


# --- generating what Stripe would send ----------------------------------------------------
def scenario_events(donation, crowdfund_id, rng):
    """Events for one donation and the net pence they move into the crowdfund."""
    reference = str(donation.reference)
    amount = donation.amount_pence
    roll = rng.random()
    if donation.frequency == "monthly":
        subscription_id = fake_stripe.new_id("sub")
        session = fake_stripe.checkout_session(
            amount=amount, reference=reference, mode="subscription", subscription=subscription_id
        )
        events = [fake_stripe.event("checkout.session.completed", session)]
        months = rng.randint(1, 3)
        for _ in range(months):
            invoice = fake_stripe.invoice(
                amount=amount, subscription=subscription_id, reference=reference
            )
            events.append(fake_stripe.event("invoice.paid", invoice))
        if roll < 0.3:
            events.append(
                fake_stripe.event(
                    "customer.subscription.deleted",
                    fake_stripe.subscription(subscription_id=subscription_id, reference=reference),
                )
            )
        return events, amount * months
    session = fake_stripe.checkout_session(amount=amount, reference=reference)
    payment_intent = session["payment_intent"]
    charge = fake_stripe.charge(amount=amount, payment_intent=payment_intent, reference=reference)
    if roll < 0.05:  # delayed payment that fails
        unpaid = {**session, "payment_status": "unpaid"}
        return [
            fake_stripe.event("checkout.session.completed", unpaid),
            fake_stripe.event("checkout.session.async_payment_failed", unpaid),
        ], 0
    if roll < 0.10:  # abandoned checkout
        expired = {**session, "status": "expired", "payment_status": "unpaid"}
        return [fake_stripe.event("checkout.session.expired", expired)], 0
    if roll < 0.15:  # delayed payment that succeeds
        unpaid = {**session, "payment_status": "unpaid"}
        return [
            fake_stripe.event("checkout.session.completed", unpaid),
            fake_stripe.event("checkout.session.async_payment_succeeded", session),
        ], amount
    events = [fake_stripe.event("checkout.session.completed", session)]
    if roll < 0.27:  # partial refund, sometimes followed by a full refund
        partial = amount // 3
        events.append(fake_stripe.event("charge.refunded", {**charge, "amount_refunded": partial}))
        if roll < 0.21:
            events.append(
                fake_stripe.event("charge.refunded", {**charge, "amount_refunded": amount})
            )
            return events, 0
        return events, amount - partial
    if roll < 0.33:  # dispute, won or lost
        dispute = fake_stripe.dispute(
            charge_id=charge["id"], payment_intent=payment_intent, amount=amount, status="lost"
        )
        opened = {**dispute, "status": "needs_response"}
        won = roll < 0.30
        events += [
            fake_stripe.event("charge.dispute.created", opened),
            fake_stripe.event(
                "charge.dispute.closed", {**dispute, "status": "won" if won else "lost"}
            ),
        ]
        return events, amount if won else 0
    return events, amount


def generate(crowdfunds, unique_target, rng):
    from crowdfund.models import Donation

    events, expected = [], {page.pk: 0 for page in crowdfunds}
    number = 0
    while len(events) < unique_target:
        number += 1
        page = rng.choice(crowdfunds)
        donation = Donation.objects.create(
            crowdfund=page,
            amount_pence=rng.choice([500, 1_000, 2_500, 5_000, 10_000, 25_000]),
            frequency="monthly" if rng.random() < 0.1 else "one_off",
            name=f"Bench Donor {number}",
            email=f"donor{number}@bench.example",
        )
        new_events, net = scenario_events(donation, page.pk, rng)
        events += new_events
        expected[page.pk] += net
    return events, expected


# --- running ----------------------------------------------------------------------------------
def start_workers():
    """Real Celery workers on the environment's broker, one per queue group."""
    import subprocess

    import run  # bench/run.py

    env = {**os.environ, **BENCH_ENV}
    if ONE_QUEUE:
        return [run.start_celery_worker(env, concurrency=4)]
    return [
        subprocess.Popen(
            [
                *(run.PYTHON, "-m", "celery", "-A", "cms", "worker"),
                *("-Q", queues, "-n", f"bench-{queues.split(',')[0]}@%h"),
                *("--concurrency", str(concurrency), "--loglevel", "WARNING"),
                *("--without-gossip", "--without-mingle"),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for queues, concurrency in WORKERS
    ]


def wait_until_workers_answer(count, timeout=120):
    """Deliveries start once every worker answers a ping: the run measures applying, not
    how long workers take to start on a busy machine."""
    from cms.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=1.0)) >= count:
            return
    raise SystemExit("the workers did not start")


def post_all(path, bodies, sign=True, threads=POSTING_THREADS):
    """Deliver every body over HTTP from a few connections at once, as Stripe does.

    Returns the seconds taken. Each thread posts its share one after another; any answer
    but 200 stops the run.
    """
    import http.client

    import run  # bench/run.py: the port gunicorn listens on

    def deliver(share):
        for body in share:
            headers = {"Content-Type": "application/json"}
            if sign:
                signed = fake_stripe.signed_headers(body, WEBHOOK_SECRET)
                headers["Stripe-Signature"] = signed["HTTP_STRIPE_SIGNATURE"]
            connection = http.client.HTTPConnection("127.0.0.1", run.PORT, timeout=60)
            try:
                connection.request("POST", path, body=body.encode(), headers=headers)
                response = connection.getresponse()
                response.read()
            finally:
                connection.close()
            if response.status != 200:
                raise SystemExit(f"{path} answered {response.status}")

    shares = [bodies[n::threads] for n in range(threads)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(deliver, shares))
    return time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process and its children have used (Linux /proc)."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(cpu_seconds(int(child)) for child in children)


def gunicorn_pid() -> int:
    """The gunicorn this run started (a child of this process): its CPU includes its workers'."""
    me = os.getpid()
    for child in Path(f"/proc/{me}/task/{me}/children").read_text().split():
        if b"gunicorn" in Path(f"/proc/{child}/cmdline").read_bytes():
            return int(child)
    raise SystemExit("gunicorn not found")


def database_backends_cpu() -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to the benchmark's database now
    (the site's and workers' connections persist, so the same backends serve the run)."""
    name = BENCH_ENV["DATABASE_URL"].rsplit("/", 1)[1].encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if command.startswith(b"postgres: ") and b" " + name + b" " in command:
                found[int(entry.name)] = cpu_seconds(int(entry.name))
    return found


def wait_until_applied(unique_ids, timeout=1800):
    from django.db.models import Q
    from django.db.models.functions import Now

    from crowdfund.models import WebhookEvent
    from crowdfund.stripe_events import apply_pending

    # Never tried yet and due: a worker will still take it (not a catch-up's work).
    untried = WebhookEvent.objects.filter(applied_at__isnull=True, attempts=0).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=Now())
    )
    deadline = time.monotonic() + timeout
    caught_up = 0
    quiet_since = None
    last_count = -1
    while time.monotonic() < deadline:
        applied = WebhookEvent.objects.filter(applied_at__isnull=False).count()
        if applied >= unique_ids:
            return caught_up
        if applied == last_count:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > 2 and not untried.exists():
                # The workers are done: what is left arrived before its object and was
                # put off (not merely a batch taking longer than two seconds).
                waiting = WebhookEvent.objects.filter(applied_at__isnull=True)
                before = waiting.count()
                apply_pending(due_only=False)
                caught_up += before - waiting.count()
                quiet_since = None
        else:
            quiet_since = None
        last_count = applied
        time.sleep(0.2)
    raise SystemExit("timed out waiting for the inbox to drain")


def wait_until_receipts_sent(timeout=1800):
    """Every payment's receipt handed to the mail server; returns when the last one was."""
    from django.db.models import Max

    from cms.models import OutgoingEmail
    from crowdfund.models import LedgerEntry, LedgerKind

    expected = LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT).count()
    receipts = OutgoingEmail.objects.filter(payload__subject__startswith="Your receipt")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if receipts.filter(sent_at__isnull=False).count() >= expected:
            return expected, receipts.aggregate(last=Max("sent_at"))["last"]
        time.sleep(0.2)
    raise SystemExit("timed out waiting for the receipts")


def main():
    from cms.models import HomePage
    from crowdfund.figures import crowdfund_totals
    from crowdfund.models import (
        CrowdfundPage,
        Donation,
        LedgerEntry,
        WebhookEvent,
    )

    print(f"Migrating {BENCH_ENV['DATABASE_URL']} ...", flush=True)
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS crowdfund_bench_raw (id bigserial, body text)")
        cursor.execute("TRUNCATE crowdfund_bench_raw")
    # A clean slate for the benchmark's own rows.
    LedgerEntry.objects.all().delete()
    from cms.models import OutgoingEmail
    from crowdfund.models import Milestone, PermissibilityCheck

    OutgoingEmail.objects.all().delete()
    PermissibilityCheck.objects.all().delete()
    Milestone.objects.all().delete()
    Donation.objects.all().delete()
    WebhookEvent.objects.all().delete()

    home = HomePage.objects.get()
    crowdfunds = []
    for number in range(3):
        page = CrowdfundPage.objects.filter(slug=f"bench-crowdfund-{number}").first()
        if page is None:
            page = CrowdfundPage(
                title=f"Bench crowdfund {number}",
                slug=f"bench-crowdfund-{number}",
                target_pence=5_000_000,
            )
            home.add_child(instance=page)
            page.save_revision().publish()
        crowdfunds.append(CrowdfundPage.objects.get(pk=page.pk))

    rng = random.Random(20261122)
    unique_target = int(TOTAL_EVENTS / (1 + DUPLICATE_SHARE))
    events, expected = generate(crowdfunds, unique_target, rng)
    duplicates = rng.choices(events, k=TOTAL_EVENTS - len(events))
    deliveries = [json.dumps(e) for e in events + duplicates]
    rng.shuffle(deliveries)
    unique_ids = len({e["id"] for e in events})
    print(
        f"{len(deliveries)} deliveries ({unique_ids} unique events, "
        f"{len(duplicates)} duplicates), shuffled",
        flush=True,
    )

    import run  # bench/run.py: gunicorn as the page benchmark runs it
    from django.utils import timezone

    env = {**os.environ, **BENCH_ENV, "PYTHONPATH": str(ROOT / "bench")}
    with run.gunicorn("crowdfund_webhooks:application", env, ROOT / "bench"):
        workers = start_workers()
        wait_until_workers_answer(1 if ONE_QUEUE else len(WORKERS))
        try:
            started = time.perf_counter()
            cpu_before = cpu_seconds(workers[0].pid)
            web_before = cpu_seconds(gunicorn_pid())
            database_before = database_backends_cpu()
            webhook_seconds = post_all("/crowdfund/stripe/webhook/", deliveries)
            last_webhook = timezone.now()
            caught_up = wait_until_applied(unique_ids)
            applied_seconds = time.perf_counter() - started
            worker_cpu = cpu_seconds(workers[0].pid) - cpu_before
            web_cpu = cpu_seconds(gunicorn_pid()) - web_before
            database_cpu = sum(
                seconds - database_before.get(pid, 0.0)
                for pid, seconds in database_backends_cpu().items()
            )
            receipts, last_receipt = wait_until_receipts_sent()
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)

        raw_seconds = post_all("/bench/raw/", deliveries, sign=False)

    accept_rps = len(deliveries) / webhook_seconds
    raw_rps = len(deliveries) / raw_seconds
    apply_rps = unique_ids / applied_seconds
    print(f"Webhook endpoint: {accept_rps:,.0f} deliveries/s accepted")
    print(f"Plain raw-body view: {raw_rps:,.0f} deliveries/s")
    print(f"Ratio (webhook / plain view throughput): {accept_rps / raw_rps:.2f}")
    layout = (
        "one worker on every queue"
        if ONE_QUEUE
        else "queues split: "
        + "; ".join(f"{queues} x{concurrency}" for queues, concurrency in WORKERS)
    )
    print(f"Workers: {layout}")
    print(
        f"Applied {unique_ids} events in {applied_seconds:.1f}s: "
        f"{apply_rps:,.0f} events/s end to end "
        f"({caught_up} applied by the catch-up after their object arrived)"
    )
    print(
        f"CPU of the {'' if ONE_QUEUE else 'webhook '}worker's processes: "
        f"{1000 * worker_cpu / unique_ids:.1f} ms per event applied (the steadier figure on a "
        f"shared machine)"
    )
    print(
        f"CPU per event applied, the rest: gunicorn {1000 * web_cpu / unique_ids:.1f} ms "
        f"(its {len(deliveries) / unique_ids:.2f} deliveries), PostgreSQL "
        f"{1000 * database_cpu / unique_ids:.1f} ms (every connection to the database: the "
        f"receipts' too), over the same span"
    )
    print(
        f"Last webhook accepted to last receipt sent ({receipts} receipts): "
        f"{max(0.0, (last_receipt - last_webhook).total_seconds()):.1f}s"
    )
    waits = sorted(
        (sent - recorded).total_seconds()
        for recorded, sent in LedgerEntry.objects.filter(receipt_sent_at__isnull=False).values_list(
            "created_at", "receipt_sent_at"
        )
    )
    if waits:
        print(
            f"Receipt wait after its payment was recorded: median {waits[len(waits) // 2]:.1f}s, "
            f"max {waits[-1]:.1f}s (the email queue's own delay)"
        )
    ok = True
    for page in crowdfunds:
        actual = crowdfund_totals(page.pk)["total"]
        match = "OK" if actual == expected[page.pk] else "MISMATCH"
        ok &= actual == expected[page.pk]
        print(
            f"  {page.title}: ledger £{actual / 100:,.2f}, "
            f"expected £{expected[page.pk] / 100:,.2f} {match}"
        )
    duplicated_rows = LedgerEntry.objects.count() - len(
        set(LedgerEntry.objects.values_list("source_id", "kind"))
    )
    print(f"Duplicate ledger rows: {duplicated_rows}")
    if not ok or duplicated_rows:
        raise SystemExit(1)
    print("Totals equal the independently computed sums.")
    print(
        f"RESULT webhook_accept rps={accept_rps:.1f} baseline_rps={raw_rps:.1f} "
        f"vs_baseline={accept_rps / raw_rps:.3f}"
    )
    print(
        f"RESULT webhook_apply rps={apply_rps:.1f} baseline_rps={raw_rps:.1f} "
        f"vs_baseline={apply_rps / raw_rps:.3f} worker_cpu_ms={1000 * worker_cpu / unique_ids:.1f} "
        f"web_cpu_ms={1000 * web_cpu / unique_ids:.1f} "
        f"database_cpu_ms={1000 * database_cpu / unique_ids:.1f}"
    )


if __name__ == "__main__":
    # Stopped from outside (timeout, kill): still stop gunicorn and the workers it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    main()
else:  # served by gunicorn (post_all): the site's URLs and the raw-body view
    from django.core.wsgi import get_wsgi_application

    settings.ROOT_URLCONF = __name__
    django_application = get_wsgi_application()

    from crowdfund.lean_webhook import serve_webhooks  # noqa: E402  (needs the apps loaded)

    # As cms.wsgi serves the endpoint: deliveries on their lean path.
    application = serve_webhooks(django_application)
