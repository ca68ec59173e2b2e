"""``Subscription``: what ``qs.subscribe()`` returns; an async context manager and async iterator of
:class:`SubscriptionEvent`, with a sync face (plain ``for`` / ``with``).

Frames reach it from the socket's reader, which never waits on a consumer: they are turned into events
and queued, at most ``max_queue`` of them. A consumer that falls further behind gets the queued events,
then :class:`SubscriptionOverflow`; nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Iterator, Mapping
from types import TracebackType
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from ..connection.client import Directus, collection_path
from ..connection.registry import connections
from ..exceptions import ConnectionLost, DirectusError, InvalidUsage, NetworkError, ServiceUnavailable
from ..sync import SyncFace
from .errors import SubscriptionOverflow
from .events import SubscriptionEvent
from .protocol import subscribe_frame
from .socket import RealtimeSocket, SocketClosing, SocketOptions, socket_for
from .spec import SubscriptionSpec, key_converter

__all__ = ["DEFAULT_MAX_QUEUE", "Subscription"]

T = TypeVar("T")

DEFAULT_MAX_QUEUE = 10_000
START_ATTEMPTS = 5
"""Attempts start() makes to reach the server when the reconnect policy has no ``max_attempts``."""
_TRANSIENT = (NetworkError, ServiceUnavailable)
"""What start() tries again: the server could not be reached, or was not ready."""

log = logging.getLogger("directus_orm.realtime")

_CLOSED = object()


class Subscription(SyncFace, Generic[T]):
    """Events of one QuerySet: ``async with qs.subscribe() as sub: async for event in sub: ...``.

    Sync code: ``for event in qs.subscribe(): ...`` (opened for the loop, closed when it ends) or
    ``with qs.subscribe() as sub: for event in sub: ...``; ``sub.sync.start()`` / ``sub.sync.aclose()``
    as everywhere.
    """

    def __init__(self, spec: SubscriptionSpec, *, max_queue: int = DEFAULT_MAX_QUEUE,
                 options: SocketOptions | None = None, disconnected: bool = False) -> None:
        self.spec = spec
        self.uid = ""
        self._max_queue = max_queue
        self._disconnected = disconnected
        self._options = options
        self._queue: deque[Any] = deque()
        self._wakeup: asyncio.Event | None = None
        self._socket: RealtimeSocket | None = None
        self._error: BaseException | None = None
        self._closed = False
        self._overflowed = False
        self._key = key_converter(spec.key_kind)
        self._pk = spec.pk  # a dict collection's is read from the schema at start
        self._tasks: set[asyncio.Task[None]] = set()

    started: asyncio.Future[None]
    """Resolved by the ``init`` reply (or failed with the refusal); created by start(), on its loop."""

    # -- what the socket calls ----------------------------------------------------------------------
    def _frame(self) -> str:
        # ``item=`` is sent as a filter on the primary key, not as Directus's ``item``: Directus matches
        # ``item`` against the written keys as strings, so updates made with numeric keys (update(),
        # batch writes, flows) would never reach it.
        spec = self.spec
        return subscribe_frame(self.uid, spec.collection, self._query(), spec.server_event)

    def _query(self) -> dict[str, Any]:
        query = self.spec.query
        if self._pk != self.spec.pk and "sort" in query:  # collection(name) sorts by its assumed pk
            assumed = self.spec.pk
            sort = [self._pk if s == assumed else f"-{self._pk}" if s == f"-{assumed}" else s
                    for s in query["sort"]]
            query = {**query, "sort": sort}
        if self.spec.item is None:
            return query
        one = {self._pk: {"_eq": self.spec.item}}
        return {**query, "filter": {"_and": [query["filter"], one]} if "filter" in query else one}

    def _deliver(self, frame: Mapping[str, Any]) -> None:
        event = frame.get("event")
        try:
            if event == "init":
                if not self.started.done():
                    if self.spec.item is not None and "data" in frame and not frame.get("data"):
                        self.started.set_exception(self._missing())
                        self.started.exception()  # retrieved here; start() raises it
                        return
                    self.started.set_result(None)
                if self.spec.init:
                    self._put(SubscriptionEvent("init", self._load(frame.get("data"))))
            elif event in ("create", "update"):
                if event in self.spec.events:
                    self._put(SubscriptionEvent(event, self._load(frame.get("data"))))
            elif event == "delete" and "delete" in self.spec.events:
                data = frame.get("data")
                keys = [self._key(k) for k in (data if isinstance(data, list) else [data])]
                item = self.spec.item
                if item is not None:  # Directus sends every deleted key of the collection
                    keys = [k for k in keys if k == self._key(item) or str(k) == str(item)]
                if keys:
                    self._put(SubscriptionEvent("delete", keys=keys))
        except Exception as exc:  # a row that does not load: the consumer sees why, in order
            self._put(exc)

    def _renewed(self, reason: str) -> None:
        self._put(SubscriptionEvent("reconnected", reason=reason))

    def _lost(self, reason: str) -> None:
        if self._disconnected:
            self._put(SubscriptionEvent("disconnected", reason=reason))

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
        if self._overflowed or self._closed:
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
        if self._closed and item is not _CLOSED:
            return  # closed: nothing more is delivered
        self._queue.append(item)
        if self._wakeup is not None:
            self._wakeup.set()

    # -- lifecycle ----------------------------------------------------------------------------------
    async def start(self) -> None:
        """Subscribe (``async with`` does it): returns once Directus answered, raising its typed error
        when it refused (``Forbidden`` for a collection the user may not read ...). A server that
        cannot be reached is tried again with the reconnect policy's delays, at most its
        ``max_attempts`` times (``START_ATTEMPTS`` when it has none), then :class:`ConnectionLost`."""
        if self._socket is not None or self._closed:
            raise InvalidUsage("a subscription is started once; make another with qs.subscribe()")
        self._wakeup = asyncio.Event()
        conn = connections[self.spec.alias]
        backoff = (self._options or SocketOptions()).backoff
        attempts = backoff.max_attempts or START_ATTEMPTS
        attempt = 0
        try:
            while True:
                try:
                    await self._start_once(conn)
                    return
                except _TRANSIENT as exc:
                    attempt += 1
                    if attempt >= attempts:
                        raise ConnectionLost(f"could not subscribe after {attempt} attempts: {exc}",
                                             method="GET", path="websocket") from exc
                    delay = backoff.delay(attempt - 1)
                    log.warning("realtime: subscribing failed (%s); attempt %d in %.1fs",
                                exc, attempt + 1, delay)
                    await asyncio.sleep(delay)
        except BaseException:
            self._closed = True
            self._socket = None
            raise

    async def _start_once(self, conn: Directus) -> None:
        self.started = asyncio.get_running_loop().create_future()
        pk = self.spec.pk
        if self.spec.needs_key_kind:
            pk, kind = await _primary_key(conn, self.spec)
            self._key = key_converter(kind)
        self._pk = pk
        if self.spec.server_event is not None:
            # Without a snapshot Directus does not check that the user may read the collection (and
            # would send deleted keys all the same): ask first, for the typed refusal.
            params: dict[str, Any] = {"limit": 0, "fields": [pk]}
            if self.spec.item is not None:  # and is the row there (Directus would not say)?
                query = self._query()
                params.update(limit=1, filter=query["filter"])
                if "search" in query:
                    params["search"] = query["search"]
            body = await conn.get(collection_path(self.spec.collection), params=params)
            if self.spec.item is not None and isinstance(body, Mapping) and not body.get("data"):
                raise self._missing()
        while True:
            self._socket = socket_for(conn, self._options)
            try:
                await self._socket.add(self)
                return
            except SocketClosing:
                continue  # it closed for lack of subscriptions just now: the next one is new

    def _missing(self) -> DirectusError:
        spec = self.spec
        return spec.does_not_exist(f"subscribe(item={spec.item!r}): {spec.collection} has no row with "
                                   f"{self._pk}={spec.item!r} matching the QuerySet that the user may read")

    async def aclose(self) -> None:
        """Unsubscribe; iteration ends at once (events still queued are dropped)."""
        if self._closed:
            return
        self._closed = True
        self._queue.clear()
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
        if self._closed:
            raise StopAsyncIteration
        if self._socket is None:
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

        if self._closed:
            return iter(())
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


async def _primary_key(conn: Directus, spec: SubscriptionSpec) -> tuple[str, str]:
    """A dict collection's primary key, from the schema: its name (``collection(name)`` assumes
    ``id`` unless told ``pk=``) and its type, so deleted keys come in one type ("1" and 1 are one key).
    A schema the user may not read leaves ``pk`` as given and the keys as sent."""
    try:
        body = await conn.get(f"/fields/{quote(spec.collection, safe='')}")
    except NetworkError:
        raise
    except DirectusError:
        return spec.pk, "any"
    fields = body.get("data") if isinstance(body, Mapping) else None
    for field in fields if isinstance(fields, list) else []:
        schema = field.get("schema") if isinstance(field, Mapping) else None
        name = field.get("field") if isinstance(field, Mapping) else None
        if isinstance(schema, Mapping) and schema.get("is_primary_key") and isinstance(name, str):
            kind = field.get("type")
            if kind in ("integer", "bigInteger"):
                return name, "integer"
            return name, "string" if kind in ("string", "uuid") else "any"
    return spec.pk, "any"

