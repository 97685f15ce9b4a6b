"""Values unpickled once per process while Redis holds the same bytes (cms.redis_cache)."""

import pickle

from cms.redis_cache import SharedUnpickled


class Counted:
    def __init__(self):
        self.calls = 0

    def __call__(self, raw):
        self.calls += 1
        return pickle.loads(raw)  # noqa: S301  (the test's own bytes)


def test_the_same_bytes_give_the_same_object_and_new_bytes_a_new_one():
    shared, loads = SharedUnpickled(most=512), Counted()
    first = shared.loads(loads, pickle.dumps({"phase": "open"}))
    again = shared.loads(loads, pickle.dumps({"phase": "open"}))
    changed = shared.loads(loads, pickle.dumps({"phase": "closed"}))
    assert again is first and loads.calls == 2
    assert changed == {"phase": "closed"} and changed is not first


def test_it_holds_at_most_its_limit_then_starts_again():
    shared, loads = SharedUnpickled(most=3), Counted()
    for number in range(3):
        shared.loads(loads, pickle.dumps(number))
    shared.loads(loads, pickle.dumps(3))  # the fourth empties the store first
    assert loads.calls == 4
    shared.loads(loads, pickle.dumps(0))
    assert loads.calls == 5  # read again: no longer held
    shared.loads(loads, pickle.dumps(3))
    assert loads.calls == 5


def test_a_value_that_unpickles_to_none_is_held_too():
    shared, loads = SharedUnpickled(most=512), Counted()
    assert shared.loads(loads, pickle.dumps(None)) is None
    assert shared.loads(loads, pickle.dumps(None)) is None
    assert loads.calls == 1


def test_forget_empties_it():
    shared, loads = SharedUnpickled(most=512), Counted()
    shared.loads(loads, pickle.dumps("x"))
    shared.forget()
    shared.loads(loads, pickle.dumps("x"))
    assert loads.calls == 2
