"""GraphQL under faults (a loopback proxy in front of the session's Directus): a document holding only
queries is retried as a GET is (broken keep-alive socket, 503, 429), a mutation never is - checked
through raw REST, not through the library."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from directus_orm import Directus, DirectusModel, connections
from directus_orm.exceptions import NetworkError, ServiceUnavailable
from tests.support import ServerInfo, create_collection, server_version
from tests.support.fault_proxy import FaultProxy, Request

pytestmark = [pytest.mark.integration, pytest.mark.live_only]

C = "gql_fault_items"


class FaultItem(DirectusModel):
    id: int | None = None
    v: str | None = None

    class Meta:
        collection = C


@pytest.fixture(scope="module")
async def items(admin: Directus) -> AsyncIterator[None]:
    await create_collection(admin, C, [{"field": "v", "type": "string"}])
    await admin.post(f"/items/{C}", json=[{"v": "a"}, {"v": "b"}])
    yield
    await admin.delete(f"/collections/{C}")


@pytest.fixture
async def proxy(directus_server: ServerInfo) -> AsyncIterator[FaultProxy]:
    async with FaultProxy(directus_server.url) as p:
        yield p


def graphql_post(number: int | None = None) -> Any:
    def match(r: Request) -> bool:
        return r.method == "POST" and r.path == "/graphql" and (number is None or r.number == number)
    return match


async def stored(directus_server: ServerInfo) -> list[str]:
    async with httpx.AsyncClient(base_url=directus_server.url,
                                 headers={"Authorization": f"Bearer {directus_server.token}"}) as raw:
        response = await raw.get(f"/items/{C}", params={"sort": "id", "limit": -1})
        response.raise_for_status()
        return [row["v"] for row in response.json()["data"]]


QUERY = f"query Named {{ {C}(sort: [\"id\"]) {{ v }} }}"


async def test_queries_are_retried(proxy: FaultProxy, items: None, directus_server: ServerInfo) -> None:
    async with Directus(proxy.url, token=directus_server.token) as conn:
        assert await conn.ping()
        proxy.add("reset", graphql_post(number=2))  # the pooled keep-alive socket breaks
        assert await conn.graphql(QUERY) == {C: [{"v": "a"}, {"v": "b"}]}
        proxy.add("fake", graphql_post(), status=503)
        assert await conn.graphql("{ " + C + " { v } }") == {C: [{"v": "a"}, {"v": "b"}]}
        proxy.add("fake", graphql_post(), status=429, headers={"Retry-After": "0"})
        counted: dict[str, object] = {"countAll": 2}
        count = "countAll"
        if server_version() < (11, 0, 0):  # Directus 10 answers countAll null (a row per item)
            count, counted = "countDistinct { id }", {"countDistinct": {"id": 2}}
        assert await conn.graphql("# a comment: mutation\n{ " + C + "_aggregated { " + count + " } }") == {
            f"{C}_aggregated": [counted]}
        assert proxy.count("POST", "/graphql") == 6


async def test_querysets_over_graphql_are_retried(proxy: FaultProxy, items: None,
                                                  directus_server: ServerInfo) -> None:
    async with Directus(proxy.url, token=directus_server.token) as conn:
        with connections.override(conn):
            proxy.add("fake", graphql_post(), status=503)
            assert [i.v for i in await FaultItem.objects.using_graphql().order_by("id")] == ["a", "b"]
            proxy.add("reset", graphql_post())
            assert await FaultItem.objects.using_graphql().count() == 2
    assert proxy.count("POST", "/graphql") == 4


async def test_mutations_are_never_retried(proxy: FaultProxy, items: None,
                                           directus_server: ServerInfo) -> None:
    create = f'mutation {{ create_{C}_item(data: {{v: "once"}}) {{ id }} }}'
    async with Directus(proxy.url, token=directus_server.token) as conn:
        proxy.add("fake", graphql_post(), status=503)
        with pytest.raises(ServiceUnavailable):
            await conn.graphql(create)
        proxy.add("lost", graphql_post())  # the server creates the row, the answer is lost
        with pytest.raises(NetworkError):
            await conn.graphql(create)
        # a query and a mutation in one document: a write, never sent twice
        proxy.add("lost", graphql_post())
        with pytest.raises(NetworkError):
            await conn.graphql(f"query Q {{ {C} {{ id }} }}\nmutation M {{ create_{C}_item(data: "
                               f"{{v: \"twice?\"}}) {{ id }} }}")
    assert proxy.count("POST", "/graphql") == 3
    assert await stored(directus_server) == ["a", "b", "once"]
    async with httpx.AsyncClient(base_url=directus_server.url,
                                 headers={"Authorization": f"Bearer {directus_server.token}"}) as raw:
        await raw.request("DELETE", f"/items/{C}", json={"query": {"filter": {"v": {"_eq": "once"}}}})
    assert await stored(directus_server) == ["a", "b"]

