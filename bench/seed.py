"""Create the bench collections and seed them through the Directus API (timed, reported, not counted).

Activity tracking is switched off on both collections (``accountability: null``): otherwise every
inserted row also writes a ``directus_activity`` row, which makes seeding five times slower and buries
client-side costs under server work on bulk_create. Every contender sees the same server settings.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from .rows import BULK, FIELDS, ITEMS, row

SEED_BATCH = 5_000
#: Directus's default MAX_PAYLOAD_SIZE (1mb) is too small for 5,000-row seed batches.
SERVER_ENV = {"MAX_PAYLOAD_SIZE": "50mb"}


def _collection(name: str) -> dict[str, Any]:
    primary = {
        "field": "id", "type": "integer",
        "schema": {"is_primary_key": True, "has_auto_increment": True}, "meta": {"hidden": True},
    }
    return {"collection": name, "schema": {}, "meta": {"icon": "speed", "accountability": None},
            "fields": [primary, *FIELDS]}


async def _check(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: "
                           f"{response.status_code} {response.text[:300]}")
    return response


async def create_collections(client: httpx.AsyncClient) -> None:
    for name in (ITEMS, BULK):
        existing = await client.get(f"/collections/{name}")
        if existing.status_code == 200:
            await _check(await client.delete(f"/collections/{name}"))
        await _check(await client.post("/collections", json=_collection(name)))


async def seed(url: str, token: str, rows: int) -> float:
    """Create both collections and insert ``rows`` rows into bench_items; returns the seconds spent."""
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300) as client:
        await create_collections(client)
        for start in range(0, rows, SEED_BATCH):
            batch = [row(i) for i in range(start, min(rows, start + SEED_BATCH))]
            # fields=id: the server reads back only the keys, not the whole batch.
            await _check(await client.post(f"/items/{ITEMS}", json=batch, params={"fields": "id"}))
    return time.perf_counter() - started


async def clear_bulk(url: str, token: str) -> None:
    """Empty bench_bulk between bulk_create samples (untimed)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300) as client:
        await _check(await client.request("DELETE", f"/items/{BULK}", json={"query": {"limit": -1}}))


def seed_sync(url: str, token: str, rows: int) -> float:
    return asyncio.run(seed(url, token, rows))
