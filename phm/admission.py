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
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from phm import settings

# A page that waits this long runs anyway: a page that never ends (a bug, a hung query) must
# not hold a slot and stop the whole server, only slow it as it did before the gate.
PATIENCE_S = 30.0


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
        self._queue: deque[object] = deque()
        self._running = 0

    @property
    def running(self) -> int:
        """Return how many holders are inside now."""
        with self._changed:
            return self._running

    @property
    def waiting(self) -> int:
        """Return how many are waiting for a slot now."""
        with self._changed:
            return len(self._queue)

    def _admissible(self, ticket: object) -> bool:
        """Return whether a ticket is first in the queue and a slot is free (lock held)."""
        return self._queue[0] is ticket and self._running < self.slots

    @contextmanager
    def slot(
        self, on_wait: Callable[[int], None] | None = None, patience: float = PATIENCE_S
    ) -> Iterator[None]:
        """Hold a slot while the block runs; first call on_wait(places ahead) if it must wait.

        After `patience` seconds of waiting the block runs anyway, beyond the slots. Whatever
        leaves the block (an exception, or one raised by on_wait or while waiting) gives the
        slot or the place in the queue back, so no slot is ever lost.
        """
        ticket = object()
        admitted = False
        with self._changed:
            self._queue.append(ticket)
            ahead = 0 if self._admissible(ticket) else len(self._queue) - 1 + self._running
        try:
            if ahead and on_wait is not None:
                on_wait(ahead)
            with self._changed:
                self._changed.wait_for(lambda: self._admissible(ticket), timeout=patience)
                self._queue.remove(ticket)  # the head, unless it ran out of patience
                self._running += 1
                admitted = True
                self._changed.notify_all()  # the next in line may take another free slot
            yield
        finally:
            with self._changed:
                if admitted:
                    self._running -= 1
                else:
                    self._queue.remove(ticket)
                self._changed.notify_all()
