"""The page gate: at most `slots` page runs at once, admitted in the order they asked."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from phm import admission
from phm.admission import Gate


def _wait_until(condition, timeout: float = 10.0) -> None:
    """Poll until condition() holds (threads are scheduled when they are)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.001)


@contextmanager
def _slot_held(gate: Gate) -> Iterator[None]:
    """Hold one of the gate's slots from another thread until the block ends."""
    release = threading.Event()

    def holder() -> None:
        with gate.slot():
            release.wait()

    thread = threading.Thread(target=holder)
    thread.start()
    _wait_until(lambda: gate.running >= 1)
    try:
        yield
    finally:
        release.set()
        thread.join()


def test_no_more_than_the_slots_run_at_once() -> None:
    gate = Gate(2)
    inside, most = [0], [0]
    lock = threading.Lock()

    def page() -> None:
        with gate.slot():
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.01)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=page) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 2
    assert gate.running == 0 and gate.waiting == 0


def test_pages_are_admitted_in_the_order_they_asked_and_told_how_many_are_ahead() -> None:
    gate = Gate(1)
    release = threading.Event()
    entered: list[int] = []
    told: dict[int, int] = {}

    def holder() -> None:
        with gate.slot():
            entered.append(0)
            release.wait()

    def page(number: int) -> None:
        with gate.slot(on_wait=lambda ahead: told.setdefault(number, ahead)):
            entered.append(number)

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    _wait_until(lambda: gate.running == 1)
    for number in range(1, 6):  # each asks once the one before it is in the queue
        threads.append(threading.Thread(target=page, args=(number,)))
        threads[-1].start()
        _wait_until(lambda n=number: gate.waiting == n)
    release.set()
    for thread in threads:
        thread.join()
    assert entered == [0, 1, 2, 3, 4, 5]
    assert told == {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}  # the running page and those queued before


def test_a_page_admitted_at_once_is_not_told_to_wait() -> None:
    told: list[int] = []
    with Gate(1).slot(on_wait=told.append):
        pass
    assert told == []


def test_a_failing_page_or_a_session_that_stops_while_waiting_gives_its_place_back() -> None:
    gate = Gate(1)
    with pytest.raises(RuntimeError), gate.slot():
        raise RuntimeError("the page failed")
    assert gate.running == 0

    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with gate.slot():
            held.set()
            release.wait()

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait()

    def stopped(ahead: int) -> None:  # Streamlit raises in a stopped session's next st call
        raise KeyboardInterrupt(f"stopped with {ahead} ahead")

    with pytest.raises(KeyboardInterrupt), gate.slot(on_wait=stopped):
        pass
    assert gate.waiting == 0  # its place in the queue is gone, not left to block the rest
    release.set()
    thread.join()
    with gate.slot():  # the next page is admitted at once
        assert gate.running == 1


def test_a_caller_that_moved_on_leaves_the_queue_while_it_waits() -> None:
    """on_wait is called again while waiting; raising from it (Streamlit stopping a run the
    session has replaced) gives the place back at once, not when a slot frees up."""
    gate = Gate(1)
    calls: list[int] = []

    def moved_on(ahead: int) -> None:
        calls.append(ahead)
        if len(calls) == 3:
            raise KeyboardInterrupt("a newer run replaced this one")

    with _slot_held(gate):
        with pytest.raises(KeyboardInterrupt), gate.slot(on_wait=moved_on, poll=0.01):
            pass
        assert calls == [1, 1, 1] and gate.waiting == 0 and gate.running == 1


def test_one_owner_never_holds_two_slots_and_holds_up_no_one_else() -> None:
    gate = Gate(2)
    release = threading.Event()
    entered: list[str] = []

    def run(owner: str, name: str) -> None:
        with gate.slot(owner=owner):
            entered.append(name)
            if name == "a1":
                release.wait()

    first = threading.Thread(target=run, args=("a", "a1"))
    first.start()
    _wait_until(lambda: gate.running == 1)
    second = threading.Thread(target=run, args=("a", "a2"))  # the same session again
    second.start()
    _wait_until(lambda: gate.waiting == 1)
    other = threading.Thread(target=run, args=("b", "b1"))
    other.start()
    other.join(timeout=10)  # admitted past the session's waiting run, to the free slot
    assert entered == ["a1", "b1"]
    assert gate.waiting == 1  # a2 still waits for a1
    release.set()
    first.join()
    second.join()
    assert entered == ["a1", "b1", "a2"]


def test_a_page_that_never_ends_slows_the_others_but_never_stops_them() -> None:
    gate = Gate(1)
    with _slot_held(gate):  # a page that never ends
        started = time.monotonic()
        with gate.slot(patience=0.2):
            assert gate.running == 2  # beyond the one slot, after waiting its patience out
            assert time.monotonic() - started >= 0.2
        assert gate.waiting == 0
    assert gate.running == 0


def test_slots_follow_the_setting_one_per_core_by_default(monkeypatch) -> None:
    monkeypatch.setenv("PHM_PAGE_SLOTS", "3")
    assert admission.slots() == 3
    monkeypatch.setenv("PHM_PAGE_SLOTS", "0")
    assert admission.slots() == admission.cores() >= 1
    monkeypatch.setenv("PHM_PAGE_SLOTS", "-1")
    with pytest.raises(ValueError, match="PHM_PAGE_SLOTS"):
        admission.slots()
    with pytest.raises(ValueError, match="at least one slot"):
        Gate(0)
