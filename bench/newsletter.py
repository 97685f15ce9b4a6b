"""Benchmark: a newsletter to 60,000 subscribed supporters, queued and delivered to a real
SMTP server (aiosmtpd, in its own process), beside Django's own `send_mass_mail`.

What it prints:
- the time to choose the recipients into delivery rows (the goal: under 60 seconds);
- the time and rate to deliver them all with one worker (this process running the send
  task's code, `newsletters.sending.pump`, unpaced; the goal: 200 messages a second or more);
- the time and rate of `django.core.mail.send_mass_mail` sending the same number of
  messages (plain text, one connection, no database) to the same server, in the same run,
  and the ratio of the two.
It then checks, from the server's count and the rows, that every subscriber got exactly one.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_news_bench \\
    REDIS_URL=redis://127.0.0.1:6379/10 .venv/bin/python bench/newsletter.py

BENCH_QUICK=1 sends 6,000 instead of 60,000 (BENCH_SUBSCRIBERS sets any number);
BENCH_SMTP_PORT (default 8425) is where the stand-in listens. Not part of the test suite.
"""

import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUICK = os.environ.get("BENCH_QUICK") == "1"
SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS") or (6_000 if QUICK else 60_000))
SMTP_PORT = int(os.environ.get("BENCH_SMTP_PORT") or 8425)
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "cms.settings.test",
    "DATABASE_URL": os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hub_news_bench"
    ),
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/10"),
}
os.environ.update(BENCH_ENV)
PREFIX = "bench-news-"


def smtp_server(port, count, ready):
    """The SMTP stand-in in its own process, so it never competes with the sender for the GIL."""
    import asyncio

    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server, session, envelope):
            with count.get_lock():
                count.value += len(envelope.rcpt_tos)
            return "250 Message accepted for delivery"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        asyncio.run(asyncio.sleep(10**9))
    finally:
        controller.stop()


def main():
    count = multiprocessing.Value("l", 0)
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=smtp_server, args=(SMTP_PORT, count, ready))
    server.start()
    ready.wait(30)
    try:
        run(count)
    finally:
        server.terminate()
        server.join()


def run(count):
    from bench.databases import ensure_database

    ensure_database(BENCH_ENV["DATABASE_URL"])

    import django

    django.setup()

    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.mail import get_connection, send_mass_mail
    from django.core.management import call_command
    from django.utils import timezone

    from cms.models import User
    from newsletters import sending
    from newsletters.models import Delivery, Newsletter, Source, Status, Subscription
    from tests.newsletters.conftest import make_newsletter

    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", SMTP_PORT
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    settings.NEWSLETTER_SEND_RATE = 0  # as fast as one worker goes
    settings.NEWSLETTER_BATCH_SIZE = 500

    call_command("migrate", verbosity=0)
    Newsletter.objects.filter(subject__startswith="Benchmark").delete()
    Subscription.objects.filter(email__startswith=PREFIX).delete()
    User.objects.filter(email__startswith=PREFIX).delete()

    print(f"Preparing {SUBSCRIBERS:,} supporters who opted in...", flush=True)
    now = timezone.now()
    unusable = make_password(None)
    users = User.objects.bulk_create(
        (
            User(email=f"{PREFIX}{n}@example.com", password=unusable, display_name=f"R{n}")
            for n in range(SUBSCRIBERS)
        ),
        batch_size=5000,
    )
    Subscription.objects.bulk_create(
        (
            Subscription(
                email=user.email,
                user=user,
                source=Source.ACCOUNT,
                wording="Yes, email me the newsletter.",
                opted_in_at=now,
                confirmed_at=now,
            )
            for user in users
        ),
        batch_size=5000,
    )
    newsletter = make_newsletter("Benchmark: spring news")
    Newsletter.objects.filter(pk=newsletter.pk).update(status=Status.QUEUEING)

    started = time.perf_counter()
    queued = sending.queue_recipients(newsletter.pk)
    queue_seconds = time.perf_counter() - started

    started = time.perf_counter()
    outcome = sending.pump(newsletter.pk, seconds=3600)
    send_seconds = time.perf_counter() - started
    newsletter_received = count.value

    # Django's own, to the same server, the same number of messages, in the same run.
    datatuple = [
        ("Benchmark", "A plain message.", settings.DEFAULT_FROM_EMAIL, [f"{PREFIX}{n}@example.com"])
        for n in range(SUBSCRIBERS)
    ]
    started = time.perf_counter()
    send_mass_mail(datatuple, connection=get_connection(settings.EMAIL_DELIVERY_BACKEND))
    mass_seconds = time.perf_counter() - started
    mass_received = count.value - newsletter_received

    sent = Delivery.objects.filter(newsletter=newsletter, state=Delivery.State.SENT).count()
    rate, mass_rate = SUBSCRIBERS / send_seconds, SUBSCRIBERS / mass_seconds
    print()
    print(f"subscribers                     {SUBSCRIBERS:>10,}")
    print(
        f"queued (delivery rows)          {queued:>10,}  in {queue_seconds:6.1f} s  (goal < 60 s)"
    )
    print(
        f"newsletter delivered, 1 worker  {newsletter_received:>10,}  in {send_seconds:6.1f} s  "
        f"= {rate:6.0f} msg/s  (goal >= 200)"
    )
    print(
        f"send_mass_mail, same server     {mass_received:>10,}  in {mass_seconds:6.1f} s  "
        f"= {mass_rate:6.0f} msg/s"
    )
    print(f"newsletter rate / send_mass_mail rate: {rate / mass_rate:.2f}")
    print(f"queue + delivery, end to end: {queue_seconds + send_seconds:.1f} s")
    problems = []
    if outcome != "sent" or sent != SUBSCRIBERS or newsletter_received != SUBSCRIBERS:
        problems.append(f"outcome {outcome}, {sent} rows sent, {newsletter_received} received")
    if queue_seconds >= 60:
        problems.append("queueing took 60 s or more")
    if rate < 200:
        problems.append("delivery under 200 messages a second")
    print("OK: every subscriber got exactly one" if not problems else "; ".join(problems))

    Newsletter.objects.filter(pk=newsletter.pk).delete()
    Subscription.objects.filter(email__startswith=PREFIX).delete()
    User.objects.filter(email__startswith=PREFIX).delete()
    return 1 if problems else 0


if __name__ == "__main__":
    main()
