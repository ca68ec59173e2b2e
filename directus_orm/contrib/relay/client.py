"""One client connection: its messages in, its bounded queue out.

Nothing upstream ever waits for a client: messages are queued (at most ``max_queue``); a client that
falls further behind, or whose connection takes longer than ``send_timeout`` to accept a message, is
disconnected with :data:`CLOSE_SLOW_CONSUMER`. Client uids live in this session only, so a client can
neither see nor touch another client's subscriptions.

Nothing a client sends waits for Directus in its reader either: pings and every refusal the relay
decides alone (the allow-list, the message's shape) are answered at once; what needs Directus
(subscribe, unsubscribe, reads, ``auth``) runs in order in the session's worker, each answered within
``upstream_timeout`` of its arrival (``SERVICE_UNAVAILABLE`` when Directus did not answer).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ...exceptions import AuthenticationError, DirectusError
from .answers import CLOSE_UNAUTHENTICATED, answer_for
from .config import Identity, RelayConfig
from .fanout import Group, Hub, read_request
from .metrics import Metrics
from .rules import (
    ReadRequest,
    Refused,
    SubscribeRequest,
    check_read,
    check_shape,
    check_subscribe,
    check_token,
    client_uid,
    error_frame,
    parse_message,
)

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

__all__ = ["CLOSE_GOING_AWAY", "CLOSE_SLOW_CONSUMER", "CLOSE_TOKEN_EXPIRED", "CLOSE_TOO_LARGE",
           "CLOSE_UNAUTHENTICATED", "ClientSession"]

log = logging.getLogger("directus_orm.relay")

CLOSE_GOING_AWAY = 1001
"""Close code sent to clients when the relay shuts down (1001)."""
CLOSE_SLOW_CONSUMER = 4008
"""Close code for a client that fell ``max_queue`` messages behind (or one message waited
``send_timeout``)."""
CLOSE_TOO_LARGE = 1009
"""Close code for a client message longer than ``max_message_size`` (after a ``MESSAGE_TOO_LARGE``
error frame)."""
CLOSE_TOKEN_EXPIRED = 4403
"""Close code when the client's token expired (after a ``TOKEN_EXPIRED`` error frame): reconnect with a
fresh one, or send ``{"type": "auth", "access_token": ...}`` before it expires."""

_REFUSED_TYPES = {"logs": "server logs are not relayed", "collab": "collaborative editing is not relayed"}
"""Message types Directus knows that the relay never forwards."""
_UPSTREAM_TYPES = frozenset({"subscribe", "unsubscribe", "items", "auth"})
"""Message types that need Directus: run in order by the session's worker, never by its reader."""

Reauthenticate = Callable[[str], Awaitable[Identity]]
"""Checks a client's new token: its identity (raises ``AuthenticationError`` when Directus refuses it)."""


class ClientSession:
    def __init__(self, ws: WebSocket, identity: Identity, hub: Hub, config: RelayConfig,
                 metrics: Metrics, reauthenticate: Reauthenticate | None = None) -> None:
        self.ws = ws
        self.identity = identity
        self.hub = hub
        self.config = config
        self.metrics = metrics
        self.subs: dict[str, Group] = {}
        self._reauthenticate = reauthenticate
        self._queue: deque[str] = deque()
        self._wakeup = asyncio.Event()
        self._done = asyncio.Event()
        self._requests: asyncio.Queue[_Pending] = asyncio.Queue()
        self._pending = 0  # requests queued or being answered
        self._expiry: asyncio.TimerHandle | None = None
        self._farewell: str | None = None  # the error frame sent just before the close frame
        self.close_code = 1000
        self.close_reason = ""

    # -- out ----------------------------------------------------------------------------------------
    def send(self, text: str) -> None:
        if self._done.is_set():
            self.metrics.dropped += 1
            return
        if len(self._queue) >= self.config.max_queue:
            self.cut(CLOSE_SLOW_CONSUMER, "slow consumer: too many messages waiting")
            self.metrics.dropped += 1
            return
        self._queue.append(text)
        self._wakeup.set()

    def send_frame(self, frame: dict[str, Any]) -> None:
        self.send(json.dumps(frame))

    def forget(self, uid: str) -> None:
        self.subs.pop(uid, None)

    def cut(self, code: int, reason: str, farewell: dict[str, Any] | None = None) -> None:
        """End the session with ``code`` (the handler closes the socket, after ``farewell`` if given:
        what is still queued is dropped)."""
        if self._done.is_set():
            return
        if code == CLOSE_SLOW_CONSUMER:
            self.metrics.slow_disconnects += 1
            log.info("relay: client of %s disconnected: %s", self.identity.key, reason)
        self.close_code, self.close_reason = code, reason
        self._farewell = json.dumps(farewell) if farewell is not None else None
        self.metrics.dropped += len(self._queue)
        self._queue.clear()
        self._done.set()

    async def _write(self) -> None:
        while not self._done.is_set():
            while not self._queue:
                self._wakeup.clear()
                await self._wakeup.wait()
            text = self._queue.popleft()
            try:
                await asyncio.wait_for(self.ws.send_text(text), self.config.send_timeout)
            except asyncio.TimeoutError:
                self.cut(CLOSE_SLOW_CONSUMER, f"slow consumer: a message waited {self.config.send_timeout}s")
                return
            self.metrics.messages_out += 1

    # -- in -----------------------------------------------------------------------------------------
    async def _read(self) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text") if message.get("text") is not None else message.get("bytes")
            self.metrics.messages_in += 1
            self.handle(raw)

    def handle(self, raw: Any) -> None:
        """Answer ``raw`` at once, or queue it for the worker when it needs Directus."""
        limit = self.config.max_message_size
        if raw is not None and _size(raw) > limit:
            self.metrics.refused += 1
            self.cut(CLOSE_TOO_LARGE, "message too large", error_frame(
                "server", "MESSAGE_TOO_LARGE", f"a message may have at most {limit} bytes"))
            return
        try:
            frame = parse_message(raw)
        except Refused as exc:
            self._refuse("server", exc.code, str(exc))
            return
        try:
            check_shape(frame, self.config.max_depth, self.config.max_nodes)
        except Refused as exc:
            self._refuse(_label(frame), exc.code, str(exc), _uid(frame))
            return
        kind = frame.get("type")
        label, uid = _label(frame), _uid(frame)
        if kind == "ping":
            self.send_frame({"type": "pong", **({"uid": uid} if uid is not None else {})})
        elif kind in _UPSTREAM_TYPES and (kind != "items" or self.config.allow_reads):
            try:  # what the relay decides alone is answered now, never behind Directus's answers
                request = self._check(frame)
            except Refused as exc:
                self._refuse(label, exc.code, str(exc), uid)
                return
            if self._pending >= self.config.pending_limit:
                self._refuse(label, "REQUESTS_EXCEEDED", f"{self._pending} requests are waiting for "
                             "Directus already: send it again once they are answered", uid)
                return
            self._pending += 1
            deadline = asyncio.get_running_loop().time() + self.config.upstream_timeout
            self._requests.put_nowait(_Pending(frame, request, deadline))
        elif kind is None:
            self._refuse(label, "INVALID_PAYLOAD", "a message needs a type", uid)
        elif isinstance(kind, str) and kind in _REFUSED_TYPES:
            self._refuse(label, "UNSUPPORTED_MESSAGE", f"{kind}: {_REFUSED_TYPES[kind]}", uid)
        else:
            self._refuse(label, "UNSUPPORTED_MESSAGE", f"message type {label!r} is not relayed", uid)

    def _check(self, frame: dict[str, Any]) -> Any:
        """The request a message makes, checked against the allow-list (raises :class:`Refused`)."""
        kind = frame.get("type")
        if kind == "subscribe":
            return check_subscribe(frame, self.config.collections)
        if kind == "items":
            return check_read(frame, self.config.collections)
        if kind == "unsubscribe":
            return client_uid(frame, required=False)
        if self._reauthenticate is None:
            raise Refused("the app authenticates clients when they connect: reconnect to renew",
                          "UNSUPPORTED_MESSAGE")
        return check_token(frame.get("access_token"))

    async def _work(self) -> None:
        while True:
            pending = await self._requests.get()
            try:
                await self._answer(pending)
            finally:
                self._pending -= 1

    async def _answer(self, pending: _Pending) -> None:
        frame = pending.frame
        label, uid = _label(frame), _uid(frame)
        timeout = self.config.upstream_timeout
        try:
            # The deadline counts from the message's arrival: requests queued behind one that waits
            # for an unreachable Directus are answered by then too, not one timeout after another.
            remaining = pending.deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise asyncio.TimeoutError
            await asyncio.wait_for(self._request(frame, pending.request), remaining)
        except Exception as exc:
            answer = answer_for(exc, timeout)
            if not isinstance(exc, (DirectusError, asyncio.TimeoutError)):  # a bug: its traceback
                log.exception("relay: %s for %s failed", label, self.identity.key)
            elif not isinstance(exc, Refused):
                log.warning("relay: %s for %s failed: %s", label, self.identity.key, type(exc).__name__)
            if answer.close is not None:
                self.metrics.refused += 1
                farewell = error_frame(label, answer.code, answer.message, uid)
                self.cut(answer.close, answer.code.lower(), farewell)
            else:
                self._refuse(label, answer.code, answer.message, uid)

    async def _request(self, frame: dict[str, Any], request: Any) -> None:
        kind = frame.get("type")
        if kind == "subscribe":
            await self._subscribe(request)
        elif kind == "unsubscribe":
            await self._unsubscribe(frame, request)
        elif kind == "auth":
            await self._auth(frame, request)
        else:
            self.send(await read_request(self.identity, request))

    def _refuse(self, kind: str, code: str, message: str, uid: Any = None) -> None:
        self.metrics.refused += 1
        self.send_frame(error_frame(kind, code, message, uid))

    async def _subscribe(self, request: SubscribeRequest) -> None:
        old = self.subs.pop(request.uid, None)
        if old is not None:  # as Directus: the same uid again replaces the subscription
            await self.hub.leave(old, self, request.uid)
        if len(self.subs) >= self.config.max_subscriptions:
            raise Refused(f"at most {self.config.max_subscriptions} subscriptions per client",
                          "LIMIT_EXCEEDED")
        self.subs[request.uid] = await self.hub.join(self, self.identity, request)

    async def _auth(self, frame: dict[str, Any], token: str) -> None:
        """A fresher token of the same user: this client's session lasts until it expires (and the
        identity's upstream socket re-authenticates with it when it outlives the one it uses)."""
        assert self._reauthenticate is not None  # checked in the reader
        try:
            identity = await self._reauthenticate(token)
        except AuthenticationError:  # this token is refused; the session's own one still holds
            raise Refused("authentication failed", "AUTH_FAILED") from None
        if identity.key != self.identity.key:
            raise Refused("the token is another user's: reconnect to change users", "FORBIDDEN")
        self.identity = identity
        self._arm_expiry()
        uid = _uid(frame)
        self.send_frame({"type": "auth", "status": "ok", **({"uid": uid} if uid is not None else {})})

    def _arm_expiry(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        expires = self.identity.expires_at
        if expires is not None:
            self._expiry = asyncio.get_running_loop().call_later(max(0.0, expires - time.time()),
                                                                  self._expired)

    def _expired(self) -> None:
        self.cut(CLOSE_TOKEN_EXPIRED, "the token expired", error_frame(
            "auth", "TOKEN_EXPIRED", "the token expired: reconnect with a fresh one (renew it before it "
            "expires with an auth message)"))

    async def _unsubscribe(self, frame: dict[str, Any], uid: str | None) -> None:
        if uid is None:  # as Directus: every subscription of this client
            await self.leave_all()
            self.send_frame({"type": "subscription", "event": "unsubscribe"})
            return
        group = self.subs.pop(uid, None)
        if group is None:
            raise Refused(f"no subscription {uid!r} on this connection", "NOT_FOUND")
        await self.hub.leave(group, self, uid)
        self.send_frame({"type": "subscription", "event": "unsubscribe", "uid": frame["uid"]})

    async def leave_all(self) -> None:
        subs, self.subs = self.subs, {}
        for uid, group in subs.items():
            await self.hub.leave(group, self, uid)

    # -- lifetime -----------------------------------------------------------------------------------
    async def serve(self) -> None:
        """Run until the client leaves, is cut off, or the relay shuts down; then close the socket."""
        loop = asyncio.get_running_loop()
        self._arm_expiry()
        tasks = [loop.create_task(self._read()), loop.create_task(self._write()),
                 loop.create_task(self._work()), loop.create_task(self._done.wait())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if self._expiry is not None:
                self._expiry.cancel()
            self._done.set()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
            await self.leave_all()
            with contextlib.suppress(Exception):
                if self._farewell is not None:
                    await asyncio.wait_for(self.ws.send_text(self._farewell), self.config.send_timeout)
                # A slow client gets its close frame after the data it has not read yet, if it reads on.
                await asyncio.wait_for(self.ws.close(self.close_code, self.close_reason),
                                       self.config.send_timeout)


class _Pending:
    __slots__ = ("deadline", "frame", "request")

    def __init__(self, frame: dict[str, Any], request: SubscribeRequest | ReadRequest | str | None,
                 deadline: float) -> None:
        self.frame = frame
        self.request = request
        self.deadline = deadline  # loop time by which the client gets its answer


def _size(raw: str | bytes) -> int:
    return len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))


def _label(frame: dict[str, Any]) -> str:
    kind = frame.get("type")
    return kind if isinstance(kind, str) and len(kind) <= 32 else "server"


def _uid(frame: dict[str, Any]) -> Any:
    """The client's uid as it sent it (a number stays a number), when it is one a uid may be."""
    uid = frame.get("uid")
    return uid if isinstance(uid, (str, int)) and not isinstance(uid, bool) else None
