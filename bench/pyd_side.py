"""The py-directus 0.0.30 contender (installed in .venv-bench only), used as its README shows at its
best: an ``await Directus(url, token=..., connection=client)`` on an ``httpx.AsyncClient`` with the same
pool limits, a pydantic model per collection (``.items`` / ``.item`` parse into it), ``read(id)`` for one
item, and ``read()`` (its default ``SEARCH`` request) for lists. No caching (``cache=False``, its default):
every read goes to the server, as it does for the other contenders."""

from __future__ import annotations

import asyncio
import datetime
import warnings
from typing import Any

import httpx
from pydantic import ConfigDict

with warnings.catch_warnings():
    # py-directus 0.0.30 warns about its own models at import ("schema" shadows a BaseModel attribute).
    warnings.filterwarnings("ignore", message='Field name "schema"', category=UserWarning)
    from py_directus import Directus as PyDirectus  # type: ignore[import-untyped]
    from py_directus.models import DirectusModel as PyDirectusModel  # type: ignore[import-untyped]

from .raw_side import LIMITS, TIMEOUT
from .rows import BULK, ITEMS, concurrent_filter


class PdItem(PyDirectusModel):  # type: ignore[misc]
    id: int | None = None
    name: str
    category: str
    score: int
    price: float
    active: bool
    created_at: datetime.datetime

    model_config = ConfigDict(collection=ITEMS)  # type: ignore[typeddict-unknown-key]


class PdBulk(PdItem):
    model_config = ConfigDict(collection=BULK)  # type: ignore[typeddict-unknown-key]


class PyD:
    def __init__(self, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.client = httpx.AsyncClient(limits=LIMITS, timeout=TIMEOUT, transport=transport)
        self.directus: Any = None

    async def connect(self, url: str, token: str) -> PyD:
        self.directus = await PyDirectus(url, token=token, connection=self.client)
        return self

    async def aclose(self) -> None:
        await self.client.aclose()

    async def read_pks(self, pks: list[int]) -> int:
        for pk in pks:
            item = (await self.directus.collection(PdItem).read(pk)).item
            if item is None:
                raise LookupError(f"py-directus found no item {pk}")
        return len(pks)

    async def read_rows(self, n: int) -> int:
        response = await self.directus.collection(PdItem).sort("id").limit(n).read()
        return len(response.items)

    async def concurrent_reads(self, n: int, limit: int) -> int:
        async def one(i: int) -> list[PdItem]:
            category, low = concurrent_filter(i)
            request = self.directus.collection(PdItem).filter(category=category, score__gte=low)
            response = await request.sort("id").limit(limit).read()
            return list(response.items or [])

        pages = await asyncio.gather(*(one(i) for i in range(n)))
        return sum(len(p) for p in pages)

    async def bulk_insert(self, rows: list[dict[str, Any]], batch_size: int) -> int:
        created = 0
        for start in range(0, len(rows), batch_size):
            response = await self.directus.collection(PdBulk).create(rows[start:start + batch_size])
            created += len(response.json["data"])
        return created
