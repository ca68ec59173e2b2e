"""The realtime route: ``DirectusRouter(..., realtime=True)`` serves a websocket at
``/<collection>/subscribe`` following the rows the list route would answer (same filters, same row
rule), as the caller, over Directus's own websocket (:mod:`directus_orm.realtime`).

Credentials: as every route (``Authorization: Bearer``, the access or session cookie), plus
``?access_token=`` since browsers cannot set headers on a websocket (a token in a URL may end up in
access logs: prefer the cookie). Query parameters: the list filters (``?family=Uralic``) and
``events=create,update,delete`` (default all). Messages, JSON:

* ``{"type": "init", "data": [rows]}`` first (the snapshot), then ``create`` / ``update`` with
  ``data`` (rows as the retrieve route answers them), ``delete`` with ``keys``, and ``reconnected``
  (``reason``; a fresh ``init`` follows) when the upstream socket had to be renewed;
* ``{"type": "error", "code": ..., "message": ...}`` then a close: 4401 (credentials), 4403
  (forbidden: Directus, or one of the list route's guards, which the route runs itself), 4400 (a bad
  filter), 4404 (a parent that is not visible), 1011 (anything else).

Directus sends the keys of *every* deleted row of the collection to every subscriber, whatever its
filter; only keys of rows this subscription has delivered are forwarded, so rows outside the row
rule stay unknown. Directus sends an ``update`` only for rows still matching the filter: a row
updated out of it is not announced (the realtime layer's limitation, see docs/realtime.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from fastapi import HTTPException, Request, WebSocket, WebSocketDisconnect, params

from ...connection.auth import StaticToken
from ...connection.client import Directus
from ...connection.registry import connections
from ...exceptions import DirectusError, Forbidden, ImproperlyConfigured
from ...realtime import RealtimeError
from ...realtime.events import EVENT_TYPES
from .checks import forbidden, guard_check
from .querystring import detail_of, names, param_error

if TYPE_CHECKING:
    from .router import DirectusRouter

__all__ = ["check_guards", "serve_subscription"]

logger = logging.getLogger("directus_orm.fastapi")
SELECTION_PARAMETERS = ("fields", "omit", "fields!", "expand")
"""The list route's field selection, which the realtime route does not take (refused, not ignored)."""
LIVE_PARAMETERS = frozenset({"events", "access_token", *SELECTION_PARAMETERS})
"""The realtime route's own parameters (never filters)."""
_CLOSE = {400: 4400, 401: 4401, 403: 4403, 404: 4404}


def _socket_connection(router: DirectusRouter[Any], websocket: WebSocket, conn: Directus,
                       source: str) -> Directus:
    """The caller's connection in a form the realtime socket can authenticate with: a session cookie
    is sent as the token it is (Directus accepts a session token as an access token)."""
    cookie = router.directus.session_cookie
    if source == "session_cookie" and cookie:
        value = websocket.cookies.get(cookie) or ""
        return Directus(conn.url, auth=StaticToken(value), pool=router.directus.pool,
                        alias=router.directus.alias)
    return conn


def _refused(message: str, code: str) -> HTTPException:
    """A refused query parameter: closes the socket with 4400, as a bad filter does."""
    return HTTPException(400, detail=detail_of(param_error(message, code)))


def check_guards(guards: Sequence[params.Depends]) -> None:
    """The list route's dependencies must be guards: the websocket runs their checks itself (a FastAPI
    dependency taking a ``Request`` cannot run on a websocket)."""
    for dep in guards:
        if guard_check(dep) is None:
            raise ImproperlyConfigured(
                f"realtime=True: the list route's dependency {dep.dependency!r} is not a guard "
                "(require_role, require_permission ...), so the websocket cannot run it; guard the list "
                "route with guards only, or leave realtime off")


async def serve_subscription(router: DirectusRouter[Any], websocket: WebSocket, kw: Mapping[str, Any],
                             guards: Sequence[params.Depends] = ()) -> None:
    await websocket.accept()
    request = cast(Request, websocket)  # objects_filter and get_queryset read headers, state, query
    try:
        ctx = await router.directus.resolve(request)
        for dep in guards:
            check = guard_check(dep)
            assert check is not None  # check_guards() refused others when the route was built
            if not await check.check(await check.directus.resolve(request)):
                raise forbidden(f"forbidden: {check.describe}")
        events = names(websocket.query_params.get("events")) or None
        unknown = sorted(set(events or ()) - set(EVENT_TYPES))
        if unknown:
            raise _refused(f"?events= takes {', '.join(EVENT_TYPES)}, not {', '.join(unknown)}",
                           "UNKNOWN_EVENT")
        selecting = [p for p in SELECTION_PARAMETERS if p in websocket.query_params]
        if selecting:
            raise _refused(f"?{selecting[0]}= is not supported on the realtime route (rows come whole, "
                           "without the deferred fields)", "UNSUPPORTED_PARAMETER")
        conn = _socket_connection(router, websocket, ctx.connection, ctx.source)
        with connections.override(conn, router.directus.alias):
            qs = await router.list_queryset(request, kw, reserved=LIVE_PARAMETERS)
            await _pump(router, websocket, qs.subscribe(events=events, disconnected=True))
    except WebSocketDisconnect:
        return
    except HTTPException as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {"message": str(exc.detail)}
        code = detail.get("code") or getattr(exc, "code", None) or str(exc.status_code)
        await _close(websocket, _CLOSE.get(exc.status_code, 1011), {**detail, "code": code})
    except Forbidden as exc:
        await _close(websocket, 4403, {"code": exc.code or "FORBIDDEN", "message": exc.message})
    except (RealtimeError, DirectusError) as exc:
        logger.warning("realtime route %s: %s", router.collection, type(exc).__name__)
        await _close(websocket, 1011, {"code": type(exc).__name__, "message": str(exc)})


async def _pump(router: DirectusRouter[Any], websocket: WebSocket, subscription: Any) -> None:
    """Forward the subscription's events until either side ends."""
    delivered: set[str] = set()

    async def forward() -> None:
        async with subscription as sub:
            async for event in sub:
                if event.type == "delete":
                    keys = [k for k in event.keys if str(k) in delivered]
                    delivered.difference_update(map(str, keys))
                    if keys:
                        await websocket.send_json({"type": "delete", "keys": keys})
                    continue
                if event.type == "disconnected":  # the upstream socket is lost: say so while it is
                    await websocket.send_json({"type": "disconnected", "reason": event.reason})
                    continue
                rows = [router.public(obj) for obj in event.instances]
                delivered.update(str(obj.pk) for obj in event.instances)
                message: dict[str, Any] = {"type": event.type, "data": rows}
                if event.reason:
                    message["reason"] = event.reason
                await websocket.send_json(message)

    async def until_closed() -> None:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass  # the route takes no messages from the client

    tasks = [asyncio.ensure_future(forward()), asyncio.ensure_future(until_closed())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, Exception) and not isinstance(result, WebSocketDisconnect):
            raise result


async def _close(websocket: WebSocket, code: int, body: dict[str, Any]) -> None:
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.send_json({"type": "error", **body})
        await websocket.close(code=code)
