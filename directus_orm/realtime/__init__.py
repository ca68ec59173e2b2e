"""Realtime: follow a QuerySet over Directus's REST websocket.

``async with Article.objects.filter(status="published").subscribe() as sub: async for event in sub``.
Needs the ``realtime`` extra (``websockets``); importing this package does not.

Modules: ``protocol`` (frames), ``auth`` (which token the socket sends), ``backoff`` (reconnect policy),
``socket`` (one websocket per connection: reader, heartbeat, watchdog, reconnect), ``spec`` (a QuerySet
-> a subscription), ``subscription`` (bounded queues, the consumer's side), ``events``, ``errors``.
"""

from __future__ import annotations

import importlib.util
import math
import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from .backoff import Backoff
from .errors import (
    ConnectionLost,
    RealtimeError,
    RealtimeNotInstalled,
    RealtimeUnavailable,
    SocketAuthFailed,
    SocketTokenExpired,
    SubscriptionOverflow,
    UnsupportedSubscription,
)
from .events import EventType, SubscriptionEvent
from .subscription import Subscription

__all__ = [
    "Backoff", "ConnectionLost", "EventType", "RealtimeError", "RealtimeNotInstalled",
    "RealtimeUnavailable", "SocketAuthFailed", "SocketTokenExpired", "Subscription", "SubscriptionEvent",
    "SubscriptionOverflow", "UnsupportedSubscription", "subscribe",
]

T = TypeVar("T")


def subscribe(
    queryset: Any,
    *,
    events: Sequence[str] | str | None = None,
    item: Any = None,
    init: bool = True,
    max_queue: int | None = None,
    reconnect: Backoff | None = None,
    heartbeat: float | None = None,
    disconnected: bool = False,
) -> Subscription[Any]:
    """What ``QuerySet.subscribe()`` runs (see its docstring); returns a not yet started
    :class:`Subscription`. Checks everything it can before any request."""
    if importlib.util.find_spec("websockets") is None:
        raise RealtimeNotInstalled(
            "subscribe() needs the websockets package: pip install 'directus-orm[realtime]'")
    from .socket import SocketOptions
    from .spec import spec_for
    from .subscription import DEFAULT_MAX_QUEUE

    if max_queue is not None and (not isinstance(max_queue, int) or max_queue < 1):
        raise UnsupportedSubscription(f"max_queue must be a positive integer, got {max_queue!r}")
    if heartbeat is not None and (isinstance(heartbeat, bool) or not isinstance(heartbeat, (int, float))
                                  or not math.isfinite(heartbeat) or heartbeat <= 0):
        raise UnsupportedSubscription(f"heartbeat must be a finite positive number of seconds, "
                                      f"got {heartbeat!r}")
    if reconnect is not None and not isinstance(reconnect, Backoff):
        raise UnsupportedSubscription(f"reconnect must be a Backoff(...), got {reconnect!r}")
    for name, flag in (("init", init), ("disconnected", disconnected)):
        if not isinstance(flag, bool):
            raise UnsupportedSubscription(f"{name} must be True or False, got {flag!r}")
    if item is not None and (isinstance(item, bool) or not isinstance(item, (str, int, uuid.UUID))):
        raise UnsupportedSubscription(f"item must be one primary key (a string, an integer or a UUID), "
                                      f"got {item!r}")
    spec = spec_for(queryset, events, item, init)
    options = SocketOptions(reconnect, heartbeat)
    return Subscription(spec, max_queue=max_queue or DEFAULT_MAX_QUEUE, options=options,
                        disconnected=disconnected)

