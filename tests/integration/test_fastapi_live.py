"""``DirectusRouter(..., realtime=True)``: the websocket route against the real server, served by uvicorn
on loopback and read with a ``websockets`` client (every receive bounded by a timeout). Writes are made
through raw REST with the admin token.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from fastapi import Depends, FastAPI, Request

from directus_orm import ConnectionPool, Directus, DirectusModel, Q
from directus_orm.contrib.fastapi import DirectusDependency, DirectusRouter, install_exception_handlers
from directus_orm.exceptions import ImproperlyConfigured
from tests.conftest import ServerInfo, create_collection
from tests.integration.test_fastapi import _delete_where, make_role, make_user
from tests.support import server_version
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.integration, pytest.mark.live_only]

ITEMS = "lv_items"
EMAIL = "lv-reader@example.com"


class LvItem(DirectusModel):
    id: int | None = None
    code: str
    kind: str | None = None
    tenant: str | None = None

    class Meta:
        collection = ITEMS
        ordering = ["id"]


@dataclass
class Server:
    url: str
    admin: Directus
    reader: str = field(repr=False)   # a static token of a user who may read the collection
    proxy: TcpProxy | None = None     # in front of Directus for the /outage router

    async def recv(self, ws: Any, timeout: float = 10.0) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        return message

    async def create(self, **values: Any) -> int:
        return int((await self.admin.post(f"/items/{ITEMS}", json=values))["data"]["id"])


def tenant_of(request: Request) -> Q:
    return Q(tenant=request.headers.get("x-tenant", ""))


@pytest.fixture(scope="module")
async def reader(admin: Directus) -> AsyncIterator[str]:
    await create_collection(admin, ITEMS, [
        {"field": "code", "type": "string", "schema": {}},
        {"field": "kind", "type": "string", "schema": {}},
        {"field": "tenant", "type": "string", "schema": {}},
    ])
    role = await make_role(admin, "LV Reader", [{"collection": ITEMS, "action": "read"}])
    token = secrets.token_urlsafe(24)
    await make_user(admin, EMAIL, "lv-password-1", role, token)
    yield token
    await _delete_where(admin, "/users", {"email": {"_eq": EMAIL}})
    await admin.delete(f"/collections/{ITEMS}")


@pytest.fixture
async def server(reader: str, registry: None, admin: Directus,
                 directus_server: ServerInfo) -> AsyncIterator[Server]:
    pool = ConnectionPool()
    directus = DirectusDependency(pool=pool)
    api = FastAPI(lifespan=directus.lifespan)
    install_exception_handlers(api)
    api.include_router(DirectusRouter(LvItem, directus=directus, realtime=True, objects_filter=tenant_of))
    # the reader may read but not delete: the list route's guard refuses them, on the websocket too
    may_delete = directus.require_permission(ITEMS, "delete")
    api.include_router(DirectusRouter(LvItem, directus=directus, realtime=True, prefix="/guarded",
                                      dependencies_for={"list": [may_delete]}))
    api.include_router(DirectusRouter(LvItem, directus=directus, realtime=True, prefix="/deferred",
                                      deferred_fields=["tenant"]))
    proxy = TcpProxy(directus_server.url)
    await proxy.__aenter__()
    api.include_router(DirectusRouter(LvItem, directus=DirectusDependency(url=proxy.url, pool=pool),
                                      realtime=True, prefix="/outage"))
    config = uvicorn.Config(api, host="127.0.0.1", port=0, lifespan="on", log_level="warning",
                            ws="websockets-sansio")
    web = uvicorn.Server(config)
    task = asyncio.ensure_future(web.serve())
    for _ in range(200):
        if web.started:
            break
        await asyncio.sleep(0.05)
    port = web.servers[0].sockets[0].getsockname()[1]
    try:
        yield Server(f"ws://127.0.0.1:{port}", admin, reader, proxy)
    finally:
        web.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        await pool.aclose()
        await proxy.__aexit__(None, None, None)
        await admin.delete(f"/items/{ITEMS}",
                           json={"query": {"filter": {"id": {"_nnull": True}}, "limit": -1}})


async def test_subscription_follows_the_list_filters_and_the_row_rule(server: Server) -> None:
    seeded = await server.create(code="seed", kind="a", tenant="acme")
    await server.create(code="other tenant", kind="a", tenant="globex")
    headers = {"Authorization": f"Bearer {server.reader}", "X-Tenant": "acme"}
    async with websockets.connect(f"{server.url}/{ITEMS}/subscribe?kind=a", additional_headers=headers,
                                  proxy=None) as ws:
        init = await server.recv(ws)
        assert init == {"type": "init",
                        "data": [{"id": seeded, "code": "seed", "kind": "a", "tenant": "acme"}]}
        outside_rule = await server.create(code="x1", kind="a", tenant="globex")
        await server.create(code="x2", kind="b", tenant="acme")          # outside the filter
        inside = await server.create(code="x3", kind="a", tenant="acme")
        created = await server.recv(ws)
        assert created["type"] == "create" and [r["id"] for r in created["data"]] == [inside]
        await server.admin.patch(f"/items/{ITEMS}/{inside}", json={"code": "x3b"})
        updated = await server.recv(ws)
        assert updated["type"] == "update" and updated["data"][0]["code"] == "x3b"
        # Directus announces every deleted key; only those this subscription delivered are passed on
        await server.admin.delete(f"/items/{ITEMS}/{outside_rule}")
        await server.admin.delete(f"/items/{ITEMS}/{inside}")
        deleted = await server.recv(ws)
        assert deleted == {"type": "delete", "keys": [inside]}


async def test_deferred_fields_stay_out_of_every_message(server: Server) -> None:
    seeded = await server.create(code="d0", kind="d", tenant="acme")
    headers = {"Authorization": f"Bearer {server.reader}"}
    async with websockets.connect(f"{server.url}/deferred/subscribe?kind=d", additional_headers=headers,
                                  proxy=None) as ws:
        assert await server.recv(ws) == {"type": "init", "data": [{"id": seeded, "code": "d0", "kind": "d"}]}
        created = await server.create(code="d1", kind="d", tenant="acme")
        message = await server.recv(ws)
        assert message["type"] == "create" and message["data"] == [{"id": created, "code": "d1", "kind": "d"}]
        await server.admin.patch(f"/items/{ITEMS}/{created}", json={"code": "d1b"})
        message = await server.recv(ws)
        assert message["type"] == "update"
        assert message["data"] == [{"id": created, "code": "d1b", "kind": "d"}]


@pytest.mark.parametrize(("query", "code"), [("events=frobnicate", "UNKNOWN_EVENT"),
                                             ("events=create,nope", "UNKNOWN_EVENT"),
                                             ("fields=code", "UNSUPPORTED_PARAMETER"),
                                             ("expand=x", "UNSUPPORTED_PARAMETER")])
async def test_bad_parameters_close_like_a_bad_filter(server: Server, query: str, code: str) -> None:
    headers = {"Authorization": f"Bearer {server.reader}"}
    async with websockets.connect(f"{server.url}/deferred/subscribe?{query}", additional_headers=headers,
                                  proxy=None) as ws:
        error = await server.recv(ws)
        assert error["type"] == "error" and error["code"] == code, error
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400


async def test_an_upstream_outage_is_announced(server: Server) -> None:
    assert server.proxy is not None
    headers = {"Authorization": f"Bearer {server.reader}"}
    async with websockets.connect(f"{server.url}/outage/subscribe?kind=o", additional_headers=headers,
                                  proxy=None) as ws:
        assert (await server.recv(ws))["type"] == "init"
        await server.proxy.drop()
        lost = await server.recv(ws, timeout=30)
        assert lost["type"] == "disconnected" and isinstance(lost["reason"], str), lost
        assert (await server.recv(ws, timeout=60))["type"] == "reconnected"


async def test_subscription_refusals(server: Server) -> None:
    async with websockets.connect(f"{server.url}/{ITEMS}/subscribe", proxy=None,
                                  additional_headers={"Authorization": "Bearer not-a-token"}) as ws:
        error = await server.recv(ws)
        assert error["type"] == "error" and error["code"] == "INVALID_CREDENTIALS"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    query = f"access_token={server.reader}&nope__icontains=x"  # the token in the query (browsers)
    async with websockets.connect(f"{server.url}/{ITEMS}/subscribe?{query}", proxy=None) as ws:
        error = await server.recv(ws)
        assert error["code"] == "UNKNOWN_FILTER"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400


async def test_the_list_routes_guards_run_on_the_websocket(server: Server) -> None:
    headers = {"Authorization": f"Bearer {server.reader}"}
    async with websockets.connect(f"{server.url}/guarded/subscribe", additional_headers=headers,
                                  proxy=None) as ws:
        error = await server.recv(ws)
        if server_version() < (11, 0, 0):  # require_permission needs /permissions/me: refused, typed
            assert error["code"] == "UnsupportedByServer" and "11.0.0" in error["message"]
            expected = 1011
        else:
            assert error["code"] == "FORBIDDEN" and "permission" in error["message"]
            expected = 4403
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == expected


def test_a_dependency_the_websocket_cannot_run_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="not a guard"):
        DirectusRouter(LvItem, prefix="/x", realtime=True, dependencies_for={"list": [Depends(tenant_of)]})


async def test_closing_the_client_ends_the_upstream_subscription(server: Server) -> None:
    headers = {"Authorization": f"Bearer {server.reader}", "X-Tenant": "acme"}
    for _ in range(3):   # repeated connects leave nothing behind that stops the next one
        async with websockets.connect(f"{server.url}/{ITEMS}/subscribe", additional_headers=headers,
                                      proxy=None) as ws:
            assert (await server.recv(ws))["type"] == "init"
    async with httpx.AsyncClient() as client:
        http = server.url.replace("ws://", "http://")
        assert (await client.get(f"{http}/{ITEMS}", headers=headers)).status_code == 200
