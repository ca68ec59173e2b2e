"""A FastAPI app serving ``DirectusRouter``s over the test server, called in-process, for the router
tests; what is stored is read back through raw REST with the admin connection."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI

from directus_orm import ConnectionPool, Directus
from directus_orm.contrib.fastapi import DirectusDependency, install_exception_handlers
from tests.support.schema import create_collection


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class RouterApp:
    """The app's client, the admin connection, and the collection the routers serve."""

    http: httpx.AsyncClient
    admin: Directus
    collection: str
    token: str = field(repr=False)
    extra_headers: dict[str, str] = field(default_factory=dict)

    def headers(self, **extra: str) -> dict[str, str]:
        return {**bearer(self.token), **self.extra_headers, **extra}

    async def stored(self, pk: Any) -> dict[str, Any] | None:
        """The stored row of key ``pk`` (None when there is none)."""
        rows = (await self.admin.get(f"/items/{self.collection}",
                                     params={"filter": {"id": {"_eq": pk}}}))["data"]
        return rows[0] if rows else None

    async def all_stored(self) -> list[dict[str, Any]]:
        return list((await self.admin.get(f"/items/{self.collection}",
                                          params={"sort": "id", "limit": -1}))["data"])

    async def seed(self, **values: Any) -> int:
        """Store a row through raw REST; its key."""
        return int((await self.admin.post(f"/items/{self.collection}", json=values))["data"]["id"])


@asynccontextmanager
async def serve_routers(
    admin: Directus,
    token: str,
    collection: str,
    routers: Callable[[DirectusDependency], Iterable[APIRouter]],
    *,
    headers: dict[str, str] | None = None,
) -> AsyncIterator[RouterApp]:
    """An app with the routers ``routers(directus)`` makes and the library's exception handlers, its
    lifespan running; every row of ``collection`` is deleted afterwards."""
    pool = ConnectionPool()
    directus = DirectusDependency(pool=pool)
    api = FastAPI(lifespan=directus.lifespan)
    install_exception_handlers(api)
    for router in routers(directus):
        api.include_router(router)
    try:
        async with api.router.lifespan_context(api), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=api), base_url="http://testserver"
        ) as http:
            yield RouterApp(http, admin, collection, token, dict(headers or {}))
    finally:
        await pool.aclose()
        await admin.delete(f"/items/{collection}",
                           json={"query": {"filter": {"id": {"_nnull": True}}, "limit": -1}})


@asynccontextmanager
async def module_collection(admin: Directus, name: str, fields: list[dict[str, Any]],
                            meta: dict[str, Any] | None = None) -> AsyncIterator[None]:
    """A collection for one module's tests (``meta``: collection options set after creation)."""
    await create_collection(admin, name, fields)
    if meta:
        await admin.patch(f"/collections/{name}", json={"meta": meta})
    try:
        yield
    finally:
        await admin.delete(f"/collections/{name}")
