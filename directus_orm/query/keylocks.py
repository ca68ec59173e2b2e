"""One writer at a time per key within a process (per event loop): for server operations that read,
merge and write without a lock of their own (a content version's delta)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Hashable

__all__ = ["KeyLocks"]


class KeyLocks:
    """``async with locks.hold(key):`` - callers holding the same key run one after another. A lock
    lives only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[tuple[int, Hashable], tuple[asyncio.Lock, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        # Locks belong to one event loop (the sync face runs its own): the loop is part of the key.
        full = (id(asyncio.get_running_loop()), key)
        lock, users = self._locks.setdefault(full, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._locks[full]
