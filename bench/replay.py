"""Client side alone: every contender against the live server's own answers, replayed from memory.

On the live server the spread between samples of one contender (10-20 %, the server's garbage
collection and SQLite) is larger than the differences between libraries, so small ratios there say
little. Here each answer is captured once from the live server (the same bytes) and served by an
``httpx.MockTransport``: what is timed is building the request, httpx, JSON decoding and parsing into
models - the part each library owns - and no server.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from .rows import BULK, ITEMS, PRODUCT, row
from .seed import clear_bulk

#: Contenders are pointed here; the transport answers without a socket.
URL = "http://replay.invalid"
JSON = {"content-type": "application/json; charset=utf-8"}


class Replay:
    """Answers the bench's requests: ``GET /items/bench_items/<pk>``, the list read (``GET`` or
    py-directus's ``SEARCH``), and the bulk ``POST`` batches in the order they were captured."""

    def __init__(self, items: dict[str, bytes], rows: bytes, bulk: list[bytes], info: bytes = b"",
                 related: bytes = b"") -> None:
        self.items, self.rows, self.bulk, self.info, self.related = items, rows, bulk, info, related
        self._posts = 0

    def rewind(self) -> None:
        """Before each bulk run: its first batch gets the first captured answer."""
        self._posts = 0

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._answer)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        body: bytes | None = None
        if method == "POST" and path == f"/items/{BULK}":
            body = self.bulk[self._posts % len(self.bulk)]
            self._posts += 1
        elif method == "GET" and path.startswith(f"/items/{ITEMS}/"):
            body = self.items.get(path.rsplit("/", 1)[1])
        elif method in ("GET", "SEARCH") and path == f"/items/{ITEMS}":
            body = self.rows
        elif method == "GET" and path == f"/items/{PRODUCT}" and self.related:
            body = self.related  # select_related: every product with its category's own columns
        elif method == "GET" and path == "/server/info" and self.info:
            body = self.info  # directus-orm reads it once per connection (queryLimit)
        if body is None:
            error = {"message": f"not replayed: {method} {path}", "extensions": {"code": "ROUTE_NOT_FOUND"}}
            return httpx.Response(404, json={"errors": [error]})
        return httpx.Response(200, content=body, headers=JSON)


async def capture(url: str, token: str, pks: Iterable[int], list_rows: int, bulk_rows: int,
                  batch: int) -> Replay:
    """Ask the live server once for every answer the client-side cases need (bench_bulk is emptied
    before and after)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300) as client:
        items = {}
        for pk in sorted(set(pks)):
            response = (await client.get(f"/items/{ITEMS}/{pk}")).raise_for_status()
            items[str(pk)] = response.content
        listed = await client.get(f"/items/{ITEMS}", params={"sort": "id", "limit": str(list_rows)})
        rows = listed.raise_for_status().content
        info = (await client.get("/server/info")).raise_for_status().content
        related = (await client.get(f"/items/{PRODUCT}", params={
            "fields": "*,category.id,category.name", "sort": "id", "limit": "-1"})).raise_for_status().content
        await clear_bulk(url, token)
        bulk = []
        for start in range(0, bulk_rows, batch):
            payload = [row(i) for i in range(start, min(bulk_rows, start + batch))]
            bulk.append((await client.post(f"/items/{BULK}", json=payload)).raise_for_status().content)
        await clear_bulk(url, token)
    return Replay(items, rows, bulk, info, related)
