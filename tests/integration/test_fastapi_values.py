"""``DirectusRouter`` bodies with numbers Directus cannot hold (NaN, infinities, integers beyond 2**53 - 1)
answer 422 before any write, and bulk routes refuse ``If-Match``; against the real server, the stored
rows read back through raw REST with the admin connection."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import APIRouter

from directus_orm import Directus, DirectusModel
from directus_orm.contrib.fastapi import ALL_ROUTE_NAMES, DirectusDependency, DirectusRouter
from tests.conftest import ServerInfo
from tests.support.router_app import RouterApp, module_collection, serve_routers

pytestmark = pytest.mark.integration

NUMS = "val_nums"


class ValNum(DirectusModel):
    id: int | None = None
    name: str
    budget: float | None = None
    count: int | None = None
    secret: str | None = None

    class Meta:
        collection = NUMS
        ordering = ["id"]


@pytest.fixture(scope="module")
async def schema(admin: Directus) -> AsyncIterator[None]:
    async with module_collection(admin, NUMS, [
        {"field": "name", "type": "string", "schema": {}},
        {"field": "budget", "type": "float", "schema": {}},
        {"field": "count", "type": "bigInteger", "schema": {}},
        {"field": "secret", "type": "string", "schema": {}},
    ]):
        yield


@pytest.fixture
async def app(schema: None, registry: None, admin: Directus,
              directus_server: ServerInfo) -> AsyncIterator[RouterApp]:
    def routers(directus: DirectusDependency) -> list[APIRouter]:
        return [DirectusRouter(ValNum, directus=directus, routes=ALL_ROUTE_NAMES, deferred_fields=["secret"])]

    async with serve_routers(admin, directus_server.token, NUMS, routers,
                             headers={"content-type": "application/json"}) as app:
        yield app


@pytest.mark.parametrize("raw", [b'{"name": "x", "budget": NaN}', b'{"name": "x", "budget": 1e400}',
                                 b'{"name": "x", "budget": -Infinity}',
                                 b'{"name": "x", "count": 1%s}' % (b"0" * 30),
                                 b'{"name": "x", "count": 9223372036854775808}'])
async def test_unrepresentable_numbers_are_refused_before_the_write(app: RouterApp, raw: bytes) -> None:
    r = await app.http.post(f"/{NUMS}", content=raw, headers=app.headers())
    assert r.status_code == 422, r.text
    r = await app.http.post(f"/{NUMS}/bulk", content=b"[" + raw + b"]", headers=app.headers())
    assert r.status_code == 422, r.text
    assert await app.all_stored() == []


async def test_updates_with_unrepresentable_numbers_are_refused(app: RouterApp) -> None:
    pk = (await app.http.post(f"/{NUMS}", json={"name": "ok", "count": 2**53 - 1},
                              headers=app.headers())).json()["id"]
    for raw in (b'{"budget": NaN}', b'{"count": 9007199254740993}'):
        r = await app.http.patch(f"/{NUMS}/{pk}", content=raw, headers=app.headers())
        assert r.status_code == 422, r.text
        r = await app.http.patch(f"/{NUMS}/bulk", content=b'[{"id": %d, ' % pk + raw[1:] + b"]",
                                 headers=app.headers())
        assert r.status_code == 422, r.text
    assert [(row["budget"], int(row["count"])) for row in await app.all_stored()] == [(None, 2**53 - 1)]
    r = await app.http.get(f"/{NUMS}", headers=app.headers())
    assert r.status_code == 200, r.text


async def test_bulk_routes_refuse_if_match(app: RouterApp) -> None:
    created = await app.http.post(f"/{NUMS}", json={"name": "kept"}, headers=app.headers())
    pk, tag = created.json()["id"], created.headers["etag"]
    for stale in ('"stale"', tag):
        r = await app.http.delete(f"/{NUMS}/bulk", params={"keys": str(pk)},
                                  headers={**app.headers(), "If-Match": stale})
        assert r.status_code == 400 and r.json()["code"] == "IF_MATCH_UNSUPPORTED", r.text
        r = await app.http.patch(f"/{NUMS}/bulk", json=[{"id": pk, "name": "changed"}],
                                 headers={**app.headers(), "If-Match": stale})
        assert r.status_code == 400 and r.json()["code"] == "IF_MATCH_UNSUPPORTED", r.text
    assert [row["name"] for row in await app.all_stored()] == ["kept"]


async def test_bulk_answers_leave_deferred_fields_out(app: RouterApp) -> None:
    r = await app.http.post(f"/{NUMS}/bulk", json=[{"name": "a", "secret": "s1"}], headers=app.headers())
    assert r.status_code == 201 and r.json() == [{"id": r.json()[0]["id"], "name": "a", "budget": None,
                                                  "count": None}], r.text
    pk = r.json()[0]["id"]
    r = await app.http.patch(f"/{NUMS}/bulk", json=[{"id": pk, "secret": "s2"}], headers=app.headers())
    assert r.status_code == 200 and "secret" not in r.json()[0], r.text
    assert [row["secret"] for row in await app.all_stored()] == ["s2"]
