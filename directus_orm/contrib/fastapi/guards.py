"""Guards: ``require_role``, ``require_policy``, ``require_permission`` - 403 unless the caller qualifies.

A guard is a FastAPI ``Depends`` (so it goes straight into ``dependencies=[...]`` or a parameter
default, no ``Depends(...)`` around it) and a decorator::

    @app.get("/drafts", dependencies=[require_role("Editor")])
    async def drafts(): ...

    @app.delete("/languages/{pk}")
    @require_permission("languages", "delete")
    async def remove(pk: int): ...

It depends on a :class:`DirectusDependency` (``directus=``; default :data:`get_directus`), so a guarded
route authenticates the caller (401 before 403) and runs as them.

Where the answers come from, all asked with the caller's own credentials unless said otherwise:

* roles: ``/roles/me`` (the caller's role and its parent roles; Directus answers their ids even when the
  caller may not read ``directus_roles``); required role *names* are resolved to ids with the service
  connection and cached for ``role_cache.ttl`` seconds (role names are not unique: a name stands for
  every role carrying it);
* policies: ``/access`` rows for the caller's user and roles, read with the service connection (the
  caller usually may not read ``directus_access``);
* permissions: ``/permissions/me`` (what Directus itself evaluates: every policy, minimal app
  permissions, IP restrictions);
* admin: ``/policies/me/globals`` (``admin_access``).

Directus 10 has one role per user and no policies: there, roles and admin access are read from
``/users/me`` (``role.id``, ``role.name``, ``role.admin_access``), and ``require_policy`` /
``require_permission`` raise :class:`~directus_orm.exceptions.UnsupportedByServer` (they need 11).
The server's version is read only when an answer says it may be an older Directus.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Literal, TypeVar

from fastapi import Depends, HTTPException, Request, params, status

from ...connection.client import Directus, item_path
from ...connection.serverinfo import require_version, server_info
from ...exceptions import Forbidden, RouteNotFound
from .dependency import DirectusDependency, RequestContext

__all__ = [
    "Guard",
    "RoleCache",
    "get_directus",
    "require_admin",
    "require_permission",
    "require_policy",
    "require_role",
    "role_cache",
]

logger = logging.getLogger("directus_orm.fastapi")

F = TypeVar("F", bound=Callable[..., Any])
Check = Callable[[RequestContext], Awaitable[bool]]
Action = Literal["create", "read", "update", "delete", "share"]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)

#: The default per-request connection dependency (Bearer header or ``directus_session_token``).
get_directus = DirectusDependency()


def forbidden(detail: str) -> HTTPException:
    exc = HTTPException(status.HTTP_403_FORBIDDEN, detail=detail)
    exc.code = "FORBIDDEN"  # type: ignore[attr-defined]
    return exc


class RoleCache:
    """Role name -> role ids, per Directus server, kept ``ttl`` seconds (thread-safe)."""

    def __init__(self, ttl: float = 300.0) -> None:
        self.ttl = ttl
        self._entries: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    async def ids(self, conn: Directus, names: Iterable[str]) -> frozenset[str]:
        """The ids of every role named one of ``names`` (unknown names contribute nothing)."""
        now = time.monotonic()
        wanted = sorted(set(names))
        found: set[str] = set()
        missing: list[str] = []
        with self._lock:
            for name in wanted:
                entry = self._entries.get((conn.url, name))
                if entry is not None and entry[0] > now:
                    found |= entry[1]
                else:
                    missing.append(name)
        if missing:
            body = await conn.get("/roles", params={
                "filter": {"name": {"_in": missing}}, "fields": ["id", "name"], "limit": -1,
            })
            by_name: dict[str, set[str]] = {name: set() for name in missing}
            for row in (body or {}).get("data") or []:
                if row.get("name") in by_name and isinstance(row.get("id"), str):
                    by_name[row["name"]].add(row["id"])
            with self._lock:
                for name, ids in by_name.items():
                    self._entries[(conn.url, name)] = (now + self.ttl, frozenset(ids))
                    found |= ids
        return frozenset(found)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


#: The process-wide role name cache (``role_cache.ttl = 60`` to change the TTL, ``clear()`` to drop it).
role_cache = RoleCache()


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


# -- the guard -------------------------------------------------------------------------------------
class _GuardCheck:
    """The callable FastAPI runs for a guard: resolve the caller, run the check, 403 on failure."""

    def __init__(self, check: Check, directus: DirectusDependency, describe: str) -> None:
        self.check = check
        self.directus = directus
        self.describe = describe
        self.__signature__ = inspect.Signature([
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
            inspect.Parameter("connection", inspect.Parameter.KEYWORD_ONLY, annotation=Directus,
                              default=Depends(directus)),
        ], return_annotation=None)

    async def __call__(self, request: Request, connection: Directus) -> None:
        ctx = await self.directus.resolve(request)
        if not await self.check(ctx):
            raise forbidden(f"forbidden: {self.describe}")

    def __repr__(self) -> str:
        return f"<guard {self.describe}>"


class Guard(params.Depends):
    """A FastAPI dependency that refuses (403) callers who fail a check; also an endpoint decorator."""

    @property
    def describe(self) -> str:
        return getattr(self.dependency, "describe", "guard")

    def __call__(self, endpoint: F) -> F:
        """``@guard`` on an endpoint: adds the guard to its dependencies (keeps its signature)."""
        if not callable(endpoint):
            raise TypeError(f"{self.describe}: used as a decorator, it needs a function")
        signature = inspect.signature(endpoint)
        name = "_directus_guard"
        while name in signature.parameters:
            name += "_"
        extra = inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=self, annotation=None)
        parameters = list(signature.parameters.values())
        at = next((i for i, p in enumerate(parameters) if p.kind is inspect.Parameter.VAR_KEYWORD),
                  len(parameters))
        parameters.insert(at, extra)

        if inspect.iscoroutinefunction(endpoint):
            @functools.wraps(endpoint)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                kwargs.pop(name, None)
                return await endpoint(*args, **kwargs)

            wrapper: Any = async_wrapper
        else:
            @functools.wraps(endpoint)
            def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
                kwargs.pop(name, None)
                return endpoint(*args, **kwargs)

            wrapper = sync_wrapper
        wrapper.__signature__ = signature.replace(parameters=parameters)
        return wrapper  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"Guard({self.describe})"


def guard(check: Check, describe: str, *, directus: DirectusDependency | None = None) -> Guard:
    """A guard from any ``async check(ctx: RequestContext) -> bool``."""
    return Guard(dependency=_GuardCheck(check, directus or get_directus, describe))


def require_role(
    *roles: str,
    directus: DirectusDependency | None = None,
    allow_admin: bool = False,
    cache: RoleCache | None = None,
) -> Guard:
    """403 unless the caller has one of ``roles`` (names or ids), directly or as a parent role.

    ``allow_admin=True`` lets Directus administrators (``admin_access``) through as well.
    """
    if not roles:
        raise ValueError("require_role() needs at least one role name")
    cache = cache or role_cache
    wanted_ids = {r for r in roles if _UUID.match(r)}
    wanted_names = [r for r in roles if r not in wanted_ids]

    async def check(ctx: RequestContext) -> bool:
        mine = await caller_roles(ctx)
        if any(r.get("id") in wanted_ids or r.get("name") in wanted_names for r in mine):
            return True
        # Names the caller may not read: resolve the wanted names to ids (service connection, cached).
        if wanted_names and any("name" not in r for r in mine):
            ids = await cache.ids(ctx.service or ctx.connection, wanted_names)
            if any(r.get("id") in ids for r in mine):
                return True
        return allow_admin and await caller_is_admin(ctx)

    return guard(check, f"requires role {_names(roles)}", directus=directus)


def require_policy(*policies: str, directus: DirectusDependency | None = None,
                   allow_admin: bool = False) -> Guard:
    """403 unless one of ``policies`` (names or ids) applies to the caller (through their user or a
    role). Reads ``directus_access`` with the service connection."""
    if not policies:
        raise ValueError("require_policy() needs at least one policy name")
    wanted = set(policies)

    async def check(ctx: RequestContext) -> bool:
        if any(p.get("id") in wanted or p.get("name") in wanted for p in await caller_policies(ctx)):
            return True
        return allow_admin and await caller_is_admin(ctx)

    return guard(check, f"requires policy {_names(policies)}", directus=directus)


def require_permission(
    collection: str,
    *actions: Action,
    full: bool = False,
    directus: DirectusDependency | None = None,
) -> Guard:
    """403 unless Directus grants the caller every one of ``actions`` (default ``read``) on
    ``collection``; ``full=True`` also refuses permissions limited by a row filter ("partial")."""
    wanted: Sequence[str] = actions or ("read",)
    accepted = ("full",) if full else ("full", "partial")

    async def check(ctx: RequestContext) -> bool:
        perms = (await caller_permissions(ctx)).get(collection) or {}
        return all((perms.get(action) or {}).get("access") in accepted for action in wanted)

    kind = "full " if full else ""
    return guard(check, f"requires {kind}{'/'.join(wanted)} permission on {collection!r}", directus=directus)


def require_admin(*, directus: DirectusDependency | None = None) -> Guard:
    """403 unless the caller has Directus admin access."""
    return guard(caller_is_admin, "requires admin access", directus=directus)


def _names(values: Sequence[str]) -> str:
    return " or ".join(repr(v) for v in values)
