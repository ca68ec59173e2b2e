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

from .checks import (
    Action,
    Check,
    Guard,
    RoleCache,
    admin_guard,
    make_guard,
    permission_guard,
    policy_guard,
    role_cache,
    role_guard,
)
from .dependency import DirectusDependency

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

get_directus = DirectusDependency()
"""The default per-request connection dependency (Bearer header or ``directus_session_token``):
``conn: Directus = Depends(get_directus)``."""


def guard(check: Check, describe: str, *, directus: DirectusDependency | None = None) -> Guard:
    """A guard from any ``async check(ctx: RequestContext) -> bool``."""
    return make_guard(check, describe, directus or get_directus)


def require_role(
    *roles: str,
    directus: DirectusDependency | None = None,
    allow_admin: bool = False,
    cache: RoleCache | None = None,
) -> Guard:
    """403 unless the caller has one of ``roles`` (names or ids), directly or as a parent role.

    ``allow_admin=True`` lets Directus administrators (``admin_access``) through as well.
    """
    return role_guard(roles, directus or get_directus, allow_admin=allow_admin, cache=cache)


def require_policy(*policies: str, directus: DirectusDependency | None = None,
                   allow_admin: bool = False) -> Guard:
    """403 unless one of ``policies`` (names or ids) applies to the caller (through their user or a
    role). Reads ``directus_access`` with the service connection."""
    return policy_guard(policies, directus or get_directus, allow_admin=allow_admin)


def require_permission(
    collection: str,
    *actions: Action,
    full: bool = False,
    directus: DirectusDependency | None = None,
) -> Guard:
    """403 unless Directus grants the caller every one of ``actions`` (default ``read``) on
    ``collection``; ``full=True`` also refuses permissions limited by a row filter ("partial")."""
    return permission_guard(collection, actions, directus or get_directus, full=full)


def require_admin(*, directus: DirectusDependency | None = None) -> Guard:
    """403 unless the caller has Directus admin access."""
    return admin_guard(directus or get_directus)
