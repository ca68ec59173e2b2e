"""One websocket per connection (per event loop), shared by all its subscriptions.

A single *runner* task owns the socket: it connects, authenticates (nothing else is sent before
``auth ok``: Directus drops frames that arrive earlier), (re)subscribes, then reads every frame and
routes it by uid to its subscription. A *watchdog* closes a socket that stays silent longer than about
twice the heartbeat period. When the socket is lost the runner reconnects with backoff and jitter and
renews every subscription under a new uid (uids are never reused), telling each consumer.

The connection keeps owning the credentials: the socket sends its current access token, re-sends a
fresh one shortly before the JWT expires, and again if Directus still says ``TOKEN_EXPIRED``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
import threading
import time
import weakref
from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from ..connection.auth import _jwt_expiry as jwt_expiry
from ..connection.client import Directus
from ..connection.closing import on_close
from ..connection.logs import redact
from ..exceptions import (
    AuthenticationError,
    ConnectionClosed,
    DirectusError,
    Forbidden,
    NetworkError,
    RequestTimeout,
    SocketTokenExpired,
    TokenExpired,
)
from .auth import can_renew, cannot_renew, socket_token
from .backoff import Backoff
from .errors import ConnectionLost, RealtimeNotInstalled, RealtimeUnavailable, SocketAuthFailed, socket_error
from .protocol import PONG, auth_frame, decode, is_error, socket_url, unsubscribe_frame

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = ["RealtimeSocket", "SocketOptions", "credentials_changed", "socket_for"]

log = logging.getLogger("directus_orm.realtime")

DEFAULT_IDLE = 30.0
"""Seconds of silence after which we ping ourselves when the server sends no heartbeat."""
MAX_FRAME = 256 * 1024 * 1024
"""Frames up to this size are accepted: an ``init`` snapshot can be large."""
AUTH_WAIT = 10.0
"""How long the server may take to answer an ``auth`` frame."""
SUBSCRIBE_WAIT = 60.0
"""How long a new subscription may wait for its ``init`` (it carries the whole snapshot)."""
LINGER = 2.0
"""Seconds a socket without subscriptions stays open (a consumer re-subscribing reuses it)."""
CLOSE_WAIT = 5.0
"""Seconds closing a connection waits for its socket on another loop to close."""


class Listener(Protocol):
    """What the socket needs from a subscription (``subscription.Subscription``)."""

    uid: str
    started: asyncio.Future[None]

    def _frame(self) -> str: ...
    def _deliver(self, frame: Mapping[str, Any]) -> None: ...
    def _renewed(self, reason: str) -> None: ...
    def _lost(self, reason: str) -> None: ...
    def _fail(self, error: BaseException) -> None: ...


class SocketOptions:
    __slots__ = ("backoff", "idle")

    def __init__(self, backoff: Backoff | None = None, idle: float | None = None) -> None:
        self.backoff = backoff or Backoff()
        self.idle = idle


class _Dead(Exception):
    """The socket is gone (closed by the server, the network or our watchdog)."""


class SocketClosing(Exception):
    """The socket closed (no subscription left) while a subscription was being added: use a new one."""


# Reconnecting would not help: refusals, and a connection closed by its owner. Refused credentials too:
# the connection has already refreshed them (or logged in again) where it could.
_UNUSABLE = (RealtimeUnavailable, AuthenticationError, Forbidden, ConnectionClosed)


class RealtimeSocket:
    def __init__(self, conn: Directus, options: SocketOptions) -> None:
        self.conn = conn
        self.options = options
        self._uids = itertools.count(1)
        self._prefix = secrets.token_hex(3)  # uids of two sockets never meet, even in logs
        self._subs: dict[str, Listener] = {}
        self._pending: deque[Listener] = deque()  # subscribe frames sent, not yet answered (FIFO)
        self._ws: ClientConnection | None = None
        self._runner: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._token: str | None = None
        self._auth_reply: asyncio.Future[None] | None = None
        self._auth_lock = asyncio.Lock()  # one auth exchange at a time: replies carry no uid to match
        self._reauth: asyncio.TimerHandle | None = None
        self._idle_close: asyncio.TimerHandle | None = None
        self._verdict = ""  # why the watchdog closed the socket
        self._tasks: set[asyncio.Task[Any]] = set()
        self._expired = False
        self._idle = DEFAULT_IDLE
        self._last_seen = 0.0
        self._closing = False
        self._fatal: BaseException | None = None  # ends the runner: reconnecting would not help
        self.connects = 0  # successful connections (1 + reconnects)

    # -- subscriptions ----------------------------------------------------------------------------
    async def add(self, sub: Listener) -> None:
        """Subscribe; returns once Directus confirmed (``init``), raises its typed error otherwise."""
        self._start()
        assert self._ready is not None
        await asyncio.shield(self._ready)  # the first connection's error, typed
        if self._closing:
            raise SocketClosing
        self._cancel_linger()
        sub.uid = self._next_uid()
        self._subs[sub.uid] = sub
        if self._ws is not None:  # else the reconnect in progress subscribes it
            await self._send_subscribe(sub)
        try:
            await asyncio.wait_for(asyncio.shield(sub.started), SUBSCRIBE_WAIT)
        except BaseException as exc:
            self._forget(sub)
            await self._send_quietly(unsubscribe_frame(sub.uid))
            self._linger()
            if isinstance(exc, asyncio.TimeoutError):
                raise RequestTimeout(f"no answer to the subscribe within {SUBSCRIBE_WAIT:.0f}s",
                                     method="subscribe", path="websocket") from None
            raise

    async def remove(self, sub: Listener) -> None:
        if self._forget(sub):
            await self._send_quietly(unsubscribe_frame(sub.uid))
        self._linger()

    def _linger(self) -> None:
        """Close the socket once it has had no subscription for ``LINGER`` seconds."""
        if self._subs or self._closing or self._idle_close is not None:
            return

        def close_if_idle() -> None:
            self._idle_close = None
            if not self._subs:
                self._spawn(self.close())

        self._idle_close = asyncio.get_running_loop().call_later(LINGER, close_if_idle)

    def _cancel_linger(self) -> None:
        if self._idle_close is not None:
            self._idle_close.cancel()
            self._idle_close = None

    def _forget(self, sub: Listener) -> bool:
        with contextlib.suppress(ValueError):
            self._pending.remove(sub)
        return self._subs.pop(sub.uid, None) is not None

    def _next_uid(self) -> str:
        return f"{self._prefix}-{next(self._uids)}"

    async def _send_subscribe(self, sub: Listener) -> None:
        self._pending.append(sub)
        await self._send(sub._frame())

    # -- lifecycle --------------------------------------------------------------------------------
    def _start(self) -> None:
        if self._runner is None:
            loop = asyncio.get_running_loop()
            self._ready = loop.create_future()
            self._runner = loop.create_task(self._run(), name="directus-orm realtime socket")

    async def shut(self, error: BaseException) -> None:
        """Close for good because the connection closed: open subscriptions end with ``error``."""
        self._fail_all(error)
        await self.close()

    async def close(self) -> None:
        self._closing = True
        self._cancel_linger()
        _drop(self)
        runner, self._runner = self._runner, None
        if runner is not None and not runner.done():
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await runner

    async def _run(self) -> None:
        attempt = 0
        reason = ""
        try:
            while True:
                try:
                    ws = await self._open()
                except _UNUSABLE as exc:
                    self._fail_all(self._expired_for_good(exc) or exc)
                    return
                except (DirectusError, OSError, asyncio.TimeoutError) as exc:
                    if not self.connects:
                        self._fail_all(exc)
                        return
                    attempt += 1
                    if not self._subs:
                        _drop(self)
                        self._closing = True
                        return
                    if self.options.backoff.gives_up(attempt):
                        self._fail_all(ConnectionLost(f"gave up reconnecting after {attempt} attempts: {exc}",
                                                      method="GET", path="websocket"))
                        return
                    delay = self.options.backoff.delay(attempt - 1)
                    log.warning("realtime: reconnect attempt %d failed (%s); next in %.1fs",
                                attempt, exc, delay)
                    await asyncio.sleep(delay)
                    continue
                attempt = 0
                self._verdict = ""
                self.connects += 1
                self._ws = ws
                watchdog = asyncio.get_running_loop().create_task(self._watch(ws))
                try:
                    if self.connects == 1:
                        assert self._ready is not None
                        if not self._ready.done():
                            self._ready.set_result(None)
                    else:
                        await self._renew(reason)
                    await self._read(ws)
                    reason = "the server closed the websocket"
                    if self._fatal is not None:
                        self._fail_all(self._fatal)
                        return
                except _Dead as exc:
                    reason = self._verdict or str(exc)
                    if self._fatal is not None:
                        self._fail_all(self._fatal)
                        return
                except (OSError, DirectusError) as exc:
                    reason = f"the websocket failed: {exc}"
                finally:
                    self._ws = None
                    watchdog.cancel()
                    self._cancel_reauth()
                    await _abort(ws)
                if not self._subs:  # nobody to reconnect for
                    _drop(self)
                    self._closing = True
                    return
                log.warning("realtime: connection lost (%s); reconnecting", reason)
                self._tell_lost(reason)
        except asyncio.CancelledError:
            await self._shutdown()
            raise
        except BaseException as exc:  # a bug: tell every consumer rather than hang them
            self._fail_all(exc)
            raise

    async def _shutdown(self) -> None:
        self._cancel_reauth()
        for task in list(self._tasks):
            task.cancel()
        ws, self._ws = self._ws, None
        if ws is not None:
            await _abort(ws, graceful=True)

    def _tell_lost(self, reason: str) -> None:
        for sub in list(self._subs.values()):
            if sub.started.done():
                sub._lost(reason)

    def _fail_all(self, error: BaseException) -> None:
        _drop(self)
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(error)
            self._ready.exception()  # retrieved: add() re-raises it for each caller
        subs = list(self._subs.values())
        self._subs.clear()
        self._pending.clear()
        for sub in subs:
            sub._fail(error)

    # -- connecting -------------------------------------------------------------------------------
    async def _open(self) -> ClientConnection:
        try:
            from websockets.asyncio.client import connect
            from websockets.exceptions import InvalidHandshake, InvalidStatus
        except ImportError:  # pragma: no cover - checked by subscribe() already
            raise RealtimeNotInstalled("realtime needs the websockets package: "
                                       "pip install 'directus-orm[realtime]'") from None
        info = await self._server_info()
        path, mode, heartbeat = info
        self._idle = self.options.idle or (float(heartbeat) if heartbeat else DEFAULT_IDLE)
        token = await socket_token(self.conn, valid_for=AUTH_WAIT)
        url = socket_url(self.conn.url, path, token if mode == "strict" else None)
        try:
            ws = await connect(
                url, ping_interval=None,  # Directus never answers protocol pings: its own ping/pong instead
                proxy=None, compression=None, max_size=MAX_FRAME, max_queue=1024, open_timeout=10,
                close_timeout=2, user_agent_header=None,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status == 401:
                raise SocketAuthFailed("the websocket upgrade was refused: invalid or expired token",
                                       status=401, code="AUTH_FAILED", method="GET", path=path) from None
            if status == 403:
                raise Forbidden("the websocket upgrade was refused (origin, connection limit or license)",
                                status=403, code="FORBIDDEN", method="GET", path=path) from None
            raise RealtimeUnavailable(f"the server refused the websocket upgrade at {path} "
                                      f"(HTTP {status}): is WEBSOCKETS_ENABLED set?") from None
        except InvalidHandshake as exc:
            # A malformed-URL message quotes the URL, which carries the token in strict mode.
            raise NetworkError(f"websocket handshake failed: {redact(str(exc))}", method="GET",
                               path=path) from None
        except (OSError, asyncio.TimeoutError) as exc:
            raise NetworkError(f"websocket connection failed: {redact(repr(exc))}", method="GET",
                               path=path) from None
        self._last_seen = asyncio.get_running_loop().time()
        if token is not None and mode != "strict":
            try:
                await ws.send(auth_frame(token))
                raw = await asyncio.wait_for(ws.recv(), AUTH_WAIT)
            except Exception as exc:
                await _abort(ws)
                raise NetworkError(f"no answer to the websocket authentication: {exc!r}", method="GET",
                                   path=path) from None
            frame = decode(raw) or {}
            if frame.get("type") != "auth" or is_error(frame):
                await _abort(ws)
                error = socket_error(frame) if is_error(frame) else SocketAuthFailed(
                    "unexpected answer to the websocket authentication", status=0, code="AUTH_FAILED",
                    method="auth", path="websocket")
                raise error
        self._token = token
        self._expired = False
        self._schedule_reauth(token)
        return ws

    async def _server_info(self) -> tuple[str, str, Any]:
        """Where the REST websocket lives, its auth mode and heartbeat, from ``/server/info`` (also the
        request that logs in or refreshes the connection's credentials)."""
        body = await self.conn.get("/server/info")
        data = (body or {}).get("data") if isinstance(body, Mapping) else None
        websocket = data.get("websocket", None) if isinstance(data, Mapping) else None
        if websocket is False:
            raise RealtimeUnavailable("the server has websockets disabled (WEBSOCKETS_ENABLED=false)")
        if not isinstance(websocket, Mapping):  # not told (e.g. the public role): assume the defaults
            return "/websocket", "handshake", None
        rest = websocket.get("rest")
        if not isinstance(rest, Mapping):
            raise RealtimeUnavailable("the server has the REST websocket disabled "
                                      "(WEBSOCKETS_REST_ENABLED=false)")
        path = str(rest.get("path") or "/websocket")
        return path, str(rest.get("authentication") or "handshake"), websocket.get("heartbeat")

    # -- reading ----------------------------------------------------------------------------------
    async def _read(self, ws: ClientConnection) -> None:
        from websockets.exceptions import ConnectionClosed as SocketClosed

        loop = asyncio.get_running_loop()
        try:
            async for raw in ws:
                self._last_seen = loop.time()
                frame = decode(raw)
                if frame is not None:
                    await self._dispatch(frame, ws)
        except SocketClosed as exc:
            raise _Dead(f"the websocket closed ({exc})") from None

    async def _dispatch(self, frame: dict[str, Any], ws: ClientConnection) -> None:
        kind = frame.get("type")
        if kind == "subscription":
            uid = frame.get("uid")
            sub = self._subs.get(uid) if isinstance(uid, str) else None
            if sub is None:
                return  # an uid we renewed or dropped: what it said is covered by the renewal
            if frame.get("event") == "init":
                with contextlib.suppress(ValueError):
                    self._pending.remove(sub)
            sub._deliver(frame)
        elif kind == "ping":
            await ws.send(PONG)
        elif kind == "auth":
            self._on_auth(frame)
        elif is_error(frame):
            self._on_error(frame)

    def _on_error(self, frame: dict[str, Any]) -> None:
        error = socket_error(frame)
        uid = frame.get("uid")
        sub: Listener | None = None
        if uid is not None:
            sub = self._subs.get(str(uid))
        elif self._pending:
            sub = self._pending[0]  # uid-less (validation, rate limit): the oldest unanswered subscribe
        if sub is None:
            log.warning("realtime: %s", error)
            return
        if self._expired:
            return  # read as the public role while re-authenticating: every subscription is renewed after
        self._forget(sub)
        if sub.started.done():
            self._spawn(self._send_quietly(unsubscribe_frame(sub.uid)))
        sub._fail(error)

    def _on_auth(self, frame: dict[str, Any]) -> None:
        if not is_error(frame):
            if self._auth_reply is not None and not self._auth_reply.done():
                self._auth_reply.set_result(None)
            return
        error = socket_error(frame)
        if error.code == "TOKEN_EXPIRED":
            fatal = self._expired_for_good(error)
            if fatal is not None:  # a token nobody can renew: end now rather than retry forever
                self._fatal = fatal
                if self._ws is not None:
                    self._spawn(_abort(self._ws))
                return
            # Too late for the early re-auth: events may have been read as the public role meanwhile.
            self._expired = True
            self._tell_lost("the token expired before it was renewed")
            self._spawn(self._reauthenticate(reactive=True))
        elif self._auth_reply is not None and not self._auth_reply.done():
            self._auth_reply.set_exception(error)
        elif self._token is None:
            # No credentials and the server wants some (handshake mode): retrying cannot help.
            self._fatal = SocketAuthFailed(
                "the server requires authentication on the websocket and the connection has no "
                "credentials", status=0, code=error.code, method="auth", path="websocket")
        else:
            log.warning("realtime: %s", error)  # the server closes next: reconnect with fresh credentials

    # -- re-authentication ------------------------------------------------------------------------
    def _expired_for_good(self, error: BaseException) -> SocketTokenExpired | None:
        """``error`` as :class:`SocketTokenExpired` when it says the token expired and the connection
        cannot renew it; else None."""
        if isinstance(error, SocketTokenExpired):
            return error
        if not isinstance(error, TokenExpired) and not (
                isinstance(error, AuthenticationError) and self._token_expired()):
            return None
        return None if can_renew(self.conn) else cannot_renew()

    def _token_expired(self) -> bool:
        exp = jwt_expiry(self._token) if self._token else None
        return exp is not None and exp <= time.time()

    def _schedule_reauth(self, token: str | None) -> None:
        self._cancel_reauth()
        exp = jwt_expiry(token) if token else None
        if exp is None or not can_renew(self.conn):  # nothing to renew it with: it runs until it expires
            return
        left = exp - time.time()
        margin = min(10.0, max(1.0, left / 5))
        loop = asyncio.get_running_loop()
        self._reauth = loop.call_later(max(0.0, left - margin),
                                       lambda: self._spawn(self._reauthenticate(reactive=False)))

    def _cancel_reauth(self) -> None:
        if self._reauth is not None:
            self._reauth.cancel()
            self._reauth = None

    def reauthenticate(self) -> None:
        """Send the connection's current token now (it holds a fresher one than the socket's)."""
        if self._ws is not None and not self._closing:
            self._spawn(self._reauthenticate(reactive=False))

    async def _reauthenticate(self, *, reactive: bool) -> None:
        async with self._auth_lock:
            await self._reauthenticate_once(reactive=reactive)

    async def _reauthenticate_once(self, *, reactive: bool) -> None:
        ws = self._ws
        if ws is None:
            return
        try:
            replace = self._token if reactive else None
            token = await socket_token(self.conn, valid_for=AUTH_WAIT, replace=replace)
            if token is None or (token == self._token and not reactive and not can_renew(self.conn)):
                return  # nothing newer to send
            if ws is not self._ws:
                return  # reconnected meanwhile: the new socket authenticated with the current token
            reply = self._auth_reply = asyncio.get_running_loop().create_future()
            await ws.send(auth_frame(token))
            await asyncio.wait_for(reply, AUTH_WAIT)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("realtime: re-authentication failed (%s); reconnecting", exc)
            await _abort(ws)  # the runner reconnects, with whatever credentials the connection has
            return
        self._token = token
        self._schedule_reauth(token)
        if reactive and self._expired:
            self._expired = False
            await self._renew("the token expired before it was renewed", same_socket=True)

    # -- renewal after a reconnect ----------------------------------------------------------------
    async def _renew(self, reason: str, *, same_socket: bool = False) -> None:
        """Subscribe everything again under new uids; consumers of started subscriptions are told
        that events may be missing (a fresh ``init`` follows)."""
        subs = list(self._subs.values())
        self._subs.clear()
        self._pending.clear()
        for sub in subs:
            old = sub.uid
            if same_socket and sub.started.done():
                await self._send_quietly(unsubscribe_frame(old))
            sub.uid = self._next_uid()
            self._subs[sub.uid] = sub
            if sub.started.done():
                sub._renewed(reason)
        for sub in subs:
            await self._send_subscribe(sub)

    # -- watchdog ---------------------------------------------------------------------------------
    async def _watch(self, ws: ClientConnection) -> None:
        """Close a socket silent for about twice the heartbeat period: after one period of silence we
        ask (a ``ping`` frame, which Directus answers with ``pong``), after two it is dead."""
        loop = asyncio.get_running_loop()
        probed = False
        while True:
            await asyncio.sleep(self._idle / 4)
            silent = loop.time() - self._last_seen
            if silent > 2 * self._idle:
                self._verdict = f"no message for {silent:.1f}s: the connection was dead"
                log.warning("realtime: %s", self._verdict)
                await _abort(ws)
                return
            if silent > self._idle and not probed:
                probed = True
                await self._send_quietly('{"type":"ping"}')
            elif silent <= self._idle:
                probed = False

    # -- sending ----------------------------------------------------------------------------------
    async def _send(self, frame: str) -> None:
        ws = self._ws
        if ws is None:
            return  # reconnecting: the renewal sends it
        try:
            await ws.send(frame)
        except Exception as exc:  # the reader sees the same loss and reconnects
            log.debug("realtime: send failed (%s)", exc)

    async def _send_quietly(self, frame: str) -> None:
        with contextlib.suppress(Exception):
            await self._send(frame)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def _abort(ws: ClientConnection, graceful: bool = False) -> None:
    if graceful:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(), 2)
            return
    with contextlib.suppress(Exception):
        ws.transport.abort()


# -- one socket per connection and event loop ---------------------------------------------------------
_sockets: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, RealtimeSocket]] = (
    weakref.WeakKeyDictionary()
)
_sockets_lock = threading.Lock()  # loops of several threads (an app's, the sync face's) share the table


def socket_for(conn: Directus, options: SocketOptions | None = None) -> RealtimeSocket:
    """The socket of ``conn`` on the running loop (created on first use; the first caller's options
    apply while it lives)."""
    loop = asyncio.get_running_loop()
    with _sockets_lock:
        sockets = _sockets.setdefault(loop, {})
        socket = sockets.get(id(conn))
        if socket is None or socket.conn is not conn or socket._closing:
            socket = sockets[id(conn)] = RealtimeSocket(conn, options or SocketOptions())
        return socket


async def _close_sockets(conn: Directus) -> None:
    """``conn`` is being closed: close its socket on every loop, that loop's own task doing it (a socket
    is bound to its loop), and wait for it (bounded), so nothing of it still runs afterwards."""
    running = asyncio.get_running_loop()
    with _sockets_lock:
        found = [(loop, sockets.get(id(conn))) for loop, sockets in _sockets.items()]
    for loop, socket in found:
        if socket is None or socket.conn is not conn:
            continue
        shut = socket.shut(ConnectionClosed("the connection was closed (aclose): subscribe again on a "
                                            "new one"))
        if loop is running:
            await shut
        elif loop.is_running():
            done = asyncio.run_coroutine_threadsafe(shut, loop)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.wrap_future(done), CLOSE_WAIT)
        else:
            shut.close()  # its loop has ended: nothing runs there any more


on_close(_close_sockets)


def credentials_changed(conn: Directus) -> None:
    """``conn`` holds a fresher access token: its live socket on the running loop (if any)
    re-authenticates with it at once, instead of waiting for the old one to expire."""
    with _sockets_lock:
        socket = _sockets.get(asyncio.get_running_loop(), {}).get(id(conn))
    if socket is not None and socket.conn is conn:
        socket.reauthenticate()


def _drop(socket: RealtimeSocket) -> None:
    with _sockets_lock:
        for sockets in _sockets.values():
            if sockets.get(id(socket.conn)) is socket:
                del sockets[id(socket.conn)]

