"""Paging against the real server: streams follow a keyset cursor (rows deleted or inserted during an
iteration neither skip nor repeat rows), materialised reads ask once, no request for an empty last
page, and ``delete()`` deletes (and counts) exactly the keys it read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from typing import cast

import httpx
import pytest

import directus_orm
from directus_orm import ConnectionPool, Directus, DirectusModel, connections
from directus_orm.query.limits import query_limit_max
from tests.conftest import ServerInfo, create_collection
from tests.support.server import another_server

pytestmark = pytest.mark.integration

COLLECTION = "orm_paging_rows"
ROWS = 1_200


class Row(DirectusModel):
    id: int | None = None
    rank: int
    label: str

    class Meta:
        collection = COLLECTION


@pytest.fixture(scope="module")
async def schema(admin: Directus) -> AsyncIterator[None]:
    await create_collection(admin, COLLECTION, [
        {"field": "rank", "type": "integer", "schema": {"is_nullable": False}},
        {"field": "label", "type": "string", "schema": {"is_nullable": False}},
    ])
    yield
    await admin.delete(f"/collections/{COLLECTION}")


@pytest.fixture
async def rows(schema: None, admin: Directus) -> list[int]:
    """ROWS rows, rank = 1 + i // 10 (ten rows share each rank); their ids in order."""
    await admin.delete(f"/items/{COLLECTION}", json={"query": {"limit": -1}})
    body = await admin.post(f"/items/{COLLECTION}", json=[
        {"rank": 1 + i // 10, "label": f"r{i}"} for i in range(ROWS)])
    return sorted(r["id"] for r in body["data"])


@pytest.fixture
def recorded(directus_server: ServerInfo) -> Iterator[list[httpx.Request]]:
    """Every request sent on the default alias in this test (an httpx event hook)."""
    sent: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        sent.append(request)

    conn = Directus(directus_server.url, token=directus_server.token,
                    pool=ConnectionPool(event_hooks={"request": [hook]}))
    connections.configure({"default": {"url": directus_server.url, "token": directus_server.token}})
    with connections.override(conn):
        yield sent
    connections.reset()


def reads(recorded: list[httpx.Request]) -> list[dict[str, str]]:
    path = f"/items/{COLLECTION}"
    return [dict(r.url.params) for r in recorded if r.url.path == path and r.method == "GET"]


async def server_ids(admin: Directus) -> list[int]:
    body = await admin.get(f"/items/{COLLECTION}", params={"fields": ["id"], "limit": -1, "sort": ["id"]})
    return [r["id"] for r in body["data"]]


async def test_deleting_seen_rows_mid_stream_skips_nothing(
    rows: list[int], admin: Directus, recorded: list[httpx.Request]
) -> None:
    seen: list[int] = []
    async for row in Row.objects.iterator(chunk_size=100):
        seen.append(row.id or 0)
        if len(seen) == 150:  # inside the second page: delete ten rows already seen
            await admin.delete(f"/items/{COLLECTION}", json=seen[:10])
    assert seen == rows  # every row once: nothing shifted under an offset
    pages = reads(recorded)
    assert len(pages) == 12  # 1,200 rows in pages of 100 (101 asked): no request for an empty page
    assert pages[0].get("offset") is None and json.loads(pages[1]["filter"]) == {"id": {"_gt": rows[99]}}
    assert all("offset" not in p for p in pages)


async def test_inserting_rows_before_the_cursor_repeats_nothing(
    rows: list[int], admin: Directus, recorded: list[httpx.Request]
) -> None:
    """Ordered by a non-null integer column, then the key: rows inserted ahead of the cursor (rank 0)
    would push seen rows into the next offset page."""
    seen: list[int] = []
    async for row in Row.objects.order_by("rank").iterator(chunk_size=100):
        seen.append(row.id or 0)
        if len(seen) == 50:
            await admin.post(f"/items/{COLLECTION}", json=[{"rank": 0, "label": "late"}] * 10)
    assert seen == rows  # ranks ascend with the ids; the late rows sort before the cursor
    second = json.loads(reads(recorded)[1]["filter"])
    last = (10, rows[99])  # the 100th row: rank 10
    assert second == {"_or": [{"rank": {"_gt": last[0]}},
                              {"_and": [{"rank": {"_eq": last[0]}}, {"id": {"_gt": last[1]}}]}]}


async def test_descending_order_streams_by_keyset_too(
    rows: list[int], admin: Directus, registry: None
) -> None:
    seen: list[int] = []
    async for row in Row.objects.order_by("-rank", "-id").iterator(chunk_size=250):
        seen.append(row.id or 0)
        if len(seen) == 300:
            await admin.delete(f"/items/{COLLECTION}", json=seen[:20])
            await admin.post(f"/items/{COLLECTION}", json=[{"rank": 999, "label": "late"}] * 5)
    assert seen == rows[::-1]


def test_sync_iteration_skips_nothing(rows: list[int], directus_server: ServerInfo) -> None:
    connections.configure({"default": {"url": directus_server.url, "token": directus_server.token}})
    headers = {"Authorization": f"Bearer {directus_server.token}"}
    seen: list[int] = []
    try:
        with httpx.Client(base_url=directus_server.url, headers=headers) as raw:
            for row in Row.objects.order_by("rank").iterator(chunk_size=100):
                seen.append(row.id or 0)
                if len(seen) == 120:
                    raw.request("DELETE", f"/items/{COLLECTION}", json=seen[:10]).raise_for_status()
                    late = [{"rank": 0, "label": "late"}] * 4  # fewer than deleted: offsets would skip
                    raw.post(f"/items/{COLLECTION}", json=late).raise_for_status()
    finally:
        directus_orm.sync.run(connections.aclose_all())
    assert seen == rows


async def test_the_next_page_is_read_while_the_caller_consumes_this_one(
    rows: list[int], recorded: list[httpx.Request]
) -> None:
    stream = cast(AsyncGenerator[Row, None], Row.objects.iterator(chunk_size=100).__aiter__())
    first = await stream.__anext__()
    assert first.id == rows[0]
    for _ in range(200):  # the read-ahead runs while this caller waits (bounded: 2 s)
        if len(reads(recorded)) == 2:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    assert len(reads(recorded)) == 2  # one page ahead, never more: memory stays at two pages
    await stream.aclose()  # stopping early drops the page read ahead, without an error
    assert len(reads(recorded)) == 2


async def test_orders_without_a_keyset_page_by_offset(rows: list[int], recorded: list[httpx.Request]) -> None:
    """Strings have no _gt in Directus: ordered by label, the stream pages with offset (documented)."""
    labels = [r.label async for r in Row.objects.order_by("label").iterator(chunk_size=500)]
    assert labels == sorted(f"r{i}" for i in range(ROWS))
    assert [(p["limit"], p.get("offset")) for p in reads(recorded)] == [
        ("501", None), ("501", "500"), ("501", "1000")]


async def test_slices_keep_their_bounds(rows: list[int], recorded: list[httpx.Request]) -> None:
    got = [r.id async for r in Row.objects.order_by("rank")[95:330].iterator(chunk_size=100)]
    assert got == rows[95:330]
    assert [(p["limit"], p.get("offset")) for p in reads(recorded)] == [
        ("101", "95"), ("101", None), ("35", None)]
    assert [r.id for r in await Row.objects.all()[1190:1250]] == rows[1190:]


async def test_materialised_reads_ask_once(rows: list[int], recorded: list[httpx.Request]) -> None:
    assert [r.id for r in await Row.objects.all()] == rows
    assert [r.url.path for r in recorded] == ["/server/info", f"/items/{COLLECTION}"]
    assert reads(recorded)[0]["limit"] == "-1"
    recorded.clear()
    assert len([r async for r in Row.objects.iterator(chunk_size=600)]) == ROWS
    assert [p["limit"] for p in reads(recorded)] == ["601", "601"]  # not a third, empty page
    recorded.clear()
    assert [r.id for r in await Row.objects.filter(rank__lte=3)] == rows[:30]
    assert len(reads(recorded)) == 1 and not [r for r in recorded if r.url.path == "/server/info"]


async def test_small_slices_need_no_server_info(rows: list[int], recorded: list[httpx.Request]) -> None:
    assert (await Row.objects.first()) is not None and (await Row.objects.get(label="r5")).id == rows[5]
    assert len(await Row.objects.all()[:100]) == 100
    assert [r.url.path for r in recorded] == [f"/items/{COLLECTION}"] * 3


@pytest.mark.live_only
async def test_a_server_with_a_query_limit_is_paged_within_it() -> None:
    """QUERY_LIMIT_MAX=100: a materialised read asks 100 rows per request, never -1."""
    with another_server(QUERY_LIMIT_MAX="100") as server:
        async with Directus(server.url, token=server.token) as conn:
            assert await query_limit_max(conn) == 100
            await create_collection(conn, COLLECTION, [
                {"field": "rank", "type": "integer", "schema": {"is_nullable": False}},
                {"field": "label", "type": "string", "schema": {"is_nullable": False}},
            ])
            await conn.post(f"/items/{COLLECTION}", json=[{"rank": i, "label": f"r{i}"} for i in range(250)])
            with connections.override(conn):
                got = await Row.objects.all()
                assert [r.rank for r in got] == list(range(250))
                cut = await Row.objects.order_by("-rank")[10:220]
                assert [r.rank for r in cut] == list(range(239, 29, -1))


async def test_delete_deletes_and_counts_the_keys_it_read(
    rows: list[int], admin: Directus, directus_server: ServerInfo
) -> None:
    """A matching row inserted between the read of the keys and the DELETE is not deleted, and the count
    is the rows that are gone (a count taken first, then a DELETE by query, deleted it uncounted)."""
    inserted: list[int] = []

    async def insert_before_delete(request: httpx.Request) -> None:
        if request.method == "DELETE" and not inserted:
            body = await admin.post(f"/items/{COLLECTION}", json={"rank": 1, "label": "concurrent"})
            inserted.append(body["data"]["id"])

    conn = Directus(directus_server.url, token=directus_server.token,
                    pool=ConnectionPool(event_hooks={"request": [insert_before_delete]}))
    with connections.override(conn):
        assert await Row.objects.filter(rank__lte=2).delete() == (20, {COLLECTION: 20})
    left = await server_ids(admin)
    assert left == [*rows[20:], *inserted]  # the 20 read are gone, the concurrent row is kept
    await conn.aclose()
