"""When a request is tried again, and how long it may take in all.

Only requests that change nothing are retried: ``GET``, ``HEAD``, ``OPTIONS``, the ``SEARCH`` reads
the connection sends for long queries, and GraphQL ``POST``s holding only queries. Writes (``POST``,
``PATCH``, ``DELETE``, GraphQL mutations) are never retried: a write whose answer was lost may have
happened.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import sys
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

import httpx

from ..exceptions import InvalidArgument, InvalidUsage

__all__ = ["DEFAULT_DEADLINE", "IDEMPOTENT_METHODS", "Retries", "retries_from", "within"]

T = TypeVar("T")

DEFAULT_DEADLINE = 120.0
"""Seconds a request may take in all (connect, send, every read, retries, a login/refresh it needs).
httpx's own timeouts apply to each read: a server that answers one byte at a time never trips them."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "SEARCH"})

RETRY_EXCEPTIONS: tuple[type[httpx.RequestError], ...] = (
    httpx.ConnectError, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError,
)
"""Transport failures after which a read is sent again: the socket broke (typically a pooled keep-alive
socket the server had closed). Timeouts are not retried: the deadline would pay twice."""


@dataclass(frozen=True)
class Retries:
    """How reads are retried: ``count`` more tries at most, after a broken connection, ``503`` or
    ``429``; the n-th retry waits a random time up to ``backoff * 2**n`` seconds (at most
    ``max_backoff``), or what ``Retry-After`` says when the server says it (up to ``max_retry_after``;
    a longer wait raises the answer's error at once)."""

    count: int = 2
    backoff: float = 0.2
    max_backoff: float = 5.0
    max_retry_after: float = 30.0
    statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 503}))

    def __post_init__(self) -> None:
        if self.count < 0 or self.backoff < 0 or self.max_backoff < 0 or self.max_retry_after < 0:
            raise InvalidArgument(f"retry settings must not be negative: {self}")

    def wait(self, attempt: int, response: httpx.Response | None = None) -> float | None:
        """Seconds to wait before retry number ``attempt`` (0-based), None when the server asks for
        longer than ``max_retry_after``."""
        if response is not None:
            asked = retry_after(response)
            if asked is not None:
                return asked if asked <= self.max_retry_after else None
        return random.uniform(0, min(self.max_backoff, self.backoff * 2 ** attempt))


def retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def retries_from(value: Any) -> Retries:
    """A :class:`Retries` from a connection argument or setting: an instance, a count, a dict of its
    fields, or None/False (no retries)."""
    if isinstance(value, Retries):
        return value
    if value is None or value is False:
        return Retries(count=0)
    if isinstance(value, bool):
        return Retries()
    if isinstance(value, int):
        return Retries(count=value)
    if isinstance(value, dict):
        unknown = sorted(set(value) - {f.name for f in fields(Retries)})
        if unknown:
            # what Retries(**value) would raise, as a TypeError too
            raise InvalidUsage(f"unknown retry settings: {', '.join(map(str, unknown))}")
        return Retries(**value)
    raise InvalidUsage(
        f"retries must be a Retries, an int, a dict or None, got {type(value).__name__}"
    )


if sys.version_info >= (3, 11):
    async def within(seconds: float | None, awaitable: Awaitable[T]) -> T:
        """``await awaitable``, raising ``asyncio.TimeoutError`` after ``seconds`` (None: no limit)."""
        async with asyncio.timeout(seconds):
            return await awaitable
else:  # pragma: no cover - Python 3.10
    async def within(seconds: float | None, awaitable: Awaitable[T]) -> T:
        return await asyncio.wait_for(awaitable, seconds)
