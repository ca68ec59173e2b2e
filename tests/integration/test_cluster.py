"""Two Directus instances on one PostgreSQL and one Redis, with the cache on (``DirectusCluster``): what
one instance writes, the other serves at once; tokens, refreshes and realtime events cross instances;
an instance that dies fails with a typed error and loses nothing written through the other."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from directus_orm import ConnectionPool, Directus, DirectusModel, TokenAuth, connections
from directus_orm.exceptions import NetworkError
from tests.conftest import create_collection

pytestmark = [pytest.mark.integration, pytest.mark.live_only]

COLLECTION = "orm_cluster_rows"


class Row(DirectusModel):
    id: int | None = None
    label: str
    n: int | None = None

    class Meta:
        collection = COLLECTION


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    from directus_orm.testing.server import DirectusCluster

    with DirectusCluster(size=2) as started:
        yield started


@pytest.fixture(scope="module")
async def schema(cluster: Any) -> AsyncIterator[None]:
    async with Directus(cluster.urls[0], token=cluster.admin_token) as conn:
        await create_collection(conn, COLLECTION, [
            {"field": "label", "type": "string", "schema": {"is_nullable": False}},
            {"field": "n", "type": "integer", "schema": {}},
        ])
        yield
        await conn.delete(f"/collections/{COLLECTION}")


@pytest.fixture
async def a_and_b(cluster: Any, schema: None) -> AsyncIterator[tuple[Directus, Directus]]:
    async with Directus(cluster.urls[0], token=cluster.admin_token) as a, \
            Directus(cluster.urls[1], token=cluster.admin_token) as b:
        yield a, b


async def test_the_cache_is_on_and_shared(cluster: Any, a_and_b: tuple[Directus, Directus]) -> None:
    """A change made in the database behind Directus's back stays unseen on both instances: their
    answers come from the one Redis cache."""
    from directus_orm.testing.services import shared_postgres

    a, b = a_and_b
    created = await a.post(f"/items/{COLLECTION}", json={"label": "cached", "n": 1})
    path = f"/items/{COLLECTION}/{created['data']['id']}"
    assert (await b.get(path))["data"]["n"] == 1
    shared_postgres().sql(f"UPDATE {COLLECTION} SET n = 99 WHERE label = 'cached'", database=cluster.database)
    assert (await b.get(path))["data"]["n"] == 1
    assert (await a.get(path))["data"]["n"] == 1  # A never read it: the cache is shared
    await a.delete(path)


async def test_a_write_through_a_is_read_back_through_b_at_once(
    cluster: Any, a_and_b: tuple[Directus, Directus]
) -> None:
    a, b = a_and_b
    async with connections.override(a):
        row = await Row.objects.create(label="first", n=1)
    async with connections.override(b):
        assert (await Row.objects.get(pk=row.id)).n == 1  # B's answer is now in the shared cache
    async with connections.override(a):
        row.n = 2
        await row.save()
        await Row.objects.filter(pk=row.id).update(label="second")
    async with connections.override(b):
        seen = await Row.objects.get(pk=row.id)
        assert (seen.label, seen.n) == ("second", 2)
        assert [r.n for r in await Row.objects.filter(label="second")] == [2]
    raw = await b.get(f"/items/{COLLECTION}/{row.id}")
    assert (raw["data"]["label"], raw["data"]["n"]) == ("second", 2)


async def test_a_token_from_a_is_accepted_and_refreshed_by_b(
    cluster: Any, a_and_b: tuple[Directus, Directus]
) -> None:
    from directus_orm.testing.server import ADMIN_EMAIL, ADMIN_PASSWORD

    async with httpx.AsyncClient() as http:
        login = await http.post(f"{cluster.urls[0]}/auth/login",
                                json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    tokens = login.json()["data"]
    # ``expires=1`` ms: the connection refreshes (on B) before its first request.
    async with Directus(cluster.urls[1], access_token=tokens["access_token"],
                        refresh_token=tokens["refresh_token"], expires=1) as on_b:
        assert (await on_b.me())["email"] == ADMIN_EMAIL
        assert (await on_b.me())["email"] == ADMIN_EMAIL


async def test_one_refresh_serves_both_instances(cluster: Any, schema: None) -> None:
    """Single flight across the cluster: one token pair used through both instances (as behind a load
    balancer: one auth object for the two connections) is refreshed once, through A, for 40 concurrent
    requests on A and B; B accepts the new token at once, and the spent refresh token is refused on B."""
    from directus_orm.testing.server import ADMIN_EMAIL, ADMIN_PASSWORD

    sent: list[tuple[str, str]] = []

    async def on_request(request: httpx.Request) -> None:
        sent.append((f"http://{request.url.host}:{request.url.port}", request.url.path))

    async with httpx.AsyncClient() as http:
        login = await http.post(f"{cluster.urls[0]}/auth/login",
                                json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        tokens = login.json()["data"]
        # ``expires=1`` ms: every request finds the token due and waits for the one refresh.
        auth = TokenAuth(cluster.urls[0], tokens["access_token"], tokens["refresh_token"], expires=1)
        pool = ConnectionPool(event_hooks={"request": [on_request]})
        async with Directus(cluster.urls[0], auth=auth, pool=pool) as on_a, \
                Directus(cluster.urls[1], auth=auth, pool=pool) as on_b:
            rows = await asyncio.gather(*(conn.me(fields="email") for conn in (on_a, on_b) * 20))
        await pool.aclose()
        assert {row["email"] for row in rows} == {ADMIN_EMAIL}
        assert [s for s in sent if s[1] == "/auth/refresh"] == [(cluster.urls[0], "/auth/refresh")]
        assert [sent.count((url, "/users/me")) for url in cluster.urls] == [20, 20]
        spent = await http.post(f"{cluster.urls[1]}/auth/refresh",
                                json={"refresh_token": tokens["refresh_token"], "mode": "json"})
        assert spent.status_code == 401


async def test_a_subscription_on_b_receives_a_write_on_a(
    cluster: Any, a_and_b: tuple[Directus, Directus]
) -> None:
    import websockets

    a, _ = a_and_b
    async with websockets.connect(f"ws://{cluster.urls[1].removeprefix('http://')}/websocket") as ws:
        await ws.send(json.dumps({"type": "auth", "access_token": cluster.admin_token}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["status"] == "ok"
        await ws.send(json.dumps({"type": "subscribe", "collection": COLLECTION, "uid": "rows"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["event"] == "init"
        async with connections.override(a):
            row = await Row.objects.create(label="realtime", n=7)
        event = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert event["event"] == "create" and event["data"][0]["id"] == row.id


async def test_an_instance_killed_mid_run_fails_typed_and_loses_nothing(
    cluster: Any, a_and_b: tuple[Directus, Directus]
) -> None:
    """Last in the module: it stops instance B."""
    a, b = a_and_b
    async with connections.override(a):
        before = await Row.objects.create(label="before the kill", n=1)
    cluster.servers[1].stop()
    async with connections.override(b):
        with pytest.raises(NetworkError):
            await Row.objects.get(pk=before.id)
        with pytest.raises(NetworkError):
            await Row.objects.create(label="into the void", n=2)
    async with connections.override(a):
        after = await Row.objects.create(label="after the kill", n=3)
        labels = sorted(r.label for r in await Row.objects.all())
    assert "before the kill" in labels and "after the kill" in labels and "into the void" not in labels
    raw = await a.get(f"/items/{COLLECTION}/{after.id}")
    assert raw["data"]["n"] == 3
