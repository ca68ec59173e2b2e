"""Streaming while another task deletes and inserts rows: does the stream skip or repeat rows, and what
does each page cost the server at the start and at the end of the stream?

directus-orm streams ``async for obj in Churn.objects.all()`` (a keyset cursor: ``id > last seen``);
the other contender is raw httpx paging with ``offset`` (what directus-orm sent before), on the same
collection under the same writes. While the stream runs, a writer task, each time the reader has seen
another ``every`` rows, deletes 10 rows the reader has already seen and re-inserts 5 rows it deleted in
an earlier round (their old keys: behind the reader again). Rows present from start to end must each be
seen once; rows deleted or re-inserted during the stream may be seen or not, but never twice.

Server time per page is the time from sending a page request to its response headers (an httpx event
hook), i.e. the server's query time plus loopback; the report gives the median of the first and of the
last five pages. The collection is restored after each run.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from .rows import CHURN, Row, row

DELETE_PER_ROUND = 10
REINSERT_PER_ROUND = 5


@dataclass
class ChurnRun:
    seconds: float = 0.0
    seen: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    reinserted: list[int] = field(default_factory=list)
    page_seconds: list[float] = field(default_factory=list)

    def verdict(self, rows: int) -> dict[str, int]:
        """Rows seen against rows expected (present from start to end), with those missed and repeated."""
        gone = set(self.deleted)
        expected = set(range(1, rows + 1)) - gone
        seen = set(self.seen)
        return {"seen": len(self.seen), "expected": len(expected), "missed": len(expected - seen),
                "repeated": len(self.seen) - len(seen)}

    def page_times(self) -> tuple[float, float]:
        """Median server time of the first and of the last five pages."""
        pages = self.page_seconds
        return statistics.median(pages[:5]), statistics.median(pages[-5:])


def _timer(run: ChurnRun) -> dict[str, list[Callable[[Any], Awaitable[None]]]]:
    """httpx event hooks recording each page read's time to response headers."""
    started: dict[int, float] = {}

    async def request(req: httpx.Request) -> None:
        started[id(req)] = time.perf_counter()

    async def response(resp: httpx.Response) -> None:
        req = resp.request
        if req.method == "GET" and req.url.path == f"/items/{CHURN}" and id(req) in started:
            run.page_seconds.append(time.perf_counter() - started.pop(id(req)))

    return {"request": [request], "response": [response]}


async def _writer(client: httpx.AsyncClient, run: ChurnRun, every: int, done: asyncio.Event) -> None:
    mark, victims_from = every, 0
    behind: list[int] = []
    while not done.is_set():
        if len(run.seen) < mark:
            await asyncio.sleep(0.002)
            continue
        mark += every
        gone = set(run.deleted)
        victims = []
        for key in run.seen[victims_from:]:
            victims_from += 1
            if key not in gone and key not in victims:
                victims.append(key)
            if len(victims) == DELETE_PER_ROUND:
                break
        if victims:
            (await client.request("DELETE", f"/items/{CHURN}", json=victims)).raise_for_status()
            run.deleted += victims
        back, behind = behind[:REINSERT_PER_ROUND], behind[REINSERT_PER_ROUND:] + victims
        if back:
            rows = [{**row(key - 1), "id": key} for key in back]
            (await client.post(f"/items/{CHURN}", json=rows, params={"fields": "id"})).raise_for_status()
            run.reinserted += back


async def _restore(client: httpx.AsyncClient, run: ChurnRun) -> None:
    """Back to rows 1..n: drop what the writer re-inserted, put back every row it deleted."""
    if run.deleted:
        (await client.request("DELETE", f"/items/{CHURN}", json=run.deleted)).raise_for_status()
        rows = [{**row(key - 1), "id": key} for key in sorted(set(run.deleted))]
        (await client.post(f"/items/{CHURN}", json=rows, params={"fields": "id"})).raise_for_status()


async def _orm_stream(url: str, token: str, page_size: int, run: ChurnRun) -> AsyncIterator[int]:
    from directus_orm import ConnectionPool, Directus, connections

    from .orm_side import Churn

    conn = Directus(url, token=token, pool=ConnectionPool(event_hooks=_timer(run)))
    try:
        with connections.override(conn):
            async for obj in Churn.objects.iterator(chunk_size=page_size):
                yield obj.id or 0
    finally:
        await conn.aclose()


async def _offset_stream(url: str, token: str, page_size: int, run: ChurnRun) -> AsyncIterator[int]:
    from pydantic import TypeAdapter

    rows: TypeAdapter[list[Row]] = TypeAdapter(list[Row])
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60,
                                 event_hooks=_timer(run)) as client:
        offset = 0
        while True:
            params = {"sort": "id", "limit": str(page_size)}
            if offset:
                params["offset"] = str(offset)
            response = (await client.get(f"/items/{CHURN}", params=params)).raise_for_status()
            page = rows.validate_python(response.json()["data"])
            for obj in page:
                yield obj.id or 0
            if len(page) < page_size:
                return
            offset += len(page)


STREAMS = {"orm": _orm_stream, "offset": _offset_stream}


async def churn_run(url: str, token: str, contender: str, page_size: int, every: int) -> ChurnRun:
    """One stream of bench_churn by ``contender`` ("orm" or "offset") under the writer's churn."""
    run = ChurnRun()
    done = asyncio.Event()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as writes:
        writer = asyncio.create_task(_writer(writes, run, every, done))
        started = time.perf_counter()
        try:
            async for key in STREAMS[contender](url, token, page_size, run):
                run.seen.append(key)
        finally:
            run.seconds = time.perf_counter() - started
            done.set()
            await writer
            await _restore(writes, run)
    return run


def describe(name: str, run: ChurnRun, rows: int) -> str:
    v = run.verdict(rows)
    first, last = run.page_times()
    return (f"{name}: saw {v['seen']:,} rows, {v['expected']:,} expected (present throughout): "
            f"{v['missed']} missed, {v['repeated']} repeated; {len(run.deleted)} deleted and "
            f"{len(run.reinserted)} re-inserted during the stream; server time per page "
            f"{first * 1000:.1f} ms (first 5 pages) -> {last * 1000:.1f} ms (last 5), "
            f"{len(run.page_seconds)} pages")


__all__ = ["STREAMS", "ChurnRun", "churn_run", "describe"]
