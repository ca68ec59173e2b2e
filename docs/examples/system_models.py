"""System collections: the current user (as a project's subclass), roles and policies with their
permissions, schema metadata read honestly, the settings singleton and a singleton of our own, refused
operations. Needs DIRECTUS_URL and DIRECTUS_TOKEN (admin); drops what it creates.

Needs Directus >= 11: policies and directus_access arrived in Directus 11."""

from __future__ import annotations

import asyncio
import os
import uuid

from directus_orm import DirectusModel, configure, connections
from directus_orm.exceptions import UnsupportedOperation
from directus_orm.system import (
    DirectusAccess,
    DirectusActivity,
    DirectusCollection,
    DirectusField,
    DirectusPermission,
    DirectusPolicy,
    DirectusRole,
    DirectusSettings,
    DirectusUser,
)

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]
TAG = uuid.uuid4().hex[:8]
HOME = "docs_system_home"


# --8<-- [start:subclass]
class User(DirectusUser):
    nickname: str | None = None
# --8<-- [end:subclass]


class Home(DirectusModel):
    id: int | None = None
    headline: str | None = None

    class Meta:
        collection = HOME
        singleton = True


async def overview() -> None:
    # --8<-- [start:overview]
    from directus_orm.system import DirectusRole, DirectusSettings, DirectusUser

    me = await DirectusUser.objects.me()
    editors = await DirectusRole.objects.filter(name__startswith="Edit")
    settings = await DirectusSettings.objects.get()
    settings.project_name = "Shop"
    await settings.save()                      # PATCH /settings {"project_name": "Shop"}
    # --8<-- [end:overview]
    print(f"{me.email}; roles named Edit...: {[r.name for r in editors]}; project:",
          (await connections["default"].get("/settings"))["data"]["project_name"])


async def custom_fields() -> None:
    """User.nickname is a field the project added to directus_users (made here for the example)."""
    # --8<-- [start:subclass-use]
    me = await User.objects.me()                 # a User
    me = await User.objects.update_me(nickname="Ada")   # PATCH /users/me {"nickname": "Ada"}, a User
    await User.objects.filter(nickname__startswith="A")
    # --8<-- [end:subclass-use]
    print(f"logged in as {me.email} ({type(me).__name__}), nickname {me.nickname!r},",
          "users whose nickname starts with A:", [u.email for u in await User.objects.filter(
              nickname__startswith="A")])


async def with_nickname_field() -> None:
    """Adds directus_users.nickname for custom_fields() unless the project has it (then the admin's
    nickname is put back afterwards), and removes what it added."""
    conn = connections["default"]
    fields = {f["field"] for f in (await conn.get("/fields/directus_users"))["data"]}
    if "nickname" in fields:
        before = (await conn.get("/users/me", params={"fields": ["nickname"]}))["data"]["nickname"]
        try:
            await custom_fields()
        finally:
            await conn.patch("/users/me", json={"nickname": before})
        return
    await conn.post("/fields/directus_users", json={"field": "nickname", "type": "string"})
    try:
        await custom_fields()
    finally:
        await conn.delete("/fields/directus_users/nickname")


async def main() -> None:
    project_name = (await DirectusSettings.objects.get()).project_name
    try:
        await overview()
    finally:
        settings = await DirectusSettings.objects.get()
        settings.project_name = project_name
        await settings.save()
    await with_nickname_field()

    # Roles, policies and what they allow: directus_access links a role (or a user) to a policy.
    role = await DirectusRole.objects.create(name=f"Editors {TAG}", icon="edit")
    policy = await DirectusPolicy.objects.create(name=f"Edit articles {TAG}", app_access=True)
    try:
        await DirectusAccess.objects.create(role=role.id, policy=policy.id)
        await DirectusPermission.objects.create(policy=policy.id, collection="directus_files", action="read",
                                                fields=["*"])
        print("role policies:", [p.name for p in await role.get_policies()])
        print("policy permissions:", [(p.collection, p.action) for p in await policy.get_permissions()])
        print("permissions of the policy:", await DirectusPermission.objects.filter(policy=policy.id).count())
    finally:
        await role.delete()
        await policy.delete()

    # Schema metadata: /fields and /collections answer whole lists; equality filters apply client-side.
    of_users = DirectusField.objects.filter(collection="directus_users")
    user_fields = await of_users.values_list("field", flat=True)
    print(f"directus_users has {len(user_fields)} fields, among them {sorted(user_fields)[:3]}")
    roles = await DirectusCollection.objects.get(collection="directus_roles")
    print("directus_roles is a singleton:", roles.meta["singleton"] if roles.meta else None)
    try:
        await DirectusField.objects.filter(field__startswith="t").count()
    except UnsupportedOperation as exc:
        print("refused before any request:", exc.operation)

    # The activity log is read-only.
    latest = await DirectusActivity.objects.order_by("-timestamp").first()
    print("latest activity:", latest.action if latest else None)

    # The settings singleton: get() with no arguments, save() PATCHes the changed fields.
    settings = await DirectusSettings.objects.get()
    before = settings.project_name
    settings.project_name = f"Example {TAG}"
    await settings.save()
    print("project renamed to", (await DirectusSettings.objects.get()).project_name)
    settings.project_name = before
    await settings.save()

    # A singleton collection of our own.
    conn = connections["default"]
    if HOME in {c["collection"] for c in (await conn.get("/collections"))["data"]}:
        raise SystemExit(f"{HOME} exists already: this example leaves it alone")
    await conn.post("/collections", json={
        "collection": HOME, "schema": {}, "meta": {"singleton": True},
        "fields": [{"field": "id", "type": "integer",
                    "schema": {"is_primary_key": True, "has_auto_increment": True}},
                   {"field": "headline", "type": "string"}]})
    try:
        home = await Home.objects.get()
        home.headline = "Welcome"
        await home.save()
        print("home headline:", (await Home.objects.get()).headline)
        try:
            await Home.objects.all()
        except UnsupportedOperation as exc:
            print("a singleton is not a list:", exc.reason)
    finally:
        await conn.delete(f"/collections/{HOME}")


if __name__ == "__main__":
    configure({"default": {"url": URL, "token": TOKEN}})
    asyncio.run(main())
