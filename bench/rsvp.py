"""Benchmark: RSVPs per second with 32 concurrent bookers, and proof no place went twice.

32 signed-in clients (threads, each with its own database connection) book every one of
BENCH_MEETINGS meetings of BENCH_CAPACITY places each, at the same time, through Django's
full request stack (POST /meetings/<id>/book/, CSRF and rate limits included). All 32
contend for the same meeting row at once. Then it prints the rate and checks, from the
rows alone, that each meeting has exactly min(capacity, 32) confirmed bookings, the
others waiting, queue numbers 1..32 without a gap or a repeat, and one booking per person.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_meetings_bench \\
    REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/rsvp.py

BENCH_QUICK=1 books 5 meetings instead of 25. Not part of the test suite.
"""

import os
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CLIENTS = 32
QUICK = os.environ.get("BENCH_QUICK") == "1"
MEETINGS = int(os.environ.get("BENCH_MEETINGS") or (5 if QUICK else 25))
CAPACITY = int(os.environ.get("BENCH_CAPACITY") or 10)
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "cms.settings.test",
    "DATABASE_URL": os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hub_meetings_bench"
    ),
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
    "MEETINGS_BOOK_RATE": "1000000/h",
}
os.environ.update(BENCH_ENV)


from bench.databases import ensure_database  # noqa: E402

ensure_database(BENCH_ENV["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from cms.models import Constituency, HomePage, User  # noqa: E402
from meetings.models import Booking, MeetingIndexPage, MeetingPage  # noqa: E402


def prepare():
    call_command("migrate", verbosity=0)
    MeetingPage.objects.filter(slug__startswith="bench-rsvp-").delete()
    User.objects.filter(email__startswith="bench-rsvp-").delete()
    home = HomePage.objects.get()
    index = MeetingIndexPage.objects.first()
    if index is None:
        index = MeetingIndexPage(title="Meetings", slug="meetings")
        home.add_child(instance=index)
        index.save_revision().publish()
    constituency = Constituency.objects.order_by("name").first()
    start = timezone.now() + timedelta(days=3)
    meetings = []
    for number in range(MEETINGS):
        meeting = MeetingPage(
            title=f"Benchmark meeting {number}",
            slug=f"bench-rsvp-{number}",
            start=start,
            end=start + timedelta(hours=2),
            venue="A hall",
            capacity=CAPACITY,
            constituency=constituency,
            summary="For the benchmark.",
        )
        index.add_child(instance=meeting)
        meeting.save_revision().publish()
        meetings.append(meeting.pk)
    people = [
        User.objects.create_user(email=f"bench-rsvp-{n}@example.com", password=None)
        for n in range(CLIENTS)
    ]
    return meetings, people


def run(meetings, people):
    barrier = threading.Barrier(CLIENTS + 1)
    failures = []

    def client_loop(person):
        client = Client()
        client.force_login(person)
        try:
            barrier.wait()
            for meeting_id in meetings:
                response = client.post(f"/meetings/{meeting_id}/book/")
                if response.status_code != 302:
                    failures.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=client_loop, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, failures


def check(meetings) -> list[str]:
    problems = []
    expected_confirmed = min(CAPACITY, CLIENTS)
    for meeting_id in meetings:
        rows = list(Booking.objects.filter(meeting_id=meeting_id))
        statuses = Counter(row.status for row in rows)
        if statuses["confirmed"] != expected_confirmed:
            problems.append(f"meeting {meeting_id}: {statuses['confirmed']} confirmed")
        if statuses["waiting"] != CLIENTS - expected_confirmed:
            problems.append(f"meeting {meeting_id}: {statuses['waiting']} waiting")
        if sorted(row.queue_number for row in rows) != list(range(1, CLIENTS + 1)):
            problems.append(f"meeting {meeting_id}: queue numbers not 1..{CLIENTS}")
        if len({row.email for row in rows}) != len(rows):
            problems.append(f"meeting {meeting_id}: someone booked twice")
        first = sorted(rows, key=lambda row: row.queue_number)[:expected_confirmed]
        if any(row.status != "confirmed" for row in first):
            problems.append(f"meeting {meeting_id}: a place skipped the queue")
    return problems


def main():
    meetings, people = prepare()
    seconds, failures = run(meetings, people)
    total = len(meetings) * CLIENTS
    print(f"{total} RSVPs by {CLIENTS} concurrent clients in {seconds:.2f} s")
    print(f"RSVPs per second: {total / seconds:.1f}")
    problems = check(meetings)
    if failures:
        problems.append(f"{len(failures)} requests failed: {Counter(failures)}")
    for problem in problems:
        print("PROBLEM:", problem)
    if problems:
        sys.exit(1)
    print(
        f"Checked: every meeting has exactly {min(CAPACITY, CLIENTS)} confirmed, the rest "
        "waiting in order, queue numbers without gap or repeat: no place was given twice."
    )


if __name__ == "__main__":
    main()
