"""A sliding-window rate limit shared by every E-utilities request of the process.

NCBI allows 3 requests per second without an API key and 10 with one. `RateLimiter.wait()`
blocks until one more request fits in the last second; it is thread-safe, and `shared(rate)`
returns one limiter per rate for the whole process, so two clients cannot add up to more.
The clock and sleep are injectable for tests. Imports: stdlib only.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import ClassVar


class RateLimiter:
    _shared: ClassVar[dict[int, RateLimiter]] = {}
    _shared_lock = threading.Lock()

    # a little over one second, so that network jitter cannot squeeze N + 1 requests into a
    # second as the server counts it
    WINDOW = 1.05

    def __init__(
        self,
        per_second: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if per_second < 1:
            raise ValueError("per_second must be at least 1")
        self.per_second = per_second
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()

    @classmethod
    def shared(cls, per_second: int) -> RateLimiter:
        with cls._shared_lock:
            if per_second not in cls._shared:
                cls._shared[per_second] = cls(per_second)
            return cls._shared[per_second]

    def wait(self) -> None:
        """Block until a request may start, then count it as started."""
        with self._lock:
            while True:
                now = self._clock()
                while self._starts and now - self._starts[0] >= self.WINDOW:
                    self._starts.popleft()
                if len(self._starts) < self.per_second:
                    self._starts.append(now)
                    return
                self._sleep(self.WINDOW - (now - self._starts[0]) + 0.001)
