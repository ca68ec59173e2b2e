"""``conn.server``: ping, info, health, the OpenAPI document and the GraphQL SDL, against the real
server (async and sync faces)."""

from __future__ import annotations

import asyncio

import pytest

from directus_orm import Directus
from directus_orm.connection.serverinfo import ServerInfo as Info
from directus_orm.exceptions import Forbidden
from directus_orm.system import Health, Server
from tests.support import ServerInfo, create_collection, server_version

pytestmark = [pytest.mark.integration, pytest.mark.live_only]

COLLECTION = "endpoints_server_notes"


async def test_ping_info_and_health(admin: Directus, directus_server: ServerInfo) -> None:
    assert await admin.server.ping() is True
    async with Directus("http://127.0.0.1:9") as nobody:  # nothing listens there
        assert await nobody.server.ping() is False
    info = await admin.server.info()
    assert isinstance(info, Info) and info.version is not None and info.version == server_version()
    assert await admin.server.info() is info  # read once per connection, shared with the library
    again = await admin.server.info(refresh=True)
    assert again is not info and again.version == info.version
    raw = await admin.get("/server/info")
    assert again.data == raw["data"]

    health = await admin.server.health()
    assert isinstance(health, Health) and health.ok and health.status == "ok"
    assert health.release_id == ".".join(map(str, info.version))
    assert any(name.endswith(":responseTime") for name in health.checks)  # an admin sees the details
    async with Directus(directus_server.url) as public:
        assert await public.server.ping() is True
        if server_version() >= (12, 0, 0):
            with pytest.raises(Forbidden):  # 12.x: health needs a logged-in caller
                await public.server.health()
        else:  # 11.17.4 answers anyone, without the details
            assert (await public.server.health()).ok


async def test_specifications(admin: Directus) -> None:
    await create_collection(admin, COLLECTION, [{"field": "title", "type": "string"}])
    try:
        spec = await admin.server.openapi()
        assert spec["openapi"].startswith("3.")
        assert f"/items/{COLLECTION}" in spec["paths"]
        sdl = await admin.server.graphql_sdl()
        assert f"type {COLLECTION} " in sdl or f"type {COLLECTION}{{" in sdl.replace(" ", "")
        system = await admin.server.graphql_sdl(system=True)
        assert "server_specs_oas" in system and COLLECTION not in system.split("type Query", 1)[0]
    finally:
        await admin.delete(f"/collections/{COLLECTION}")


def test_sync_face_and_the_default_connection(directus_server: ServerInfo) -> None:
    from directus_orm import connections

    connections.configure({"default": {"url": directus_server.url, "token": directus_server.token}})
    try:
        assert Server().sync.ping() is True  # no connection given: the default one
        assert Server().sync.health().ok
        conn = connections["default"]
        assert conn.server.sync.info().version is not None
        assert conn.sync.server.sync.graphql_sdl(system=True).startswith("type Query")
    finally:
        connections.reset()


async def test_concurrent_health_reads_share_nothing(admin: Directus) -> None:
    reports = await asyncio.gather(*(admin.server.health() for _ in range(3)))
    assert all(report.ok for report in reports)
