"""Reads on a server started with ``QUERY_LIMIT_MAX=7`` (below Directus's default page of 100): slices
longer than the cap, ``get()``, ``in_bulk()`` and iteration are read in pages the server accepts, over
REST and over GraphQL, and give what an unlimited server gives."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from directus_orm import Directus, DirectusModel, connections
from tests.conftest import ServerInfo, create_collection
from tests.support.server import another_server

pytestmark = [pytest.mark.integration, pytest.mark.live_only]

C = "small_cap_rows"
CAP = 7
ROWS = 30


class Row(DirectusModel):
    id: int | None = None
    label: str

    class Meta:
        collection = C


@pytest.fixture(scope="module")
def small_server() -> Iterator[ServerInfo]:
    with another_server(QUERY_LIMIT_MAX=str(CAP)) as server:
        yield server


@pytest.fixture(scope="module")
async def seeded(small_server: ServerInfo) -> AsyncIterator[Directus]:
    async with Directus(small_server.url, token=small_server.token) as conn:
        await create_collection(conn, C, [
            {"field": "label", "type": "string", "schema": {"is_nullable": False}}])
        await conn.post(f"/items/{C}", json=[{"label": f"r{i:02d}"} for i in range(ROWS)])
        yield conn
        await conn.delete(f"/collections/{C}")


@pytest.fixture
async def small(small_server: ServerInfo, seeded: Directus) -> AsyncIterator[Directus]:
    """A fresh connection each test: it has not read the server's queryLimit.max yet."""
    async with Directus(small_server.url, token=small_server.token) as conn:
        with connections.override(conn):
            yield conn


LABELS = [f"r{i:02d}" for i in range(ROWS)]


async def test_the_server_refuses_a_limit_over_its_cap(small: Directus) -> None:
    from directus_orm.exceptions import InvalidQuery
    with pytest.raises(InvalidQuery):
        await small.get(f"/items/{C}", params={"limit": CAP + 1})


@pytest.mark.parametrize("graphql", [False, True])
@pytest.mark.parametrize(("low", "high"), [(0, 8), (1, 100), (5, 105), (0, 7), (3, 20), (0, 1)])
async def test_slices_longer_than_the_cap_are_paged(small: Directus, graphql: bool, low: int,
                                                    high: int) -> None:
    qs = Row.objects.order_by("label")
    qs = qs.using_graphql() if graphql else qs
    assert [r.label for r in await qs[low:high]] == LABELS[low:high]


@pytest.mark.parametrize("graphql", [False, True])
async def test_get_in_bulk_and_iteration(small: Directus, graphql: bool) -> None:
    qs = Row.objects.using_graphql() if graphql else Row.objects.all()
    assert (await qs.get(label="r05")).label == "r05"
    first = await qs.order_by("id").first()
    assert first is not None
    assert (await qs.get(pk=first.id)).label == "r00"
    assert len(await qs.in_bulk()) == ROWS
    assert sorted((await qs.in_bulk([first.id, first.id + 9])).keys()) == [first.id, first.id + 9]
    assert sorted([r.label async for r in qs]) == LABELS
    assert sorted(r.label for r in await qs) == LABELS
    assert await qs.count() == ROWS
