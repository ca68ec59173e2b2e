"""What one request knows about its caller: the :class:`RequestContext` a
:class:`~directus_orm.contrib.fastapi.DirectusDependency` puts on ``request.state.directus``, and the
facts about the caller that guards ask for (memoised on it, so several guards on one route ask once).

Both the dependency (which builds the context) and the guards (which read it) import this module; it
imports neither of them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from ...connection.client import Directus, item_path
from ...connection.serverinfo import require_version, server_info
from ...exceptions import Forbidden, RouteNotFound

__all__ = ["STATE_KEY", "RequestContext", "get_request_context"]

logger = logging.getLogger("directus_orm.fastapi")

STATE_KEY = "directus"
"""Where the per-request state lives on ``request.state``."""


@dataclass
class RequestContext:
    """What one request knows about its caller; on ``request.state.directus``.

    ``connection`` runs as the caller; ``service`` is the application's own connection (the registry
    alias as configured, outside any override), used to resolve role and policy names, or None.
    ``user_id`` is set once the credentials were verified. ``cache`` memoises per-request lookups
    (roles, policies, permissions) so several guards on one route ask Directus once.
    """

    connection: Directus
    service: Directus | None
    source: str  # "bearer", "access_cookie", "session_cookie" or "anonymous"
    user_id: str | None = None
    token_key: str | None = None
    """a keyed digest standing for the caller's credentials (see :class:`.tokens.TokenCache`), never them"""
    cache: dict[str, Any] = field(default_factory=dict)

    async def memo(self, key: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        """``compute()``'s result, computed once per request under ``key`` (guards share what they read)."""
        if key not in self.cache:
            self.cache[key] = await compute()
        return self.cache[key]


def get_request_context(request: Request) -> RequestContext | None:
    """The :class:`RequestContext` a :class:`DirectusDependency` stored on this request, if any."""
    ctx = getattr(request.state, STATE_KEY, None)
    return ctx if isinstance(ctx, RequestContext) else None


# -- per-request facts about the caller (memoised on the request context) -----------------------------
async def caller_roles(ctx: RequestContext) -> list[dict[str, Any]]:
    """``[{"id": ..., "name": ... (when readable)}]``: the caller's role and its parents."""
    async def fetch() -> list[dict[str, Any]]:
        if ctx.source == "anonymous":
            return []
        try:
            body = await ctx.connection.get("/roles/me", params={"fields": ["id", "name"]})
        except Forbidden:
            # Directus 10 has no /roles/me (it reads "me" as a role key): its one role is the user's.
            if (await server_info(ctx.connection)).at_least((11, 0, 0)) is not False:
                return []
            # A role without app access may not read even its own user's ``role``: ask with the
            # service connection when there is one.
            user = await caller_user_id(ctx)
            if user is None:
                return []
            conn = ctx.service or ctx.connection
            body = await conn.get(item_path("directus_users", user), params={"fields": "role"})
            role = ((body or {}).get("data") or {}).get("role")
            return [{"id": role}] if isinstance(role, str) else []
        return [r for r in (body or {}).get("data") or [] if isinstance(r, dict)]

    result: list[dict[str, Any]] = await ctx.memo("roles", fetch)
    return result


async def caller_user_id(ctx: RequestContext) -> str | None:
    if ctx.user_id is None and ctx.source != "anonymous":
        me = await ctx.connection.me(fields="id")
        ctx.user_id = me.get("id") if isinstance(me.get("id"), str) else None
    return ctx.user_id


async def caller_policies(ctx: RequestContext) -> list[dict[str, Any]]:
    """``[{"id": ..., "name": ...}]``: policies attached to the caller or to one of their roles."""
    async def fetch() -> list[dict[str, Any]]:
        user = await caller_user_id(ctx)
        role_ids = [r["id"] for r in await caller_roles(ctx) if isinstance(r.get("id"), str)]
        clauses: list[dict[str, Any]] = []
        if user:
            clauses.append({"user": {"_eq": user}})
        if role_ids:
            clauses.append({"role": {"_in": role_ids}})
        if not clauses:
            return []
        conn = ctx.service or ctx.connection
        try:
            body = await conn.get("/access", params={
                "filter": {"_or": clauses}, "fields": ["policy.id", "policy.name"], "limit": -1,
            })
        except RouteNotFound:
            await require_version(conn, "11.0.0", "require_policy (Directus policies)")
            raise
        except Forbidden:
            logger.warning("require_policy: %s may not read directus_access; configure a service "
                           "connection with that permission", "the caller" if ctx.service is None else
                           "the service connection")
            return []
        policies = [row.get("policy") for row in (body or {}).get("data") or []]
        return [p for p in policies if isinstance(p, dict)]

    result: list[dict[str, Any]] = await ctx.memo("policies", fetch)
    return result


async def caller_permissions(ctx: RequestContext) -> dict[str, Any]:
    """Directus's ``/permissions/me``: ``{collection: {action: {"access": "full"|"partial"|"none"}}}``."""
    async def fetch() -> dict[str, Any]:
        if ctx.source == "anonymous":
            return {}
        try:
            body = await ctx.connection.get("/permissions/me")
        except Forbidden:
            return {}
        if body is None:  # Directus 10 answers 204: it has no per-caller permission summary
            await require_version(ctx.connection, "11.0.0", "require_permission (/permissions/me)")
        data = (body or {}).get("data")
        return data if isinstance(data, dict) else {}

    result: dict[str, Any] = await ctx.memo("permissions", fetch)
    return result


async def caller_is_admin(ctx: RequestContext) -> bool:
    async def fetch() -> bool:
        if ctx.source == "anonymous":
            return False
        try:
            body = await ctx.connection.get("/policies/me/globals")
        except RouteNotFound:  # Directus 10: admin access is a flag of the user's role
            me = await ctx.connection.me(fields="role.admin_access")
            role = me.get("role")
            return isinstance(role, dict) and role.get("admin_access") is True
        return bool(((body or {}).get("data") or {}).get("admin_access"))

    result: bool = await ctx.memo("admin", fetch)
    return result
