"""Streaming and what each read sends: a keyset stream under deletes, one request for a list, delete()
by keys. Needs DIRECTUS_URL and DIRECTUS_TOKEN (admin): creates its own docs_streaming_rows collection."""

from __future__ import annotations

import asyncio
import contextlib
import os

import httpx

from directus_orm import ConnectionPool, Directus, DirectusModel, connections
from directus_orm.exceptions import APIError

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]
COLLECTION = "docs_streaming_rows"


class Row(DirectusModel):
    id: int | None = None
    rank: int
    label: str

    class Meta:
        collection = COLLECTION


async def main() -> None:
    sent: list[httpx.Request] = []

    async def log(request: httpx.Request) -> None:
        sent.append(request)

    async with Directus(URL, token=TOKEN) as admin:
        with contextlib.suppress(APIError):
            await admin.delete(f"/collections/{COLLECTION}")
        pk = {"is_primary_key": True, "has_auto_increment": True}
        await admin.post("/collections", json={"collection": COLLECTION, "schema": {}, "meta": {}, "fields": [
            {"field": "id", "type": "integer", "schema": pk},
            {"field": "rank", "type": "integer", "schema": {"is_nullable": False}},
            {"field": "label", "type": "string", "schema": {"is_nullable": False}},
        ]})
        try:
            seed = [{"rank": i // 3, "label": f"r{i}"} for i in range(30)]
            await admin.post(f"/items/{COLLECTION}", json=seed)
            conn = Directus(URL, token=TOKEN, pool=ConnectionPool(event_hooks={"request": [log]}))
            async with conn, connections.override(conn):
                seen: list[int] = []
                async for row in Row.objects.order_by("rank").iterator(chunk_size=10):
                    seen.append(row.id or 0)
                    if len(seen) == 12:  # someone deletes five rows we have already seen
                        await admin.delete(f"/items/{COLLECTION}", json=seen[:5])
                print(f"streamed {len(seen)} rows, {len(set(seen))} distinct (none skipped by the deletes)")
                for request in sent:
                    if request.url.path == f"/items/{COLLECTION}":
                        print("  GET", dict(request.url.params))

                sent.clear()
                rows = await Row.objects.all()
                print(f"await Row.objects.all(): {len(rows)} rows in "
                      f"{sum(r.url.path == f'/items/{COLLECTION}' for r in sent)} request")

                count = await Row.objects.filter(rank__lte=3).delete()
                print("delete():", count, "- the keys it read, then DELETE of exactly those keys")
        finally:
            await admin.delete(f"/collections/{COLLECTION}")


if __name__ == "__main__":
    asyncio.run(main())
