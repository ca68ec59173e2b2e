"""One client connection: its messages in, its bounded queue out.

Nothing upstream ever waits for a client: messages are queued (at most ``max_queue``); a client that
falls further behind, or whose connection takes longer than ``send_timeout`` to accept a message, is
disconnected with :data:`CLOSE_SLOW_CONSUMER`. Client uids live in this session only, so a client can
neither see nor touch another client's subscriptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from ...exceptions import APIError, DirectusError
from .config import Identity, RelayConfig
from .fanout import Group, Hub, read_request
from .metrics import Metrics
from .rules import Refused, check_read, check_subscribe, client_uid, error_frame

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

__all__ = ["CLOSE_GOING_AWAY", "CLOSE_SLOW_CONSUMER", "CLOSE_TOKEN_EXPIRED", "CLOSE_UNAUTHENTICATED",
           "ClientSession"]

log = logging.getLogger("directus_orm.relay")

CLOSE_GOING_AWAY = 1001
"""Close code sent to clients when the relay shuts down (1001)."""
CLOSE_SLOW_CONSUMER = 4008
"""Close code for a client that fell ``max_queue`` messages behind (or one message waited
``send_timeout``)."""
CLOSE_UNAUTHENTICATED = 4401
"""Close code when no valid ``auth`` first message came within ``auth_timeout``."""
CLOSE_TOKEN_EXPIRED = 4403
"""Close code when the client's token expired: reconnect with a fresh one."""

_REFUSED_TYPES = {"auth": "authentication happens once, when the client connects",
                  "logs": "server logs are not relayed", "collab": "collaborative editing is not relayed"}
"""Message types Directus knows that the relay never forwards."""


class ClientSession:
    def __init__(self, ws: WebSocket, identity: Identity, hub: Hub, config: RelayConfig,
                 metrics: Metrics) -> None:
        self.ws = ws
        self.identity = identity
        self.hub = hub
        self.config = config
        self.metrics = metrics
        self.subs: dict[str, Group] = {}
        self._queue: deque[str] = deque()
        self._wakeup = asyncio.Event()
        self._done = asyncio.Event()
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

    def cut(self, code: int, reason: str) -> None:
        """End the session with ``code`` (the handler closes the socket)."""
        if self._done.is_set():
            return
        if code == CLOSE_SLOW_CONSUMER:
            self.metrics.slow_disconnects += 1
            log.info("relay: client of %s disconnected: %s", self.identity.key, reason)
        self.close_code, self.close_reason = code, reason
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
            await self.handle(raw)

    async def handle(self, raw: Any) -> None:
        try:
            frame = json.loads(raw) if raw is not None else None
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            self._refuse("server", "INVALID_PAYLOAD", "a message must be a JSON object")
            return
        kind = frame.get("type")
        label = kind if isinstance(kind, str) and len(kind) <= 32 else "server"
        uid = frame.get("uid") if isinstance(frame.get("uid"), (str, int)) else None
        try:
            if kind == "ping":
                self.send_frame({"type": "pong", **({"uid": uid} if uid is not None else {})})
            elif kind == "subscribe":
                await self._subscribe(frame)
            elif kind == "unsubscribe":
                await self._unsubscribe(frame)
            elif kind == "items" and self.config.allow_reads:
                request = check_read(frame, self.config.collections)
                self.send(await read_request(self.identity, request))
            elif isinstance(kind, str) and kind in _REFUSED_TYPES:
                raise Refused(f"{kind}: {_REFUSED_TYPES[kind]}", "UNSUPPORTED_MESSAGE")
            else:
                raise Refused(f"message type {label!r} is not relayed", "UNSUPPORTED_MESSAGE")
        except Refused as exc:
            self._refuse(label, exc.code, str(exc), uid)
        except APIError as exc:  # Directus's own refusal, for this client's identity
            self._refuse(label, exc.code or "FORBIDDEN", exc.message, uid)
        except DirectusError as exc:
            log.warning("relay: %s for %s failed: %s", label, self.identity.key, type(exc).__name__)
            self._refuse(label, "SERVICE_UNAVAILABLE", "the relay could not reach Directus", uid)

    def _refuse(self, kind: str, code: str, message: str, uid: Any = None) -> None:
        self.metrics.refused += 1
        self.send_frame(error_frame(kind, code, message, uid))

    async def _subscribe(self, frame: dict[str, Any]) -> None:
        request = check_subscribe(frame, self.config.collections)
        old = self.subs.pop(request.uid, None)
        if old is not None:  # as Directus: the same uid again replaces the subscription
            await self.hub.leave(old, self, request.uid)
        if len(self.subs) >= self.config.max_subscriptions:
            raise Refused(f"at most {self.config.max_subscriptions} subscriptions per client",
                          "LIMIT_EXCEEDED")
        self.subs[request.uid] = await self.hub.join(self, self.identity, request)

    async def _unsubscribe(self, frame: dict[str, Any]) -> None:
        uid = client_uid(frame, required=False)
        if uid is None:  # as Directus: every subscription of this client
            await self.leave_all()
            self.send_frame({"type": "subscription", "event": "unsubscribe"})
            return
        group = self.subs.pop(uid, None)
        if group is None:
            raise Refused(f"no subscription {uid!r} on this connection", "NOT_FOUND")
        await self.hub.leave(group, self, uid)
        self.send_frame({"type": "subscription", "event": "unsubscribe", "uid": uid})

    async def leave_all(self) -> None:
        subs, self.subs = self.subs, {}
        for uid, group in subs.items():
            await self.hub.leave(group, self, uid)

    # -- lifetime -----------------------------------------------------------------------------------
    async def serve(self) -> None:
        """Run until the client leaves, is cut off, or the relay shuts down; then close the socket."""
        loop = asyncio.get_running_loop()
        expiry = None
        if self.identity.expires_at is not None:
            left = max(0.0, self.identity.expires_at - time.time())
            expiry = loop.call_later(left, self.cut, CLOSE_TOKEN_EXPIRED, "the token expired")
        tasks = [loop.create_task(self._read()), loop.create_task(self._write()),
                 loop.create_task(self._done.wait())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if expiry is not None:
                expiry.cancel()
            self._done.set()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
            await self.leave_all()
            with contextlib.suppress(Exception):
                # A slow client gets its close frame after the data it has not read yet, if it reads on.
                await asyncio.wait_for(self.ws.close(self.close_code, self.close_reason),
                                       self.config.send_timeout)
