"""Errors: a typed error for a refused write (RECORD_NOT_UNIQUE), and a network error's cause. Needs
DIRECTUS_URL and DIRECTUS_TOKEN (admin): creates its own docs_errors_* collection."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket

import directus_orm
from directus_orm import Directus, DirectusModel, connections
from directus_orm.exceptions import APIError

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]
COLLECTION = "docs_errors_languages"


class Language(DirectusModel):
    id: int | None = None
    code: str
    name: str | None = None

    class Meta:
        collection = COLLECTION


async def drop_schema(conn: Directus) -> None:
    """Drop what this example creates (before it starts, and when it ends)."""
    with contextlib.suppress(APIError):
        await conn.delete(f"/collections/{COLLECTION}")


async def create_schema(conn: Directus) -> None:
    await drop_schema(conn)
    await conn.post("/collections", json={"collection": COLLECTION, "schema": {}, "meta": {}, "fields": [
        {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
        {"field": "code", "type": "string", "schema": {"is_nullable": False, "is_unique": True}},
        {"field": "name", "type": "string", "schema": {}},
    ]})
    await conn.post(f"/items/{COLLECTION}", json={"code": "el", "name": "Greek"})


async def unique() -> None:
    # --8<-- [start:unique]
    from directus_orm.exceptions import RecordNotUnique

    try:
        await Language(code="el", name="Greek again").save()
    except RecordNotUnique as exc:
        print(exc.code, exc.status, exc.extensions["field"])   # RECORD_NOT_UNIQUE 400 code
    # --8<-- [end:unique]


def free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def cause(conn: Directus) -> None:
    # --8<-- [start:cause]
    import httpx

    from directus_orm.exceptions import NetworkError

    try:
        await conn.get("/server/ping")
    except NetworkError as exc:
        if isinstance(exc.__cause__, httpx.ConnectError):
            print("nobody listens there:", exc)
    # --8<-- [end:cause]


async def main() -> None:
    async with Directus(URL, token=TOKEN) as admin:
        await create_schema(admin)
        try:
            directus_orm.configure({"default": {"url": URL, "token": TOKEN}})
            await unique()
            stored = await admin.get(f"/items/{COLLECTION}", params={"fields": "code,name"})
            print("stored rows:", stored["data"])
            nowhere = f"http://127.0.0.1:{free_port()}"
            async with Directus(nowhere, token="not-a-real-token", retries=None) as conn:
                await cause(conn)
            await connections.aclose_all()
        finally:
            await drop_schema(admin)


if __name__ == "__main__":
    asyncio.run(main())
