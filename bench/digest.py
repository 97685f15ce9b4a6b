"""Benchmark: the daily digest for a large audience, its time and its memory.

For each audience size (15,000 and 60,000 supporters by default, each with three waiting
notifications of two kinds) it runs, each in a fresh process so the peak RSS is that
run's alone:

- `digest`: `notifications.sending.send_digests("daily")`, what beat runs at 07:00: the
  recipients streamed in batches, each digest grouped, rendered (text and HTML, with its
  signed unsubscribe links) and written to the outbox;
- `mass`: Django's `send_mass_mail` of the same number of plain one-line messages, through
  the same backend (the outbox), the floor for "one email per person".

Both stop at the outbox: the SMTP delivery after it is the workers' (cms/mail.py), the same
for both, so it is left out (the hand-over to Celery is a no-op here). It prints each run's
time, messages per second, peak RSS and the ratio to `mass` measured in the same run; the
digest's RSS should be flat from the small audience to the large one.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_digest_bench \\
    .venv/bin/python bench/digest.py

BENCH_AUDIENCES=1000,4000 for a short run. Not part of the test suite.
"""

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AUDIENCES = [int(n) for n in (os.environ.get("BENCH_AUDIENCES") or "15000,60000").split(",") if n]
PER_PERSON = 3
BUDGET_SECONDS = 300  # the bar: 60,000 digests in under five minutes
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "cms.settings.test",
    "DATABASE_URL": os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hub_digest_bench"
    ),
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
}
os.environ.update(BENCH_ENV)
EMAIL_PREFIX = "bench-digest-"


def setup_django():
    from bench.databases import ensure_database

    ensure_database(BENCH_ENV["DATABASE_URL"])
    import django

    django.setup()
    import cms.mail

    cms.mail.enqueue_delivery = lambda pk: None  # the workers' part, the same for both


def prepare(audience: int) -> None:
    """`audience` supporters, each with PER_PERSON daily notifications waiting."""
    from django.core.management import call_command
    from django.db import connection

    from cms.models import OutgoingEmail, User
    from notifications.kinds import Frequency, Kind
    from notifications.models import Notification

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Notification._meta.db_table}, {OutgoingEmail._meta.db_table}")
    User.objects.filter(email__startswith=EMAIL_PREFIX)._raw_delete(connection.alias)
    batch = 5000
    for start in range(0, audience, batch):
        User.objects.bulk_create(
            User(
                email=f"{EMAIL_PREFIX}{n}@example.com",
                display_name=f"Supporter {n}",
                password="!",
            )
            for n in range(start, min(start + batch, audience))
        )
    ids = list(User.objects.filter(email__startswith=EMAIL_PREFIX).values_list("pk", flat=True))
    kinds = [Kind.STATUS_CHANGE, Kind.MEETING, Kind.STATUS_CHANGE]
    for start in range(0, len(ids), batch):
        Notification.objects.bulk_create(
            Notification(
                recipient_id=pk,
                kind=kinds[i],
                key=f"bench:{i}",
                summary=f"Amendment {i} to the second clause of Our manifesto is now accepted",
                url=f"/manifesto/amendment/{i}/",
                email_frequency=Frequency.DAILY,
            )
            for pk in ids[start : start + batch]
            for i in range(PER_PERSON)
        )


def run_phase(phase: str, audience: int) -> dict:
    """In this (fresh) process: one phase, timed, with its peak RSS."""
    setup_django()
    from django.core.mail import send_mass_mail

    from cms.models import OutgoingEmail, User
    from notifications import sending
    from notifications.kinds import Frequency

    OutgoingEmail.objects.all().delete()
    started = time.perf_counter()
    if phase == "digest":
        sent = sending.send_digests(Frequency.DAILY, "daily")
    else:
        emails = User.objects.filter(email__startswith=EMAIL_PREFIX).values_list("email", flat=True)
        sent = send_mass_mail(
            (
                ("Your daily summary", "Three updates.", None, [email])
                for email in emails.iterator(chunk_size=2000)
            ),
        )
    seconds = time.perf_counter() - started
    assert sent == audience, (phase, sent, audience)
    assert OutgoingEmail.objects.count() == audience
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"phase": phase, "sent": sent, "seconds": seconds, "peak_mib": peak_kib / 1024}


def in_fresh_process(phase: str, audience: int) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, phase, str(audience)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    setup_django()
    from notifications.models import Notification

    print(f"Daily digests, {PER_PERSON} notifications a person, each run in a fresh process")
    print(
        f"{'audience':>9} {'what':<16} {'seconds':>8} {'per s':>8} {'peak RSS':>10} {'x mass':>7}"
    )
    results = {}
    for audience in AUDIENCES:
        prepare(audience)
        mass = in_fresh_process("mass", audience)
        digest = in_fresh_process("digest", audience)
        assert not Notification.objects.filter(emailed_at__isnull=True).exists()
        results[audience] = digest
        for label, run in (("send_mass_mail", mass), ("daily digest", digest)):
            ratio = run["seconds"] / mass["seconds"]
            print(
                f"{audience:>9,} {label:<16} {run['seconds']:>8.1f} "
                f"{run['sent'] / run['seconds']:>8.0f} {run['peak_mib']:>7.0f} MiB {ratio:>6.1f}x"
            )
    smallest, largest = min(results), max(results)
    growth = results[largest]["peak_mib"] / results[smallest]["peak_mib"]
    print(
        f"Digest peak RSS from {smallest:,} to {largest:,} people: x{growth:.2f} "
        f"(the audience grew x{largest / smallest:.0f})"
    )
    verdict = "under" if results[largest]["seconds"] < BUDGET_SECONDS else "OVER"
    print(f"{largest:,} digests in {results[largest]['seconds']:.0f} s: {verdict} the 300 s bar")


if __name__ == "__main__":
    if len(sys.argv) == 3:
        print(json.dumps(run_phase(sys.argv[1], int(sys.argv[2]))))
    else:
        main()
