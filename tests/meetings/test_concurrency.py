"""Testing that places are exact when many people book or cancel at the same moment.

Only PostgreSQL has the row locks and truly concurrent transactions this needs: each
thread has its own connection, and all of them start together at a barrier.
"""

import threading

import pytest
from django.db import connection

from meetings import bookings
from meetings.models import Booking
from tests.conftest import make_user, postgres_only

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def all_at_once(count, work):
    """Run work(n) for n in range(count) in as many threads, released together."""
    barrier = threading.Barrier(count)
    errors = []

    def run(number):
        try:
            barrier.wait()
            work(number)
        except Exception as error:  # noqa: BLE001 (reported below, with the thread's number)
            errors.append((number, error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.fixture
def crowd(db):
    return [make_user(f"booker{n}@example.com", display_name=f"Booker {n}") for n in range(32)]


def test_32_bookings_at_once_for_10_places_leave_10_confirmed_and_22_waiting_in_order(
    constituencies, make_meeting, crowd
):
    meeting = make_meeting(capacity=10)
    all_at_once(32, lambda n: bookings.book_signed_in(meeting, crowd[n]))

    rows = list(Booking.objects.filter(meeting=meeting).order_by("queue_number"))
    assert len(rows) == 32
    assert [row.queue_number for row in rows] == list(range(1, 33))
    # The first ten to get the lock have the places; the others wait in the order they came.
    assert [row.status for row in rows] == ["confirmed"] * 10 + ["waiting"] * 22
    confirmed_at = [row.confirmed_at for row in rows]
    assert confirmed_at == sorted(confirmed_at)

    # One cancellation promotes exactly one: the first in the queue.
    first_waiting = rows[10]
    promoted = bookings.cancel_booking(rows[0])
    assert promoted.pk == first_waiting.pk
    counts = meeting.counts()
    assert (counts["confirmed"], counts["waiting"]) == (10, 21)


def test_cancellations_at_once_promote_one_each_in_queue_order(constituencies, make_meeting, crowd):
    meeting = make_meeting(capacity=10)
    for person in crowd[:16]:
        bookings.book_signed_in(meeting, person)
    rows = list(Booking.objects.filter(meeting=meeting).order_by("queue_number"))
    leaving = rows[:4]
    all_at_once(4, lambda n: bookings.cancel_booking(leaving[n]))

    statuses = dict(Booking.objects.values_list("queue_number", "status"))
    assert [statuses[n] for n in range(1, 5)] == ["cancelled"] * 4
    assert [statuses[n] for n in range(5, 15)] == ["confirmed"] * 10
    assert [statuses[n] for n in (15, 16)] == ["waiting", "waiting"]


def test_the_same_person_booking_from_two_tabs_at_once_gets_one_booking(
    constituencies, make_meeting, crowd
):
    meeting = make_meeting(capacity=10)
    all_at_once(4, lambda n: bookings.book_signed_in(meeting, crowd[0]))
    assert Booking.objects.filter(meeting=meeting).count() == 1
