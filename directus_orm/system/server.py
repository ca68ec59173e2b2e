"""``conn.server``: ping, info, health and the API specifications (``/server/*``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from ..connection.answers import check_status, json_object
from ..connection.serverinfo import ServerInfo, server_info
from ..exceptions import UnexpectedResponse
from ..sync import SyncFace
from .endpoints import Endpoints, without_retries

__all__ = ["Health", "Server"]


@dataclass(frozen=True)
class Health:
    """``/server/health``: ``status`` is ``"ok"``, ``"warn"`` or ``"error"``; ``checks`` the report of
    each component (``{"sqlite3:responseTime": [{"status": "ok", ...}], ...}``, admins only)."""

    status: str
    release_id: str | None = None
    service_id: str | None = None
    checks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Not ``"error"`` (Directus answers 503 then; ``"warn"`` is still 200)."""
        return self.status != "error"


class Server(Endpoints, SyncFace):
    """``conn.server`` (blocking: ``conn.server.sync.health()``)."""

    async def ping(self) -> bool:
        """True when the server answers ``/server/ping`` with ``pong`` (False when it does not answer)."""
        return await self._conn().ping()

    async def info(self, *, refresh: bool = False) -> ServerInfo:
        """``/server/info`` as this connection sees it (read once per connection and shared with the
        rest of the library; ``refresh=True`` reads it again). ``.version``, ``.query_limit_max``,
        ``.data`` (the whole answer: project, websocket, uploads ... for a logged-in caller)."""
        conn = self._conn()
        if not refresh:
            return await server_info(conn)
        body = await conn.get("/server/info")
        return ServerInfo.from_data((body or {}).get("data"))

    async def health(self) -> Health:
        """``/server/health`` (any logged-in user; anonymous callers get ``Forbidden``). An unhealthy
        server answers 503 with its report: that is returned (``health.ok`` False), not raised, and
        not retried."""
        response = await without_retries(self._conn()).send("GET", "/server/health", check=False)
        if response.status_code != 503:
            check_status(response)
        try:
            body = response.json() if "json" in response.headers.get("content-type", "") else None
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("status"), str):
            check_status(response)  # a 503 that is not a health report: its typed error
            raise UnexpectedResponse("/server/health answered without a health report",
                                     status=response.status_code, method="GET", path="/server/health")
        checks = body.get("checks")
        return Health(status=body["status"], release_id=body.get("releaseId"),
                      service_id=body.get("serviceId"), data=body,
                      checks=dict(checks) if isinstance(checks, dict) else {})

    async def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3 specification of this server as the caller may use it (``/server/specs/oas``)."""
        response = await self._conn().send("GET", "/server/specs/oas")
        spec = json_object(response)
        if spec is None or "openapi" not in spec:
            raise UnexpectedResponse("/server/specs/oas answered without an OpenAPI document",
                                     status=response.status_code, method="GET", path="/server/specs/oas")
        return spec

    async def graphql_sdl(self, *, system: bool = False) -> str:
        """The GraphQL schema (SDL text) of ``/graphql``, or of ``/graphql/system`` with ``system=True``
        (Directus sends it as a file attachment)."""
        path = "/server/specs/graphql/system" if system else "/server/specs/graphql"
        response: httpx.Response = await self._conn().send("GET", path)
        return response.content.decode("utf-8")
