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

from .rows import ALL_LARGE, ALL_SMALL, BULK, CATEGORY, CHURN, FIELDS, ITEMS, PRODUCT, product, row

SEED_BATCH = 5_000
#: Directus's default MAX_PAYLOAD_SIZE (1mb) is too small for 5,000-row seed batches.
SERVER_ENV = {"MAX_PAYLOAD_SIZE": "50mb"}


def _collection(name: str, fields: list[dict[str, Any]] = FIELDS) -> dict[str, Any]:
    primary = {
        "field": "id", "type": "integer",
        "schema": {"is_primary_key": True, "has_auto_increment": True}, "meta": {"hidden": True},
    }
    return {"collection": name, "schema": {}, "meta": {"icon": "speed", "accountability": None},
            "fields": [primary, *fields]}


#: select_related: the products' category keys cycle over this many categories.
CATEGORIES = 10


async def _check(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: "
                           f"{response.status_code} {response.text[:300]}")
    return response


async def _replace(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    existing = await client.get(f"/collections/{body['collection']}")
    if existing.status_code == 200:
        await _check(await client.delete(f"/collections/{body['collection']}"))
    await _check(await client.post("/collections", json=body))


async def _insert(client: httpx.AsyncClient, name: str, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), SEED_BATCH):
        # fields=id: the server reads back only the keys, not the whole batch.
        await _check(await client.post(f"/items/{name}", json=rows[start:start + SEED_BATCH],
                                       params={"fields": "id"}))


async def create_collections(client: httpx.AsyncClient) -> None:
    for name in (ITEMS, BULK, ALL_SMALL, ALL_LARGE):
        await _replace(client, _collection(name))
    # products first: dropping categories with the relation still in place would refuse
    await _replace(client, _collection(PRODUCT, [
        {"field": "name", "type": "string"}, {"field": "price", "type": "float"},
        {"field": "category", "type": "integer"}]))
    await _replace(client, _collection(CATEGORY, [{"field": "name", "type": "string"}]))
    await _check(await client.post(f"/fields/{CATEGORY}", json={
        "field": "products", "type": "alias", "meta": {"special": ["o2m"]}}))
    await _check(await client.post("/relations", json={
        "collection": PRODUCT, "field": "category", "related_collection": CATEGORY,
        "meta": {"one_field": "products"}, "schema": {"on_delete": "SET NULL"}}))


async def seed(url: str, token: str, rows: int, small: int = 1_000, large: int = 10_000,
               products: int = 1_500) -> float:
    """Create the collections and insert ``rows`` rows into bench_items, ``small`` and ``large`` into the
    whole-collection ones, ``products`` products; returns the seconds spent."""
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300) as client:
        await create_collections(client)
        await _insert(client, ITEMS, [row(i) for i in range(rows)])
        for name, size in ((ALL_SMALL, small), (ALL_LARGE, large)):
            await _insert(client, name, [row(i) for i in range(size)])
        await _insert(client, CATEGORY, [{"name": f"category {i}"} for i in range(CATEGORIES)])
        await _insert(client, PRODUCT, [product(i, CATEGORIES) for i in range(products)])
    return time.perf_counter() - started


async def seed_churn(url: str, token: str, rows: int) -> float:
    """bench_churn, created afresh with ``rows`` rows (ids 1..rows: row ``id - 1``)."""
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300) as client:
        await _replace(client, _collection(CHURN))
        await _insert(client, CHURN, [row(i) for i in range(rows)])
    return time.perf_counter() - started


async def clear_bulk(url: str, token: str) -> None:
    """Empty bench_bulk between bulk_create samples (untimed)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300) as client:
        await _check(await client.request("DELETE", f"/items/{BULK}", json={"query": {"limit": -1}}))


#: Every collection the bench creates, in an order that can be dropped (products before categories).
COLLECTIONS = (ITEMS, BULK, ALL_SMALL, ALL_LARGE, PRODUCT, CATEGORY, CHURN)


async def drop_collections(url: str, token: str) -> None:
    """Drop the bench's collections (a server has room for 25 user collections)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300) as client:
        for name in COLLECTIONS:
            response = await client.delete(f"/collections/{name}")
            if response.status_code not in (204, 403):  # 403: no such collection
                await _check(response)


def seed_sync(url: str, token: str, rows: int) -> float:
    return asyncio.run(seed(url, token, rows))
