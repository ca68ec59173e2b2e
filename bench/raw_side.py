"""The raw httpx contender: one ``httpx.AsyncClient`` with directus-orm's pool limits and timeout, sending
the requests directus-orm sends (same path, same query parameters in the same order), and parsing the
answers into the plain pydantic :class:`~bench.rows.Row` so that both sides hand back the same thing.

No directus_orm import here: the streaming child process for raw httpx must not carry the ORM.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from pydantic import TypeAdapter

from .rows import BULK, ITEMS, PRODUCT, ProductRow, Row, concurrent_filter, dumps

#: directus_orm.connection.pool.ConnectionPool's defaults (bench/__main__ checks they still agree).
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
TIMEOUT = httpx.Timeout(30.0, connect=10.0)

ROWS: TypeAdapter[list[Row]] = TypeAdapter(list[Row])
PRODUCTS: TypeAdapter[list[ProductRow]] = TypeAdapter(list[ProductRow])


class Raw:
    """Hand-written httpx calls returning what the ORM returns."""

    def __init__(self, url: str, token: str, event_hooks: dict[str, list[Any]] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.client = httpx.AsyncClient(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, limits=LIMITS, timeout=TIMEOUT,
            event_hooks=event_hooks, transport=transport,
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _data(self, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        response = await self.client.get(path, params=params)
        response.raise_for_status()
        data: list[dict[str, Any]] = response.json()["data"]
        return data

    async def get_by_pk(self, pk: int) -> Row:
        """What ``Item.objects.get(pk=pk)`` and py-directus's ``read(pk)`` send: ``GET /items/<c>/<pk>``."""
        response = await self.client.get(f"/items/{ITEMS}/{pk}")
        response.raise_for_status()
        return Row.model_validate(response.json()["data"])

    async def read_pks(self, pks: list[int]) -> int:
        for pk in pks:
            await self.get_by_pk(pk)
        return len(pks)

    async def read_rows(self, n: int) -> int:
        """``TypeAdapter(list[Row])`` over one ``GET ?sort=id&limit=n``."""
        rows = ROWS.validate_python(await self._data(f"/items/{ITEMS}", {"sort": "id", "limit": str(n)}))
        return len(rows)

    async def read_all(self, collection: str) -> int:
        """Every row in one ``GET ?sort=id&limit=-1``."""
        rows = ROWS.validate_python(await self._data(f"/items/{collection}", {"sort": "id", "limit": "-1"}))
        return len(rows)

    async def read_related(self) -> int:
        """Every product with its category's own columns, in one request."""
        params = {"fields": "*,category.id,category.name", "sort": "id", "limit": "-1"}
        return len(PRODUCTS.validate_python(await self._data(f"/items/{PRODUCT}", params)))

    async def filtered(self, i: int, limit: int) -> list[Row]:
        category, low = concurrent_filter(i)
        flt = {"_and": [{"category": {"_eq": category}}, {"score": {"_gte": low}}]}
        params = {"filter": dumps(flt), "sort": "id", "limit": str(limit)}
        return ROWS.validate_python(await self._data(f"/items/{ITEMS}", params))

    async def concurrent_reads(self, n: int, limit: int) -> int:
        pages = await asyncio.gather(*(self.filtered(i, limit) for i in range(n)))
        return sum(len(p) for p in pages)

    async def stream(self, page_size: int, stop_after: int | None = None) -> int:
        """Keyset paging sorted by pk (``id > last seen``), one row more than a page to know whether
        another follows, the next page read while this one is consumed, as directus-orm streams
        (``stop_after``: the first rows only, for the request-parity check)."""
        path = f"/items/{ITEMS}"
        count = 0
        params = {"sort": "id", "limit": str(page_size + 1)}
        pending: asyncio.Future[list[dict[str, Any]]] | None = None
        try:
            while True:
                data = await (pending if pending is not None else self._data(path, params))
                pending = None
                more = len(data) > page_size
                if more:
                    params = {"sort": "id", "limit": str(page_size + 1),
                              "filter": dumps({"id": {"_gt": data[page_size - 1]["id"]}})}
                    pending = asyncio.ensure_future(self._data(path, params))
                for _ in ROWS.validate_python(data[:page_size]):
                    count += 1
                    if count == stop_after:
                        return count
                if not more:
                    return count
        finally:
            if pending is not None:
                await asyncio.sleep(0)  # let the read-ahead start, as the ORM's does before it is dropped
                pending.cancel()

    async def bulk_insert(self, rows: list[dict[str, Any]], batch_size: int) -> int:
        """One POST of a JSON array per batch (as bulk_create sends), reading the created rows back."""
        created = 0
        for start in range(0, len(rows), batch_size):
            response = await self.client.post(f"/items/{BULK}", json=rows[start:start + batch_size])
            response.raise_for_status()
            created += len(response.json()["data"])
        return created
