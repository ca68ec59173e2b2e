"""``DirectusRouter`` writes under its row rule (``objects_filter``) and ``server_values``, against the real
server; what is stored is read back through raw REST with the admin connection.

The tenant comes from an ``X-Tenant`` header (a stand-in for whatever the app trusts); every request runs
with the admin token, so Directus's own permissions never refuse: only the app's rule does.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel

from directus_orm import ConnectionPool, CurrentUser, Directus, DirectusModel, Q
from directus_orm.contrib.fastapi import DirectusDependency, DirectusRouter, install_exception_handlers
from tests.conftest import ServerInfo, create_collection
from tests.integration import relational_schema as rs
from tests.integration.test_fastapi import bearer
from tests.integration.test_fastapi_relations import Author, Book

pytestmark = pytest.mark.integration

NOTES = "wr_notes"
OTHER = "00000000-0000-4000-8000-000000000001"    # an owner who is not the caller


class WrNote(DirectusModel):
    id: int | None = None
    tenant: str | None = None
    title: str
    owner: str | None = None

    class Meta:
        collection = NOTES
        ordering = ["id"]


class NoteIn(BaseModel):
    """A hand-written create schema that names the server-set field."""

    title: str
    tenant: str | None = None


def tenant_of(request: Request) -> str:
    return request.headers.get("x-tenant", "")


def same_tenant(request: Request) -> Q:
    return Q(tenant=tenant_of(request))


@dataclass
class App:
    http: httpx.AsyncClient
    sent: list[httpx.Request]  # what the app sent to Directus
    admin: Directus
    token: str = field(repr=False)

    def headers(self, tenant: str = "acme") -> dict[str, str]:
        return {**bearer(self.token), "X-Tenant": tenant}

    def writes(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.sent if r.method in ("POST", "PATCH", "DELETE")]

    async def stored(self, pk: int) -> dict[str, Any] | None:
        rows = (await self.admin.get(f"/items/{NOTES}", params={"filter": {"id": {"_eq": pk}}}))["data"]
        return rows[0] if rows else None

    async def seed(self, **values: Any) -> int:
        return int((await self.admin.post(f"/items/{NOTES}", json=values))["data"]["id"])


@pytest.fixture(scope="module")
async def schema(admin: Directus) -> AsyncIterator[None]:
    await create_collection(admin, NOTES, [
        {"field": "tenant", "type": "string", "schema": {}},
        {"field": "title", "type": "string", "schema": {"is_nullable": False}},
        {"field": "owner", "type": "string", "schema": {}},
    ])
    await rs.create(admin, seed=False)
    yield
    await rs.drop(admin)
    await admin.delete(f"/collections/{NOTES}")


def record_into(sent: list[httpx.Request]) -> Callable[[httpx.Request], Awaitable[None]]:
    async def record(request: httpx.Request) -> None:
        sent.append(request)
    return record


@pytest.fixture
async def app(schema: None, registry: None, admin: Directus,
              directus_server: ServerInfo) -> AsyncIterator[App]:
    sent: list[httpx.Request] = []
    pool = ConnectionPool(event_hooks={"request": [record_into(sent)]})
    directus = DirectusDependency(pool=pool)
    api = FastAPI(lifespan=directus.lifespan)
    install_exception_handlers(api)
    api.include_router(DirectusRouter(WrNote, directus=directus, objects_filter=same_tenant))
    api.include_router(DirectusRouter(WrNote, directus=directus, prefix="/forced", objects_filter=same_tenant,
                                      server_values={"tenant": tenant_of}))
    api.include_router(DirectusRouter(WrNote, directus=directus, prefix="/forced-custom",
                                      objects_filter=same_tenant, create_schema=NoteIn,
                                      server_values={"tenant": tenant_of}))
    # A rule Python cannot decide ($CURRENT_USER is the server's): checked after the write.
    api.include_router(DirectusRouter(WrNote, directus=directus, prefix="/mine",
                                      objects_filter=lambda request: Q(owner=CurrentUser())))
    authors = DirectusRouter(Author, directus=directus, objects_filter=lambda request: Q(country="FI"))
    authors.nested(Book, fk="author", objects_filter=lambda request: Q(pages__lte=500))
    api.include_router(authors)
    async with api.router.lifespan_context(api), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api), base_url="http://testserver"
    ) as http:
        yield App(http, sent, admin, directus_server.token)
    await pool.aclose()
    await admin.delete(f"/items/{NOTES}", json={"query": {"filter": {"id": {"_nnull": True}}, "limit": -1}})


# --- creates ---------------------------------------------------------------------------------------
async def test_create_inside_the_rule(app: App) -> None:
    created = await app.http.post(f"/{NOTES}", json={"title": "ours", "tenant": "acme"},
                                  headers=app.headers())
    assert created.status_code == 201, created.text
    stored = await app.stored(created.json()["id"])
    assert stored is not None and stored["tenant"] == "acme"


async def test_create_outside_the_rule_is_refused_before_the_write(app: App) -> None:
    app.sent.clear()
    refused = await app.http.post(f"/{NOTES}", json={"title": "escape", "tenant": "globex"},
                                  headers=app.headers())
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "OUTSIDE_OBJECTS_FILTER"
    assert app.writes() == []
    missing = await app.http.post(f"/{NOTES}", json={"title": "no tenant"}, headers=app.headers())
    assert missing.status_code == 403   # a NULL tenant is outside Q(tenant="acme") too
    found = await app.admin.get(f"/items/{NOTES}",
                                params={"filter": {"title": {"_in": ["escape", "no tenant"]}}})
    assert found["data"] == []


async def test_server_values_are_forced_and_cannot_be_overridden(app: App) -> None:
    created = await app.http.post("/forced", json={"title": "forced"}, headers=app.headers("initech"))
    assert created.status_code == 201, created.text
    assert created.json()["tenant"] == "initech"
    assert (await app.stored(created.json()["id"]))["tenant"] == "initech"  # type: ignore[index]
    # the derived schema does not know the field: 422 before anything is sent
    extra = await app.http.post("/forced", json={"title": "x", "tenant": "globex"}, headers=app.headers())
    assert extra.status_code == 422
    # a schema that names it: the same value passes, another one is refused
    app.sent.clear()
    other = await app.http.post("/forced-custom", json={"title": "x", "tenant": "globex"},
                                headers=app.headers())
    assert other.status_code == 403 and other.json()["code"] == "SERVER_SET_FIELD"
    assert other.json()["field"] == "tenant" and app.writes() == []
    same = await app.http.post("/forced-custom", json={"title": "same", "tenant": "acme"},
                               headers=app.headers())
    assert same.status_code == 201 and same.json()["tenant"] == "acme"


# --- updates ---------------------------------------------------------------------------------------
async def test_patch_out_of_the_rule_is_refused_before_the_write(app: App) -> None:
    pk = await app.seed(title="ours", tenant="acme")
    app.sent.clear()
    moved = await app.http.patch(f"/{NOTES}/{pk}", json={"tenant": "globex"}, headers=app.headers())
    assert moved.status_code == 403 and moved.json()["code"] == "OUTSIDE_OBJECTS_FILTER"
    assert app.writes() == []
    assert (await app.stored(pk))["tenant"] == "acme"  # type: ignore[index]
    renamed = await app.http.patch(f"/{NOTES}/{pk}", json={"title": "still ours"}, headers=app.headers())
    assert renamed.status_code == 200, renamed.text
    assert (await app.stored(pk))["title"] == "still ours"  # type: ignore[index]


async def test_rows_outside_the_rule_cannot_be_read_patched_or_deleted(app: App) -> None:
    theirs = await app.seed(title="theirs", tenant="globex")
    app.sent.clear()
    pulled = await app.http.patch(f"/{NOTES}/{theirs}", json={"tenant": "acme"}, headers=app.headers())
    assert pulled.status_code == 404
    assert (await app.http.delete(f"/{NOTES}/{theirs}", headers=app.headers())).status_code == 404
    assert (await app.http.get(f"/{NOTES}/{theirs}", headers=app.headers())).status_code == 404
    listed = (await app.http.get(f"/{NOTES}", headers=app.headers())).json()["results"]
    assert theirs not in [r["id"] for r in listed]
    assert app.writes() == []
    assert (await app.stored(theirs))["tenant"] == "globex"  # type: ignore[index]


async def test_server_values_on_update_are_sent_only_when_they_change_the_row(app: App) -> None:
    pk = await app.seed(title="ours", tenant="acme")
    app.sent.clear()
    renamed = await app.http.patch(f"/forced/{pk}", json={"title": "renamed"}, headers=app.headers())
    assert renamed.status_code == 200, renamed.text
    patches = [r for r in app.sent if r.method == "PATCH"]
    assert [r.content for r in patches] == [b'{"title":"renamed"}']


# --- a rule Python cannot decide: written, checked by Directus, undone --------------------------------
async def test_undecidable_rule_create_is_checked_after_the_write_and_undone(app: App) -> None:
    me = (await app.admin.me(fields="id"))["id"]
    mine = await app.http.post("/mine", json={"title": "mine", "owner": me}, headers=app.headers())
    assert mine.status_code == 201, mine.text
    assert (await app.stored(mine.json()["id"]))["owner"] == me  # type: ignore[index]
    app.sent.clear()
    theirs = await app.http.post("/mine", json={"title": "theirs", "owner": OTHER}, headers=app.headers())
    assert theirs.status_code == 403 and theirs.json()["code"] == "OUTSIDE_OBJECTS_FILTER"
    assert [w.split(" ")[0] for w in app.writes()] == ["POST", "DELETE"]
    found = await app.admin.get(f"/items/{NOTES}", params={"filter": {"title": {"_eq": "theirs"}}})
    assert found["data"] == []


async def test_undecidable_rule_update_is_undone(app: App) -> None:
    me = (await app.admin.me(fields="id"))["id"]
    pk = await app.seed(title="mine", owner=me)
    app.sent.clear()
    given = await app.http.patch(f"/mine/{pk}", json={"owner": OTHER}, headers=app.headers())
    assert given.status_code == 403 and given.json()["code"] == "OUTSIDE_OBJECTS_FILTER"
    patches = [r.content for r in app.sent if r.method == "PATCH"]
    assert patches == [f'{{"owner":"{OTHER}"}}'.encode(), f'{{"owner":"{me}"}}'.encode()]
    assert (await app.stored(pk))["owner"] == me  # type: ignore[index]


# --- nested routers --------------------------------------------------------------------------------
async def test_nested_router_applies_its_own_rule_to_writes(app: App, admin: Directus) -> None:
    finn = (await admin.post(f"/items/{rs.AUTHORS}", json={"name": "Tove", "country": "FI"}))["data"]["id"]
    pole = (await admin.post(f"/items/{rs.AUTHORS}", json={"name": "Lem", "country": "PL"}))["data"]["id"]
    try:
        ok = await app.http.post(f"/{rs.AUTHORS}/{finn}/{rs.BOOKS}", json={"title": "Short", "pages": 100},
                                 headers=app.headers())
        assert ok.status_code == 201, ok.text
        long = await app.http.post(f"/{rs.AUTHORS}/{finn}/{rs.BOOKS}", json={"title": "Long", "pages": 900},
                                   headers=app.headers())
        assert long.status_code == 403 and long.json()["code"] == "OUTSIDE_OBJECTS_FILTER"
        grow = await app.http.patch(f"/{rs.AUTHORS}/{finn}/{rs.BOOKS}/{ok.json()['id']}", json={"pages": 901},
                                    headers=app.headers())
        assert grow.status_code == 403
        hidden_parent = await app.http.post(f"/{rs.AUTHORS}/{pole}/{rs.BOOKS}", json={"title": "X"},
                                            headers=app.headers())
        assert hidden_parent.status_code == 404
        books = (await admin.get(f"/items/{rs.BOOKS}", params={"fields": "title,pages,author"}))["data"]
        assert books == [{"title": "Short", "pages": 100, "author": finn}]
    finally:
        await admin.delete(f"/items/{rs.BOOKS}", json={"query": {"filter": {"id": {"_nnull": True}}}})
        await admin.delete(f"/items/{rs.AUTHORS}", json=[finn, pole])


# --- the Author/Book pattern in OpenAPI, and no deprecated status constant ----------------------------
async def test_openapi_with_the_author_book_pattern(app: App) -> None:
    response = await app.http.get("/openapi.json")
    assert response.status_code == 200, response.text
    components = response.json()["components"]["schemas"]
    assert set(components["AuthorCreate"]["properties"]) == {"name", "country", "born", "books"}
    assert set(components["BookCreate"]["properties"]) == {"title", "price", "pages", "published", "tags"}


async def test_unprocessable_answers_without_a_deprecation_warning(app: App) -> None:
    pk = await app.seed(title="ours", tenant="acme")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        invalid = await app.http.patch(f"/{NOTES}/{pk}", json={"title": None}, headers=app.headers())
    assert invalid.status_code == 422, invalid.text


def test_server_values_must_name_fields() -> None:
    from directus_orm import FieldError

    with pytest.raises(FieldError, match="nope"):
        DirectusRouter(WrNote, server_values={"nope": tenant_of})
    with pytest.raises(FieldError, match="id"):
        DirectusRouter(WrNote, server_values={"id": tenant_of})
