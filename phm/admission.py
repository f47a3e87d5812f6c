"""At most a few page runs compute at once; the others wait their turn, first come first served.

Streamlit runs every session's script in a thread of its own, so a workshop room of 20 people
opening their pages at once had 20 pages computing at once on a 2-core server: each took 20
times as long, all finished near the end, and switching between them cost about a third more
server CPU per page view than running them two at a time (benchmarks/bench_room.py). With one
slot per core, pages finish in the order asked, most of them much sooner, and the room as a
whole no later.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager

from phm import settings

# A page that waits this long runs anyway: a page that never ends (a bug, a hung query) must
# not hold a slot and stop the whole server, only slow it as it did before the gate.
PATIENCE_S = 30.0
# How often a waiting page checks in (its caller may have moved on, and the count changes).
POLL_S = 0.5


def cores() -> int:
    """Return the number of CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def slots() -> int:
    """Return the number of pages computed at once: PHM_PAGE_SLOTS, or one per core when 0."""
    chosen = settings.get_int("PHM_PAGE_SLOTS")
    if chosen < 0:
        raise ValueError(f"PHM_PAGE_SLOTS must be 0 (one per core) or more, not {chosen}")
    return chosen or cores()


class Gate:
    """Admit at most `slots` holders at once, in the order they asked (a FIFO semaphore)."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError(f"a gate needs at least one slot, not {slots}")
        self.slots = slots
        self._changed = threading.Condition()
        self._queue: deque[tuple[object, Hashable]] = deque()  # (ticket, owner) in order
        self._holders: Counter[Hashable] = Counter()  # owners inside, by number of slots

    @property
    def running(self) -> int:
        """Return how many holders are inside now."""
        with self._changed:
            return self._holders.total()

    @property
    def waiting(self) -> int:
        """Return how many are waiting for a slot now."""
        with self._changed:
            return len(self._queue)

    def _next(self) -> object | None:
        """Return the first waiting ticket whose owner holds no slot (lock held)."""
        for ticket, owner in self._queue:
            if owner is None or not self._holders[owner]:
                return ticket
        return None

    def _admissible(self, ticket: object) -> bool:
        """Return whether a ticket is next in line and a slot is free (lock held)."""
        return self._holders.total() < self.slots and self._next() is ticket

    def _ahead(self, entry: tuple[object, Hashable]) -> int:
        """Return how many pages run or wait before a queued entry (lock held)."""
        return self._holders.total() + self._queue.index(entry)

    @contextmanager
    def slot(
        self,
        on_wait: Callable[[int], None] | None = None,
        owner: Hashable = None,
        patience: float = PATIENCE_S,
        poll: float = POLL_S,
    ) -> Iterator[None]:
        """Hold a slot while the block runs; call on_wait(places ahead) while it must wait.

        on_wait is called at once and then every `poll` seconds: a caller that has moved on
        (a Streamlit session asked for another run) raises from it and leaves the queue. An
        `owner` (a session) holds at most one slot: its next run waits for its last to end,
        without holding up anyone else's. After `patience` seconds of waiting the block runs
        anyway, beyond the slots. Whatever leaves the block (an exception, or one raised by
        on_wait) gives the slot or the place in the queue back, so no slot is ever lost.
        """
        ticket = object()
        entry = (ticket, owner)  # equal to no other entry: the ticket is its own object
        admitted = False
        deadline = time.monotonic() + patience
        with self._changed:
            self._queue.append(entry)
        try:
            while True:
                with self._changed:
                    if self._admissible(ticket) or time.monotonic() >= deadline:
                        self._queue.remove(entry)
                        self._holders[owner] += 1
                        admitted = True
                        self._changed.notify_all()  # the next may take another free slot
                        break
                    ahead = self._ahead(entry)
                if on_wait is not None:
                    on_wait(ahead)
                with self._changed:
                    self._changed.wait_for(
                        lambda: self._admissible(ticket),
                        timeout=max(0.0, min(poll, deadline - time.monotonic())),
                    )
            yield
        finally:
            with self._changed:
                if admitted:
                    self._holders[owner] -= 1
                    if not self._holders[owner]:
                        del self._holders[owner]
                else:
                    self._queue.remove(entry)
                self._changed.notify_all()
