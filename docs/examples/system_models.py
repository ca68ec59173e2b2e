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
HOME = f"example_home_{TAG}"


class User(DirectusUser):
    """The project's users: directus_users plus the custom fields it declares (none needed here)."""

    nickname: str | None = None


class Home(DirectusModel):
    id: int | None = None
    headline: str | None = None

    class Meta:
        collection = HOME
        singleton = True


async def main() -> None:
    me = await User.objects.me()
    print(f"logged in as {me.email} ({type(me).__name__})")

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
