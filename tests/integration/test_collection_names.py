"""A collection name is data, never a path: ``collection("../users")`` must not read ``/users``, a
``#`` or ``?`` must not cut the path, a ``/`` must not reach the item route. Such names are refused
with :class:`InvalidCollectionName` before any request, over REST and over GraphQL, reads and writes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from directus_orm import Directus, collection, connections
from directus_orm.connection.paths import collection_path
from directus_orm.exceptions import InvalidCollectionName
from tests.conftest import create_collection

pytestmark = pytest.mark.integration

C = "names_books"
HOSTILE = ["../users", "..", ".", "", "../server/info?x=", f"{C}/1", f"{C}#x", f"{C}?x=1", "a b",
           f"{C}\\1", f"{C}%2F1", "..%2Fusers", "x\n"]


@pytest.fixture(scope="module")
async def books(admin: Directus) -> AsyncIterator[None]:
    await create_collection(admin, C, [{"field": "title", "type": "string"}])
    await admin.post(f"/items/{C}", json=[{"title": "one"}])
    yield
    await admin.delete(f"/collections/{C}")


@pytest.fixture
async def sent(books: None, admin: Directus) -> AsyncIterator[list[httpx.Request]]:
    out: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        out.append(request)
    client = admin.pool.client()
    client.event_hooks["request"].append(hook)
    with connections.override(admin):
        yield out
    client.event_hooks["request"].remove(hook)


@pytest.mark.parametrize("name", HOSTILE)
async def test_hostile_names_are_refused_before_any_request(name: str, sent: list[httpx.Request]) -> None:
    with pytest.raises(InvalidCollectionName):
        await collection(name)[:2]
    with pytest.raises(InvalidCollectionName):
        collection_path(name)
    assert sent == []


@pytest.mark.parametrize("name", ["../users", f"{C}/1", f"{C}#x"])
async def test_no_read_write_or_graphql_path_uses_them(name: str, sent: list[httpx.Request],
                                                       admin: Directus) -> None:
    for attempt in (lambda: collection(name).using_graphql()[:2], lambda: collection(name).count(),
                    lambda: collection(name).create(title="x"),
                    lambda: collection(name).filter(id=1).update(title="x"),
                    lambda: collection(name).filter(id=1).delete()):
        with pytest.raises(InvalidCollectionName):
            await attempt()
    assert sent == []
    body = await admin.get(f"/items/{C}")
    assert [r["title"] for r in body["data"]] == ["one"]  # nothing written, nothing deleted


async def test_plain_names_still_work(sent: list[httpx.Request]) -> None:
    assert [r["title"] for r in await collection(C).values("title")] == ["one"]
    assert [r["title"] for r in await collection(C).using_graphql().values("title")] == ["one"]
    assert [r["email"] for r in await collection("directus_users").values("email")]
