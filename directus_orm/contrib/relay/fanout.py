"""Fan-out: clients of one Directus identity asking for the same subscription share one upstream
subscription, and all of an identity's subscriptions share its one upstream socket (the realtime
layer keeps one socket per connection).

The first client of a group gets the upstream ``init``; a client joining later gets a snapshot read
over REST with the same query and identity, the events that arrived meanwhile being held and sent
after it (an event may repeat what the snapshot shows; applying it again is harmless). After an
upstream reconnect every client gets ``reconnected`` then a fresh ``init``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any, Protocol
from urllib.parse import quote

from pydantic_core import to_json

from ...connection.client import collection_path
from ...connection.registry import connections
from ...exceptions import DirectusError
from ...realtime.events import EVENT_TYPES
from ...realtime.socket import SocketOptions
from ...realtime.spec import SubscriptionSpec
from ...realtime.subscription import Subscription
from .answers import answer_for
from .config import Identity
from .metrics import Metrics
from .rules import ReadRequest, SubscribeRequest, error_frame

__all__ = ["Group", "Hub", "Member"]

log = logging.getLogger("directus_orm.relay")

UPSTREAM_QUEUE = 100_000
"""Events an upstream subscription may fall behind the relay's own pump (it never waits on clients)."""


class Sink(Protocol):
    """What a member delivers to (the client session): ``send`` never waits."""

    def send(self, text: str) -> None: ...
    def forget(self, uid: str) -> None: ...
    def cut(self, code: int, reason: str, farewell: dict[str, Any] | None = None) -> None: ...


class Member:
    __slots__ = ("buffer", "echo", "event", "sink", "state", "uid")

    def __init__(self, sink: Sink, req: SubscribeRequest, state: str) -> None:
        self.sink = sink
        self.uid = req.uid
        self.echo = req.uid if req.echo is None else req.echo  # what the client sent, type kept
        self.event = req.event
        self.state = state  # "waiting" (for the upstream init), "buffering" (late joiner), "live"
        self.buffer: list[tuple[str, str | None]] = []


class Group:
    def __init__(self, hub: Hub, key: tuple[str, str], identity: Identity, request: SubscribeRequest) -> None:
        self.hub = hub
        self.key = key
        self.identity = identity
        self.request = request
        self.members: dict[tuple[int, str], Member] = {}
        self.sub: Subscription[Any] | None = None
        self.pump: asyncio.Task[None] | None = None
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed = False

    async def start(self) -> None:
        req = self.request
        query = dict(req.query)
        query.setdefault("limit", -1)  # the snapshot is every matching row, not Directus's default 100
        alias = f"relay:{self.identity.key}"
        spec = SubscriptionSpec(
            collection=req.collection, pk="id", query=query, events=frozenset(EVENT_TYPES),
            server_event=None, item=req.item, init=True, alias=alias, load=_rows, key_kind="any",
            needs_key_kind=False,
        )
        sub: Subscription[Any] = Subscription(spec, max_queue=UPSTREAM_QUEUE,
                                              options=SocketOptions(self.hub.backoff))
        try:
            with connections.override(self.identity.connection, alias):
                await sub.start()
        except BaseException as exc:
            if not self.ready.done():
                # Cancelled (its client's wait ran out): the other clients waiting get a typed error.
                error = exc if isinstance(exc, Exception) else DirectusError(
                    "the upstream subscription was abandoned before Directus answered")
                self.ready.set_exception(error)
                self.ready.exception()
            raise
        self.sub = sub
        self.ready.set_result(None)
        self.pump = asyncio.get_running_loop().create_task(self._pump(), name="directus-orm relay pump")

    async def _pump(self) -> None:
        assert self.sub is not None
        try:
            async for event in self.sub:
                if event.type == "delete":
                    self.broadcast("delete", _encode(event.keys))
                elif event.type in ("init", "create", "update"):
                    data = event.instances
                    if self.request.item is not None:  # an item subscription's data is the object
                        self.broadcast(event.type, _encode(data[0] if data else None))
                    else:
                        self.broadcast(event.type, _encode(data))
                else:  # a notice about the upstream socket ("reconnected" ...): no data
                    self.broadcast(str(event.type), None)
        except DirectusError as exc:  # the upstream subscription ended (refused, gave up reconnecting)
            log.warning("relay: an upstream subscription on %s ended: %s", self.request.collection,
                        type(exc).__name__)
            answer = answer_for(exc, self.hub.timeout)
            for member in list(self.members.values()):
                frame = error_frame("subscribe", answer.code, answer.message, member.echo)
                member.sink.forget(member.uid)
                if answer.close is not None:  # credentials no longer accepted: the client must sign in
                    member.sink.cut(answer.close, answer.code.lower(), frame)
                else:
                    member.sink.send(json.dumps(frame))
            self.members.clear()
            await self.hub.drop(self)

    def broadcast(self, event: str, data: str | None) -> None:
        for member in list(self.members.values()):
            if member.state == "buffering":
                member.buffer.append((event, data))
            elif member.state == "waiting":
                if event == "init":
                    member.state = "live"
                    deliver(member, event, data)
            else:
                deliver(member, event, data)

    async def close(self) -> None:
        self.closed = True
        pump, self.pump = self.pump, None
        if pump is not None and pump is not asyncio.current_task():
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump
        sub, self.sub = self.sub, None
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.aclose()


def deliver(member: Member, event: str, data: str | None) -> None:
    if member.event is not None and event in EVENT_TYPES and event != member.event:
        return
    text = f'{{"type":"subscription","event":"{event}"'
    if data is not None and not (event == "init" and member.event is not None):
        text += f',"data":{data}'
    member.sink.send(text + f',"uid":{json.dumps(member.echo)}}}')


def _encode(value: Any) -> str:
    return to_json(value).decode()


def _rows(rows: list[dict[str, Any]]) -> list[Any]:
    return rows


class Hub:
    def __init__(self, metrics: Metrics, backoff: Any, timeout: float) -> None:
        self.metrics = metrics
        self.backoff = backoff
        self.timeout = timeout
        self.groups: dict[tuple[str, str], Group] = {}

    async def join(self, sink: Sink, identity: Identity, req: SubscribeRequest) -> Group:
        """Add a client's subscription; raises the upstream refusal (``Forbidden`` ...) typed."""
        key = (identity.key, req.group_key())
        group = self.groups.get(key)
        member_key = (id(sink), req.uid)
        if group is None or group.closed:
            group = self.groups[key] = Group(self, key, identity, req)
            group.members[member_key] = Member(sink, req, "waiting")
            self._count()
            try:
                await group.start()
            except BaseException:
                group.members.clear()
                await self.drop(group)
                raise
            return group
        await asyncio.shield(group.ready)
        member = group.members[member_key] = Member(sink, req, "buffering")
        self._count()
        try:
            snapshot = await read(identity, req.collection, dict(req.query, limit=req.query.get("limit", -1)),
                                  req.item)
        except BaseException:
            group.members.pop(member_key, None)
            await self.leave_if_empty(group)
            raise
        deliver(member, "init", _encode(snapshot))
        held, member.buffer, member.state = member.buffer, [], "live"
        for event, data in held:
            deliver(member, event, data)
        return group

    async def leave(self, group: Group, sink: Sink, uid: str) -> None:
        group.members.pop((id(sink), uid), None)
        await self.leave_if_empty(group)

    async def leave_if_empty(self, group: Group) -> None:
        self._count()
        if not group.members:
            await self.drop(group)

    async def drop(self, group: Group) -> None:
        if self.groups.get(group.key) is group:
            del self.groups[group.key]
        self._count()
        if group.pump is not None and group.pump is asyncio.current_task():
            await group.close()
        else:  # shielded: a client request cancelled mid-way must not leave the upstream one open
            await asyncio.shield(group.close())

    async def aclose(self) -> None:
        for group in list(self.groups.values()):
            await self.drop(group)

    def _count(self) -> None:
        self.metrics.subscriptions = len(self.groups)
        self.metrics.client_subscriptions = sum(len(g.members) for g in self.groups.values())
        self.metrics.upstream_sockets = len({key for key, _ in self.groups})


async def read(identity: Identity, collection: str, query: dict[str, Any], key: Any) -> Any:
    """A REST read with a relayed query, as the client's identity: the rows (or the one row)."""
    path = collection_path(collection)
    if key is not None:
        path += f"/{quote(str(key), safe='')}"
    body = await identity.connection.get(path, params=rest_params(query))
    return (body or {}).get("data") if isinstance(body, dict) else None


def rest_params(query: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in query.items():
        if isinstance(value, (dict, bool)) or value is None:
            out[name] = json.dumps(value)
        elif isinstance(value, list):
            out[name] = ",".join(map(str, value))
        else:
            out[name] = value
    return out


async def read_request(identity: Identity, req: ReadRequest) -> str:
    data = await read(identity, req.collection, req.query, req.id)
    frame: dict[str, Any] = {"type": "items", "data": data}
    if req.uid is not None:
        frame["uid"] = req.uid
    return _encode(frame)
