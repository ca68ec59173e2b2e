"""``Subscription``: what ``qs.subscribe()`` returns; an async context manager and async iterator of
:class:`SubscriptionEvent`, with a sync face (plain ``for`` / ``with``).

Frames reach it from the socket's reader, which never waits on a consumer: they are turned into events
and queued, at most ``max_queue`` of them. A consumer that falls further behind gets the queued events,
then :class:`SubscriptionOverflow`; nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Iterator, Mapping
from types import TracebackType
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from ..connection.client import collection_path
from ..connection.registry import connections
from ..exceptions import DirectusError
from ..sync import SyncFace
from .errors import SubscriptionOverflow
from .events import SubscriptionEvent
from .protocol import subscribe_frame
from .socket import RealtimeSocket, SocketClosing, SocketOptions, socket_for
from .spec import SubscriptionSpec, key_converter

__all__ = ["DEFAULT_MAX_QUEUE", "Subscription"]

T = TypeVar("T")

DEFAULT_MAX_QUEUE = 10_000

_CLOSED = object()


class Subscription(SyncFace, Generic[T]):
    """Events of one QuerySet: ``async with qs.subscribe() as sub: async for event in sub: ...``.

    Sync code: ``for event in qs.subscribe(): ...`` (opened for the loop, closed when it ends) or
    ``with qs.subscribe() as sub: for event in sub: ...``; ``sub.sync.start()`` / ``sub.sync.aclose()``
    as everywhere.
    """

    def __init__(self, spec: SubscriptionSpec, *, max_queue: int = DEFAULT_MAX_QUEUE,
                 options: SocketOptions | None = None) -> None:
        self.spec = spec
        self.uid = ""
        self._max_queue = max_queue
        self._options = options
        self._queue: deque[Any] = deque()
        self._wakeup: asyncio.Event | None = None
        self._socket: RealtimeSocket | None = None
        self._error: BaseException | None = None
        self._closed = False
        self._overflowed = False
        self._key = key_converter(spec.key_kind)
        self._tasks: set[asyncio.Task[None]] = set()

    #: Resolved by the ``init`` reply (or failed with the refusal); created by start(), on its loop.
    started: asyncio.Future[None]

    # -- what the socket calls ----------------------------------------------------------------------
    def _frame(self) -> str:
        spec = self.spec
        return subscribe_frame(self.uid, spec.collection, spec.query, spec.server_event, spec.item)

    def _deliver(self, frame: Mapping[str, Any]) -> None:
        event = frame.get("event")
        try:
            if event == "init":
                if not self.started.done():
                    self.started.set_result(None)
                if self.spec.init:
                    self._put(SubscriptionEvent("init", self._load(frame.get("data"))))
            elif event in ("create", "update"):
                if event in self.spec.events:
                    self._put(SubscriptionEvent(event, self._load(frame.get("data"))))
            elif event == "delete" and "delete" in self.spec.events:
                data = frame.get("data")
                keys = data if isinstance(data, list) else [data]
                self._put(SubscriptionEvent("delete", keys=[self._key(k) for k in keys]))
        except Exception as exc:  # a row that does not load: the consumer sees why, in order
            self._put(exc)

    def _renewed(self, reason: str) -> None:
        self._put(SubscriptionEvent("reconnected", reason=reason))

    def _fail(self, error: BaseException) -> None:
        if not self.started.done():
            self.started.set_exception(error)
            self.started.exception()  # retrieved here; start() raises it
        else:
            self._push(error)

    # -- queueing -----------------------------------------------------------------------------------
    def _load(self, data: Any) -> list[Any]:
        rows = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
        return self.spec.load(rows) if rows else []

    def _put(self, item: Any) -> None:
        if self._overflowed:
            return
        if len(self._queue) >= self._max_queue:
            self._overflowed = True
            self._push(SubscriptionOverflow(
                f"subscription on {self.spec.collection}: the consumer fell {self._max_queue} events "
                "behind (max_queue); later events were not kept"))
            socket = self._socket
            if socket is not None:  # stop the traffic nobody will read
                task = asyncio.get_running_loop().create_task(socket.remove(self))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return
        self._push(item)

    def _push(self, item: Any) -> None:
        self._queue.append(item)
        if self._wakeup is not None:
            self._wakeup.set()

    # -- lifecycle ----------------------------------------------------------------------------------
    async def start(self) -> None:
        """Subscribe (``async with`` does it): returns once Directus answered, raising its typed error
        when it refused (``Forbidden`` for a collection the user may not read ...)."""
        if self._socket is not None or self._closed:
            raise DirectusError("a subscription is started once; make another with qs.subscribe()")
        loop = asyncio.get_running_loop()
        self.started = loop.create_future()
        self._wakeup = asyncio.Event()
        conn = connections[self.spec.alias]
        if self.spec.needs_key_kind:
            self._key = key_converter(await _key_kind(conn, self.spec))
        if self.spec.server_event is not None:
            # Without a snapshot Directus does not check that the user may read the collection (and
            # would send deleted keys all the same): ask first, for the typed refusal.
            await conn.get(collection_path(self.spec.collection),
                           params={"limit": 0, "fields": [self.spec.pk]})
        try:
            while True:
                self._socket = socket_for(conn, self._options)
                try:
                    await self._socket.add(self)
                    return
                except SocketClosing:
                    continue  # it closed for lack of subscriptions just now: the next one is new
        except BaseException:
            self._closed = True
            self._socket = None
            raise

    async def aclose(self) -> None:
        """Unsubscribe; iteration ends (events already queued are dropped)."""
        if self._closed:
            return
        self._closed = True
        self._push(_CLOSED)
        socket, self._socket = self._socket, None
        if socket is not None:
            await socket.remove(self)

    async def __aenter__(self) -> Subscription[T]:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncIterator[SubscriptionEvent[T]]:
        return self

    async def __anext__(self) -> SubscriptionEvent[T]:
        if self._error is not None:
            raise self._error
        if self._socket is None and not self._closed:
            raise DirectusError("start the subscription first: async with qs.subscribe(...) as sub")
        assert self._wakeup is not None
        while not self._queue:
            self._wakeup.clear()
            await self._wakeup.wait()
        item = self._queue.popleft()
        if item is _CLOSED:
            self._queue.appendleft(item)
            raise StopAsyncIteration
        if isinstance(item, BaseException):
            self._error = item  # sticky: the subscription is over
            await self.aclose()
            raise item
        return item  # type: ignore[no-any-return]

    async def _events(self) -> AsyncIterator[SubscriptionEvent[T]]:
        """Start, yield every event, unsubscribe at the end (what a plain ``for`` runs)."""
        async with self:
            async for event in self:
                yield event

    # -- sync face ----------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[SubscriptionEvent[T]]:
        """``for event in qs.subscribe()``: the subscription lives on the sync face's loop for the
        loop's duration (leaving the loop unsubscribes)."""
        from ..sync import iterate

        if self._socket is not None:  # inside ``with sub:``
            return iterate(_Borrowed(self), name="Subscription")
        return iterate(self._events(), name="Subscription")

    def __enter__(self) -> Subscription[T]:
        from ..sync import run

        run(self.start(), name="with Subscription")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        from ..sync import run

        run(self.aclose(), name="with Subscription")

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open" if self._socket is not None else "not started"
        return f"<Subscription {self.spec.collection} {state}>"


class _Borrowed(Generic[T]):
    """The subscription's events without closing it at the end of one ``for`` (``with sub:`` does)."""

    def __init__(self, sub: Subscription[T]) -> None:
        self._sub = sub

    def __aiter__(self) -> _Borrowed[T]:
        return self

    async def __anext__(self) -> SubscriptionEvent[T]:
        return await self._sub.__anext__()


async def _key_kind(conn: Any, spec: SubscriptionSpec) -> str:
    """A dict collection's primary key type, so deleted keys come in one type ("1" and 1 are one key)."""
    try:
        body = await conn.get(f"/fields/{quote(spec.collection, safe='')}/{quote(spec.pk, safe='')}")
    except DirectusError:
        return "any"
    kind = ((body or {}).get("data") or {}).get("type")
    if kind in ("integer", "bigInteger"):
        return "integer"
    return "string" if kind in ("string", "uuid") else "any"

