"""Roles holding permissions, made the way the server's version wants: on Directus 10 the role holds
its permissions and its app access; from 11 on a policy named ``"<role name> policy"`` does, attached
to the role through ``/access``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from directus_orm import Directus
from directus_orm.connection.serverinfo import server_info


@dataclass(frozen=True)
class MadeRole:
    id: str
    policy: str | None  # None on Directus 10


async def before_11(admin: Directus) -> bool:
    """Directus 10: one role per user, permissions on the role, no policies."""
    return (await server_info(admin)).at_least((11, 0, 0)) is False


async def make_role(admin: Directus, name: str, permissions: Iterable[dict[str, Any]] = (), *,
                    app_access: bool = False, admin_access: bool = False) -> MadeRole:
    """A role named ``name`` with ``permissions`` (each gets ``fields: ["*"]`` unless it names them)."""
    if await before_11(admin):
        role = (await admin.post("/roles", json={"name": name, "app_access": app_access,
                                                 "admin_access": admin_access}))["data"]["id"]
        for perm in permissions:
            await admin.post("/permissions", json={"role": role, "fields": ["*"], **perm})
        return MadeRole(str(role), None)
    role = (await admin.post("/roles", json={"name": name}))["data"]["id"]
    policy = (await admin.post("/policies", json={"name": f"{name} policy", "app_access": app_access,
                                                  "admin_access": admin_access}))["data"]["id"]
    await admin.post("/access", json={"role": role, "policy": policy})
    for perm in permissions:
        await admin.post("/permissions", json={"policy": policy, "fields": ["*"], **perm})
    return MadeRole(str(role), str(policy))


async def drop_role(admin: Directus, role: MadeRole) -> None:
    """Drops the role and its policy (its users must be gone first)."""
    await admin.delete(f"/roles/{role.id}")
    if role.policy is not None:
        await admin.delete(f"/policies/{role.policy}")


async def drop_roles_named(admin: Directus, name: str) -> None:
    """Drops what an earlier run of ``make_role(admin, name, ...)`` left behind."""
    paths = {"/roles": name} if await before_11(admin) else {"/roles": name, "/policies": f"{name} policy"}
    for path, wanted in paths.items():
        rows = (await admin.get(path, params={"filter": {"name": {"_eq": wanted}}, "fields": "id",
                                              "limit": -1}))["data"]
        for row in rows:
            await admin.delete(f"{path}/{row['id']}")
