"""The reconnect policy: exponential backoff with full jitter."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from ..exceptions import InvalidArgument

__all__ = ["Backoff"]


@dataclass(frozen=True)
class Backoff:
    """Delays between reconnect attempts: attempt ``n`` (from 0) waits a random time in
    ``[0, min(max_delay, initial * factor**n)]`` (full jitter, so many workers restarting together do
    not reconnect in step). ``max_attempts`` consecutive failures give up (None: never)."""

    initial: float = 0.5
    factor: float = 2.0
    max_delay: float = 30.0
    max_attempts: int | None = None

    def __post_init__(self) -> None:
        numbers = (self.initial, self.factor, self.max_delay)
        if any(isinstance(n, bool) or not isinstance(n, (int, float)) or not math.isfinite(n)
               for n in numbers):
            raise InvalidArgument(f"Backoff needs finite numbers, got initial={self.initial!r}, "
                                  f"factor={self.factor!r}, max_delay={self.max_delay!r}")
        if self.initial <= 0 or self.factor < 1 or self.max_delay < self.initial:
            raise InvalidArgument("Backoff needs initial > 0, factor >= 1 and max_delay >= initial")
        attempts = self.max_attempts
        if attempts is not None and (isinstance(attempts, bool) or not isinstance(attempts, int)
                                     or attempts < 1):
            raise InvalidArgument("Backoff.max_attempts must be positive or None")

    def delay(self, attempt: int) -> float:
        """Seconds to wait before reconnect attempt ``attempt`` (from 0): random in
        ``[0, min(max_delay, initial * factor**attempt)]``."""
        ceiling = min(self.max_delay, self.initial * self.factor ** min(attempt, 64))
        return random.uniform(0, ceiling)

    def gives_up(self, attempt: int) -> bool:
        """True when ``attempt`` failures (counted from 1) are all this policy allows."""
        return self.max_attempts is not None and attempt >= self.max_attempts
