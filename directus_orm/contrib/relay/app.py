"""The relay: a Starlette app with the websocket endpoint (and ``/metrics``), mountable in FastAPI.

Every client is authenticated before the upgrade completes (an ``Authorization: Bearer`` header, the
session cookie, or the app's ``authenticate`` callback); a refused one gets HTTP 401 / 403, never a
socket. Browsers cannot set headers on a websocket: with ``first_message_auth`` a client without
credentials is accepted, sent nothing, and must send ``{"type": "auth", "access_token": ...}`` first
(within ``auth_timeout``), or it is closed with :data:`CLOSE_UNAUTHENTICATED`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from ...connection.client import Directus
from ...exceptions import AuthenticationError, DirectusError, Forbidden
from .answers import CLOSE_TRY_AGAIN, CLOSE_UNAUTHENTICATED, answer_for, is_transport_failure
from .client import CLOSE_GOING_AWAY, ClientSession
from .config import Identity, RelayConfig
from .fanout import Hub
from .identity import bearer_token, identity_for_token
from .metrics import Metrics
from .rules import check_token, error_frame, parse_message

try:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket
except ImportError as exc:  # pragma: no cover
    raise ImportError("the relay needs starlette and websockets: pip install 'directus-orm[relay]'") from exc

__all__ = ["Relay"]

log = logging.getLogger("directus_orm.relay")


class _DenialNoise(logging.Filter):
    """uvicorn logs an error for every upgrade the app refuses with an HTTP answer (the relay's 401 and
    403 are the intended outcome, not errors)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing handshake" not in record.getMessage()


_DENIAL_NOISE = _DenialNoise()


class Relay:
    """``relay = Relay(RelayConfig(url=..., collections={...}))``; ``relay.app`` is the ASGI app
    (``relay.mount(app, "/realtime")`` in FastAPI, then ``await relay.aclose()`` at shutdown, or
    ``FastAPI(lifespan=relay.lifespan)``). ``relay.metrics`` holds the counters."""

    def __init__(self, config: RelayConfig) -> None:
        self.config = config
        self.metrics = Metrics()
        self.hub = Hub(self.metrics, config.reconnect, config.upstream_timeout)
        self._base = config.connection or Directus(str(config.url))
        self._owns_base = config.connection is None
        self._identities: dict[str, Identity] = {}
        self._clients: set[ClientSession] = set()
        self._handlers: set[asyncio.Task[Any]] = set()
        self._closing = False
        self._refusing = False  # shutting down: new clients are refused
        self._reporter: asyncio.Task[None] | None = None
        # "/rt" and "/rt/" alike, as mount() serves them
        paths = dict.fromkeys([config.path, config.path.rstrip("/") or "/", config.path.rstrip("/") + "/"])
        routes: list[Any] = [WebSocketRoute(path, self._endpoint) for path in paths]
        if config.metrics_path:
            routes.append(Route(config.metrics_path, self._metrics))
        self.app = Starlette(routes=routes, lifespan=self._app_lifespan)
        logging.getLogger("uvicorn.error").addFilter(_DENIAL_NOISE)  # once: the same filter object

    def mount(self, app: Any, path: str = "/realtime") -> None:
        """Serve the relay at ``path`` of a Starlette or FastAPI ``app``: ``ws://host/realtime`` and
        ``ws://host/realtime/`` both reach it (``app.mount`` alone only matches the second), the
        metrics at ``/realtime/metrics``. Run its lifespan with ``FastAPI(lifespan=relay.lifespan)``."""
        path = "/" + path.strip("/")
        app.mount(path, self.app)
        if self.config.path == "/":
            app.router.routes.append(WebSocketRoute(path, self._endpoint))

    # -- lifetime -----------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def lifespan(self, app: Any = None) -> AsyncIterator[None]:
        """For ``FastAPI(lifespan=relay.lifespan)``: reports metrics while running, closes at the end."""
        if self.config.on_metrics is not None and self._reporter is None:
            self._reporter = asyncio.get_running_loop().create_task(self._report())
        try:
            yield
        finally:
            await self.aclose()

    def _app_lifespan(self, app: Any) -> contextlib.AbstractAsyncContextManager[None]:
        return self.lifespan(app)

    async def close_clients(self) -> None:
        """Refuse new clients (503) and close every connected one with 1001 ("going away"). Called
        by :meth:`aclose`; ``directus-orm relay`` calls it before uvicorn closes the sockets itself
        (with 1012) on SIGTERM."""
        self._refusing = True
        for client in list(self._clients):
            client.cut(CLOSE_GOING_AWAY, "the relay is shutting down")
        if self._handlers:
            await asyncio.wait(list(self._handlers), timeout=10)

    async def aclose(self) -> None:
        """Close every client (code 1001), every upstream subscription and socket."""
        if self._closing:
            return
        self._closing = True
        if self._reporter is not None:
            self._reporter.cancel()
        await self.close_clients()
        await self.hub.aclose()
        self._identities.clear()
        if self._owns_base:
            await self._base.aclose()

    async def _report(self) -> None:
        assert self.config.on_metrics is not None
        while True:
            await asyncio.sleep(self.config.metrics_interval)
            try:
                result = self.config.on_metrics(self.metrics.as_dict())
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                log.exception("relay: the metrics callback failed")

    async def _metrics(self, request: Request) -> Response:
        return PlainTextResponse(self.metrics.text(), media_type="text/plain; version=0.0.4")

    # -- one client ---------------------------------------------------------------------------------
    async def _endpoint(self, ws: WebSocket) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            await self._serve(ws)
        finally:
            self._handlers.discard(task)

    async def _serve(self, ws: WebSocket) -> None:
        if self._refusing:
            await _deny(ws, 503, "the relay is shutting down")
            return
        if not self._origin_allowed(ws):
            self.metrics.denied += 1
            log.info("relay: origin refused")
            await _deny(ws, 403, "origin not allowed")
            return
        try:  # bounded: a frozen Directus answers 503 in time, not when the client gives up
            identity = await asyncio.wait_for(self._identify(ws), self.config.upstream_timeout)
        except Forbidden:
            self.metrics.denied += 1
            await _deny(ws, 403, "forbidden")
            return
        except AuthenticationError:
            self.metrics.denied += 1
            await _deny(ws, 401, "invalid credentials")
            return
        except (DirectusError, asyncio.TimeoutError) as exc:
            log.warning("relay: cannot authenticate a client: %s", type(exc).__name__)
            await _deny(ws, 503, "Directus is unavailable: try again later")
            return
        if identity is None and (self.config.authenticate is not None or not self.config.first_message_auth):
            self.metrics.denied += 1
            await _deny(ws, 401, "credentials required")
            return
        await ws.accept()
        if identity is None:
            identity = await self._first_message(ws)
            if identity is None:
                return
        reauthenticate = self._reauthenticate if self.config.authenticate is None else None
        client = ClientSession(ws, identity, self.hub, self.config, self.metrics, reauthenticate)
        self._clients.add(client)
        self.metrics.clients = len(self._clients)
        log.debug("relay: client connected as %s", identity.key)
        try:
            await client.serve()
        finally:
            self._clients.discard(client)
            self.metrics.clients = len(self._clients)
            self._release(identity.key)

    def _origin_allowed(self, ws: WebSocket) -> bool:
        origin = ws.headers.get("origin")
        allowed = self.config.origins
        if origin is None:  # not a browser (a browser always sends it)
            return allowed is None or "*" in allowed or self.config.allow_missing_origin
        if allowed is None:  # the relay's own origin: the scheme it is served with, its Host
            secure = ws.scope.get("scheme") in ("wss", "https")  # behind a proxy: X-Forwarded-Proto
            own = _origin_parts(f"{'https' if secure else 'http'}://{ws.headers.get('host', '')}")
            return own is not None and _origin_parts(origin) == own
        theirs = _origin_parts(origin)
        listed = {_origin_parts(o.rstrip("/")) for o in allowed}  # a configured one may end with "/"
        return "*" in allowed or (theirs is not None and theirs in listed)

    async def _identify(self, ws: WebSocket) -> Identity | None:
        if self.config.authenticate is not None:
            identity = await self.config.authenticate(ws)
            if identity is not None:
                self._identities.setdefault(identity.key, identity)
            return identity
        token = bearer_token(ws.headers, ws.cookies, self.config.cookie_name)
        if token is None:
            return None
        return await identity_for_token(self._base, token, self._identities)

    async def _reauthenticate(self, token: str) -> Identity:
        return await identity_for_token(self._base, token, self._identities)

    async def _first_message(self, ws: WebSocket) -> Identity | None:
        reply = error_frame("auth", "AUTH_FAILED", "authentication failed")
        close, reason = CLOSE_UNAUTHENTICATED, "authentication failed"
        identity, token = None, None
        try:
            raw = await asyncio.wait_for(ws.receive_text(), self.config.auth_timeout)
            frame = parse_message(raw)
            token = check_token(frame.get("access_token")) if frame.get("type") == "auth" else None
            if token is not None:
                identity = await asyncio.wait_for(identity_for_token(self._base, token, self._identities),
                                                  self.config.upstream_timeout)
        except Exception as exc:  # not JSON, not text, a refused token, the client gone: not authenticated
            if isinstance(exc, asyncio.TimeoutError) and token is None:
                reply = error_frame("auth", "AUTH_TIMEOUT", "no auth message in time")
            elif is_transport_failure(exc):  # the token may be valid: the client should try again later
                log.warning("relay: cannot check a client's token: %s", type(exc).__name__)
                answer = answer_for(exc, self.config.upstream_timeout)
                reply = error_frame("auth", answer.code, answer.message)
                close, reason = CLOSE_TRY_AGAIN, "Directus is unavailable"
            identity = None
        if identity is not None:
            await ws.send_text(json.dumps({"type": "auth", "status": "ok"}))
            return identity
        if close != CLOSE_TRY_AGAIN:
            self.metrics.denied += 1
        with contextlib.suppress(Exception):
            await ws.send_text(json.dumps(reply))
            await ws.close(close, reason)
        return None

    def _release(self, key: str) -> None:
        """Forget an identity nobody uses (its upstream socket closes with its last subscription)."""
        if not any(c.identity.key == key for c in self._clients):
            self._identities.pop(key, None)


def _origin_parts(origin: str) -> tuple[str, str, int] | None:
    """``scheme://host[:port]`` as (scheme, host, port), the default port filled in; None when it is
    not one (``null``, a path, a bad port)."""
    try:
        parts = urlsplit(origin.strip())  # an Origin has no path, not even "/"
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.path or parts.query:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


_DEFAULT_PORTS = {"http": 80, "https": 443}


async def _deny(ws: WebSocket, status: int, message: str) -> None:
    """Refuse the upgrade with an HTTP answer (403 from the server when it cannot send one)."""
    if "websocket.http.response" in ws.scope.get("extensions", {}):
        await ws.send_denial_response(PlainTextResponse(message, status_code=status))
    else:
        await ws.close(1008)
