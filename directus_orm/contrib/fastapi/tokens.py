"""A short-lived cache of verified credentials: what ``/users/me`` answered for a token, kept ``ttl``
seconds so that a burst of requests with one token costs one verification.

Only a keyed digest of the token is kept (BLAKE2b with a key drawn per cache, so the digests are
useless outside this process); the repr shows the settings and the number of entries, never a key.
A token Directus revokes (a logout, a deleted user, a changed static token) still passes the
*verification* until its entry expires; the endpoint's own queries run with the token and are refused
by Directus at once, so the cache delays the 401 of a route that reads nothing, never grants data.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ...exceptions import ImproperlyConfigured

__all__ = ["TokenCache"]


class TokenCache:
    """At most ``max_size`` answers (least recently used dropped first), each kept ``ttl`` seconds.

    ``DirectusDependency(token_cache=TokenCache(ttl=30))`` uses it for ``verify`` and for
    ``current_user``; ``clear()`` forgets everything (e.g. after revoking tokens)."""

    def __init__(self, ttl: float = 30.0, max_size: int = 1024, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not ttl > 0 or max_size < 1:
            raise ImproperlyConfigured(
                f"TokenCache needs ttl > 0 and max_size >= 1, got {ttl} and {max_size}")
        self.ttl = float(ttl)
        self.max_size = max_size
        self._clock = clock
        self._salt = secrets.token_bytes(32)
        self._entries: OrderedDict[tuple[str, str], tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()  # sync endpoints run in worker threads

    def key(self, secret: str) -> str:
        """The keyed digest standing for ``secret`` (the only form of it this cache holds)."""
        return hashlib.blake2b(secret.encode(), key=self._salt, digest_size=20).hexdigest()

    def get(self, key: str, fields: str) -> dict[str, Any] | None:
        """The answer kept for ``key`` (a :meth:`key`) and ``fields``, unless expired."""
        with self._lock:
            found = self._entries.get((key, fields))
            if found is None:
                return None
            if found[0] <= self._clock():
                del self._entries[(key, fields)]
                return None
            self._entries.move_to_end((key, fields))
            return dict(found[1])

    def put(self, key: str, fields: str, answer: dict[str, Any]) -> None:
        """Keep ``answer`` for ``key`` and ``fields`` for ``ttl`` seconds (the least recently used entry goes
        when the cache is full)."""
        with self._lock:
            self._entries[(key, fields)] = (self._clock() + self.ttl, dict(answer))
            self._entries.move_to_end((key, fields))
            while len(self._entries) > self.max_size:
                self._entries.popitem(last=False)

    def forget(self, key: str) -> None:
        """Drop every answer kept for ``key``."""
        with self._lock:
            for entry in [e for e in self._entries if e[0] == key]:
                del self._entries[entry]

    def clear(self) -> None:
        """Forget every kept answer (e.g. after revoking tokens)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<TokenCache ttl={self.ttl:g}s max_size={self.max_size} entries={len(self._entries)}>"
