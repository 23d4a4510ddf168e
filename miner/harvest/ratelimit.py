"""A sliding-window rate limit shared by every E-utilities request of the process.

NCBI allows 3 requests per second without an API key and 10 with one, counted as requests reach
it. `with limiter.slot():` around a request blocks until one more request fits, holds the place
while the request runs, and counts the request from when it ended: a request reaches the server
somewhere between its start and its end (a new connection's handshake can delay it by more than
any fixed margin), so no second as the server counts it holds more than the limit. It is
thread-safe, and `shared(rate)` returns one limiter per rate for the whole process, so two clients
cannot add up to more. The clock is injectable for tests. Imports: stdlib only.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ClassVar


class RateLimiter:
    _shared: ClassVar[dict[int, RateLimiter]] = {}
    _shared_lock = threading.Lock()

    # a little over one second, so that clock differences cannot squeeze N + 1 requests into a
    # second as the server counts it
    WINDOW = 1.05

    def __init__(self, per_second: int, *, clock: Callable[[], float] = time.monotonic):
        if per_second < 1:
            raise ValueError("per_second must be at least 1")
        self.per_second = per_second
        self._clock = clock
        self._held: list[list[float]] = []  # [when the request ended]; inf while it runs
        self._changed = threading.Condition()

    @classmethod
    def shared(cls, per_second: int) -> RateLimiter:
        with cls._shared_lock:
            if per_second not in cls._shared:
                cls._shared[per_second] = cls(per_second)
            return cls._shared[per_second]

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Wait until a request may start, and count it until a window has passed since it ended."""
        entry = self._take()
        try:
            yield
        finally:
            with self._changed:
                entry[0] = self._clock()
                self._changed.notify_all()

    def _take(self) -> list[float]:
        with self._changed:
            while True:
                now = self._clock()
                self._held = [entry for entry in self._held if now - entry[0] < self.WINDOW]
                if len(self._held) < self.per_second:
                    entry = [math.inf]
                    self._held.append(entry)
                    return entry
                ended = [entry[0] for entry in self._held if entry[0] != math.inf]
                # until the oldest ended request leaves the window, or a running one ends
                self._changed.wait(self.WINDOW - (now - min(ended)) + 0.001 if ended else None)
