"""Connections & authentication, end to end. Needs DIRECTUS_URL and DIRECTUS_TOKEN (an admin token):
creates its own docs_connections_* collection and an editor user, and drops both at the end.

    python -m directus_orm.testing run        # in another terminal; it prints the two variables
    .venv/bin/python docs/examples/connections.py
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import uuid

import httpx

import directus_orm
from directus_orm import ConnectionPool, Directus, DirectusModel, PasswordAuth, collection, connections
from directus_orm.exceptions import APIError, FieldError, InvalidCredentials

URL = os.environ["DIRECTUS_URL"]
TOKEN = os.environ["DIRECTUS_TOKEN"]
ARTICLES = "docs_connections_articles"


class Article(DirectusModel):
    id: int | None = None
    title: str
    status: str = "draft"

    class Meta:
        collection = ARTICLES


async def create_editor(admin: Directus, email: str, password: str, static_token: str) -> str:
    """A user of this example's own (an administrator, so that it may edit the articles)."""
    roles = await admin.get("/roles", params={"filter": {"name": {"_eq": "Administrator"}}, "fields": "id"})
    created = await admin.post("/users", json={"email": email, "password": password, "status": "active",
                                               "role": roles["data"][0]["id"], "token": static_token})
    return str(created["data"]["id"])


async def create_schema(admin: Directus) -> None:
    with contextlib.suppress(APIError):
        await admin.delete(f"/collections/{ARTICLES}")
    await admin.post("/collections", json={"collection": ARTICLES, "schema": {}, "meta": {}, "fields": [
        {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
        {"field": "title", "type": "string", "schema": {"is_nullable": False}},
        {"field": "status", "type": "string", "schema": {"default_value": "draft"}},
    ]})
    await admin.post(f"/items/{ARTICLES}", json=[{"title": "One", "status": "draft"},
                                                 {"title": "Two", "status": "draft"},
                                                 {"title": "Three", "status": "published"}])


def configure_retries(url: str, token: str) -> Directus:
    # --8<-- [start:retries]
    from directus_orm import Directus, Retries

    conn = Directus(url, token=token, timeout=5, deadline=20, retries=Retries(count=4, backoff=0.5))
    directus_orm.configure({"default": {"url": url, "token": token, "deadline": 20,
                                        "retries": {"count": 4, "backoff": 0.5}}})
    # --8<-- [end:retries]
    return conn


def use_the_registry(url: str, token: str) -> Directus:
    # --8<-- [start:registry]
    import directus_orm
    from directus_orm import connections

    directus_orm.configure({"default": {"url": url, "token": token}})
    conn = connections["default"]          # created now, on first use
    # --8<-- [end:registry]
    return conn


async def tour(url: str, token: str, email: str, password: str, editor_id: str, editor_token: str) -> None:
    # --8<-- [start:connect]
    from directus_orm import Directus

    async with Directus(url, token=token) as conn:
        me = await conn.me()
        body = await conn.get(f"/items/{ARTICLES}", params={"filter": {"status": {"_eq": "draft"}}})
    # --8<-- [end:connect]
    print("connected as", me["email"], "| drafts:", [row["title"] for row in body["data"]])

    pool = ConnectionPool()
    editor = Directus(url, email=email, password=password, pool=pool)
    assert (await editor.me(fields="id"))["id"] == editor_id    # logged in on first request
    print("editor logged in")
    await editor.refresh()                                      # refresh now (automatic otherwise)
    await editor.logout()

    try:
        await Directus(url, email=email, password="wrong", pool=pool).me()
    except InvalidCredentials as exc:
        print("refused:", exc.code, exc.status)

    # --8<-- [start:session]
    conn = Directus(url)
    await conn.login(email, password, mode="session")   # switch to a session cookie
    await conn.refresh()                                # refresh now
    await conn.logout()                                 # ends the session server-side
    # --8<-- [end:session]
    await conn.aclose()
    print("session login, refresh and logout done")

    # --8<-- [start:auth-objects]
    auth = PasswordAuth(url, email, password)
    async with httpx.AsyncClient(timeout=10) as client:
        await auth.login(client.send)
        await auth.renew(client.send)          # refresh: Directus rotates the refresh token
    # --8<-- [end:auth-objects]
    print("PasswordAuth on its own: refreshable", auth.can_refresh)

    conn = configure_retries(url, token)
    print("deadline", conn.deadline, "s; reads retried", conn.retries.count, "times;",
          "default deadline", connections["default"].deadline)
    await conn.aclose()
    await connections.aclose_all()

    alice_token, bob_token = token, editor_token
    # --8<-- [start:pool]
    pool = ConnectionPool(timeout=10.0)
    alice = Directus(url, token=alice_token, pool=pool)
    bob = alice.with_auth(token=bob_token)          # same server, same pool, other user
    # --8<-- [end:pool]
    print("one pool:", (await alice.me(fields="email"))["email"], "and",
          (await bob.me(fields="email"))["email"])
    await pool.aclose()

    conn = use_the_registry(url, token)
    print("default is", (await conn.me())["email"])

    editor = Directus(url, email=email, password=password)
    # --8<-- [start:override]
    async with connections.override(editor):
        await Article.objects.filter(status="draft").update(status="review")   # as the editor
    # --8<-- [end:override]
    rows = await conn.get(f"/items/{ARTICLES}", params={"fields": "title,status"})
    print("after the editor's update:", [(r["title"], r["status"]) for r in rows["data"]])
    await editor.aclose()

    # Keys are data: "me" is not the current user here, and 20,000 keys travel in a SEARCH body.
    try:
        await collection("directus_users").get(pk="me")
    except FieldError:  # user keys are UUIDs: refused before sending, on every database
        print('"me" is not a user key')
    keys = [editor_id, *(str(uuid.UUID(int=i)) for i in range(20_000))]
    print("users among 20,000 keys:", await collection("directus_users").filter(id__in=keys).count())
    await connections.aclose_all()


async def main() -> None:
    email = f"docs-connections-{secrets.token_hex(4)}@example.com"
    password, editor_token = secrets.token_urlsafe(16), secrets.token_urlsafe(24)
    async with Directus(URL, token=TOKEN) as admin:
        await create_schema(admin)
        editor_id = await create_editor(admin, email, password, editor_token)
        try:
            await tour(URL, TOKEN, email, password, editor_id, editor_token)
        finally:
            await admin.delete(f"/users/{editor_id}")
            await admin.delete(f"/collections/{ARTICLES}")


if __name__ == "__main__":
    asyncio.run(main())
