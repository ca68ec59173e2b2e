"""The machinery under the guards: :class:`Guard` (a FastAPI ``Depends`` that is also an endpoint
decorator), the role name cache, and the checks each ``require_*`` guard runs on the caller.

Everything here takes the :class:`~directus_orm.contrib.fastapi.DirectusDependency` to authenticate
with explicitly: :mod:`.dependency` builds its bound guards (``directus.require_role(...)``) from here,
and :mod:`.guards` adds the default dependency, so neither of those two imports the other's way round.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from fastapi import Depends, HTTPException, Request, params, status

from ...connection.client import Directus
from ...exceptions import DirectusError, InvalidArgument, InvalidUsage
from .context import RequestContext, caller_is_admin, caller_permissions, caller_policies, caller_roles

if TYPE_CHECKING:
    from .dependency import DirectusDependency

__all__ = [
    "Action",
    "Check",
    "Guard",
    "RoleCache",
    "admin_guard",
    "make_guard",
    "permission_guard",
    "policy_guard",
    "role_cache",
    "role_guard",
]

F = TypeVar("F", bound=Callable[..., Any])
Check = Callable[[RequestContext], Awaitable[bool]]
Action = Literal["create", "read", "update", "delete", "share"]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def forbidden(detail: str) -> HTTPException:
    exc = HTTPException(status.HTTP_403_FORBIDDEN, detail=detail)
    exc.code = "FORBIDDEN"  # type: ignore[attr-defined]
    return exc


logger = logging.getLogger("directus_orm.fastapi")


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
        """Forget every cached role lookup (e.g. after renaming roles)."""
        with self._lock:
            self._entries.clear()


role_cache = RoleCache()
"""The process-wide role name cache (``role_cache.ttl = 60`` to change the TTL, ``clear()`` to
drop it)."""


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


def guard_check(dep: params.Depends) -> _GuardCheck | None:
    """The check behind a guard dependency, or None when ``dep`` is not a guard."""
    return dep.dependency if isinstance(dep.dependency, _GuardCheck) else None


class Guard(params.Depends):
    """A FastAPI dependency that refuses (403) callers who fail a check; also an endpoint decorator."""

    @property
    def describe(self) -> str:
        """What the guard checks, as its 403 messages and errors name it (e.g. ``require_role('editor')``)."""
        return getattr(self.dependency, "describe", "guard")

    def __call__(self, endpoint: F) -> F:
        """``@guard`` on an endpoint: adds the guard to its dependencies (keeps its signature)."""
        if not callable(endpoint):
            raise InvalidUsage(f"{self.describe}: used as a decorator, it needs a function")
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


def make_guard(check: Check, describe: str, directus: DirectusDependency) -> Guard:
    """A guard running ``check`` on the caller ``directus`` authenticates."""
    return Guard(dependency=_GuardCheck(check, directus, describe))


def role_guard(roles: Sequence[str], directus: DirectusDependency, *, allow_admin: bool = False,
               cache: RoleCache | None = None) -> Guard:
    """See :func:`~directus_orm.contrib.fastapi.require_role`."""
    if not roles:
        raise InvalidArgument("require_role() needs at least one role name")
    names_cache = cache or role_cache
    wanted_ids = {r for r in roles if _UUID.match(r)}
    wanted_names = [r for r in roles if r not in wanted_ids]

    async def check(ctx: RequestContext) -> bool:
        mine = await caller_roles(ctx)
        if any(r.get("id") in wanted_ids or r.get("name") in wanted_names for r in mine):
            return True
        # Names the caller may not read: resolve the wanted names to ids (service connection, cached).
        if wanted_names and any("name" not in r for r in mine):
            ids = await names_cache.ids(ctx.service or ctx.connection, wanted_names)
            if any(r.get("id") in ids for r in mine):
                return True
        if wanted_names and not checked:
            await warn_unknown(ctx)
        return allow_admin and await caller_is_admin(ctx)

    checked: list[bool] = []

    async def warn_unknown(ctx: RequestContext) -> None:
        """Once per guard, at its first refusal: a warning naming roles that do not exist on the server
        (a typo refuses everyone, silently otherwise)."""
        try:
            conn = ctx.service or ctx.connection
            unknown = [n for n in wanted_names if not await names_cache.ids(conn, [n])]
        except DirectusError:
            return  # the roles cannot be read with this connection: no verdict, ask again later
        checked.append(True)
        if unknown:
            logger.warning("require_role: no role named %s found on %s (%s connection); unless the "
                           "name is a typo that refuses everyone, it is a role this connection cannot read",
                           ", ".join(map(repr, unknown)), ctx.connection.url,
                           "the service" if ctx.service is not None else "the caller's")

    return make_guard(check, f"requires role {_names(roles)}", directus)


def policy_guard(policies: Sequence[str], directus: DirectusDependency, *,
                 allow_admin: bool = False) -> Guard:
    """See :func:`~directus_orm.contrib.fastapi.require_policy`."""
    if not policies:
        raise InvalidArgument("require_policy() needs at least one policy name")
    wanted = set(policies)

    async def check(ctx: RequestContext) -> bool:
        if any(p.get("id") in wanted or p.get("name") in wanted for p in await caller_policies(ctx)):
            return True
        return allow_admin and await caller_is_admin(ctx)

    return make_guard(check, f"requires policy {_names(policies)}", directus)


def permission_guard(collection: str, actions: Sequence[Action], directus: DirectusDependency, *,
                     full: bool = False) -> Guard:
    """See :func:`~directus_orm.contrib.fastapi.require_permission`."""
    wanted: Sequence[str] = actions or ("read",)
    accepted = ("full",) if full else ("full", "partial")

    async def check(ctx: RequestContext) -> bool:
        perms = (await caller_permissions(ctx)).get(collection) or {}
        return all((perms.get(action) or {}).get("access") in accepted for action in wanted)

    kind = "full " if full else ""
    return make_guard(check, f"requires {kind}{'/'.join(wanted)} permission on {collection!r}", directus)


def admin_guard(directus: DirectusDependency) -> Guard:
    """See :func:`~directus_orm.contrib.fastapi.require_admin`."""
    return make_guard(caller_is_admin, "requires admin access", directus)


def _names(values: Sequence[str]) -> str:
    return " or ".join(repr(v) for v in values)
