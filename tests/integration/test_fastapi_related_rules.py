"""A rule-bound ``DirectusRouter`` (``objects_filter``) crossing relations fails closed: reading, filtering,
sorting or writing through a relation whose rule is not declared (``related_rules``) answers 400, to-many
key lists are left out of answers, and a declared related router bounds many-to-one writes. Against the
real server; what is stored is read back through raw REST with the admin connection.

Authors are ruled by ``country == "FI"`` (only Tove Jansson, 3), books by ``pages <= 500`` (every book).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from directus_orm import Directus, Q
from directus_orm.contrib.fastapi import DirectusDependency, DirectusRouter, install_exception_handlers
from tests.conftest import ServerInfo
from tests.integration import relational_schema as rs
from tests.integration.test_fastapi import bearer
from tests.integration.test_fastapi_relations import Author, Book

pytestmark = pytest.mark.integration


@dataclass
class App:
    http: httpx.AsyncClient
    admin: Directus
    token: str = field(repr=False)

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)

    async def books(self, **eq: Any) -> list[dict[str, Any]]:
        flt = {k: {"_eq": v} for k, v in eq.items()}
        return list((await self.admin.get(f"/items/{rs.BOOKS}", params={"filter": flt}))["data"])


@pytest.fixture(scope="module")
async def schema(admin: Directus) -> AsyncIterator[None]:
    await rs.create(admin)
    yield
    await rs.drop(admin)


@pytest.fixture
async def app(schema: None, registry: None, admin: Directus,
              directus_server: ServerInfo) -> AsyncIterator[App]:
    directus = DirectusDependency()
    api = FastAPI(lifespan=directus.lifespan)
    install_exception_handlers(api)
    authors = DirectusRouter(Author, directus=directus, objects_filter=lambda request: Q(country="FI"))
    short = lambda request: Q(pages__lte=500)  # noqa: E731
    paths = ["id", "title", "author", "pages", "author__name", "author__country", "tags__name"]
    api.include_router(authors)
    api.include_router(DirectusRouter(Book, directus=directus, objects_filter=short, filter_fields=paths))
    api.include_router(DirectusRouter(Book, directus=directus, prefix="/ruled", objects_filter=short,
                                      related_rules={"author": authors}))
    api.include_router(DirectusRouter(Book, directus=directus, prefix="/open", objects_filter=short,
                                      related_rules={"author": None, "tags": None}, filter_fields=paths))
    api.include_router(DirectusRouter(Book, directus=directus, prefix="/free"))  # no rule: nothing changes
    async with api.router.lifespan_context(api), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api), base_url="http://testserver"
    ) as http:
        yield App(http, admin, directus_server.token)
    probes = {"filter": {"title": {"_eq": "probe"}}, "limit": -1}
    await admin.delete(f"/items/{rs.BOOKS}", json={"query": probes})


def code_of(r: httpx.Response) -> str:
    return str(r.json()["code"])


async def test_a_create_linking_an_undeclared_relation_is_refused(app: App) -> None:
    r = await app.http.post(f"/{rs.BOOKS}", json={"pages": 10, "title": "probe", "author": 1},
                            headers=app.headers)
    assert r.status_code == 400, r.text
    assert code_of(r) == "RELATION_RULE_UNKNOWN" and "related_rules" in r.json()["detail"]
    assert await app.books(title="probe") == []
    r = await app.http.post(f"/{rs.BOOKS}", json={"pages": 10, "title": "probe"}, headers=app.headers)
    assert r.status_code == 201, r.text  # not setting the relation is fine


async def test_a_patch_linking_an_undeclared_relation_is_refused(app: App) -> None:
    r = await app.http.patch(f"/{rs.BOOKS}/5", json={"author": 1}, headers=app.headers)
    assert r.status_code == 400 and code_of(r) == "RELATION_RULE_UNKNOWN", r.text
    assert (await app.books(id=5))[0]["author"] == 3


@pytest.mark.parametrize("params", [{"expand": "author"}, {"fields": "id,author.name"},
                                    {"fields": "id,author.*"}, {"author__name": "Ursula Le Guin"},
                                    {"author__country__isnull": "false"}, {"sort": "author.name"},
                                    {"tags__name": "x"}, {"fields": "id,tags"}])
async def test_reads_through_an_undeclared_relation_are_refused(app: App, params: dict[str, str]) -> None:
    r = await app.http.get(f"/{rs.BOOKS}", params=params, headers=app.headers)
    assert r.status_code == 400 and code_of(r) == "RELATION_RULE_UNKNOWN", r.text
    if "expand" in params or "fields" in params:
        r = await app.http.get(f"/{rs.BOOKS}/1", params=params, headers=app.headers)
        assert r.status_code == 400 and code_of(r) == "RELATION_RULE_UNKNOWN", r.text


async def test_own_key_filters_still_work(app: App) -> None:
    r = await app.http.get(f"/{rs.BOOKS}", params={"author": "1", "fields": "id,author"}, headers=app.headers)
    assert r.status_code == 200, r.text
    assert [row["id"] for row in r.json()["results"]] == [1, 2]


async def test_to_many_key_lists_are_left_out(app: App) -> None:
    r = await app.http.get(f"/{rs.AUTHORS}/3", headers=app.headers)
    assert r.status_code == 200 and "books" not in r.json() and r.json()["name"] == "Tove Jansson"
    r = await app.http.get(f"/{rs.BOOKS}/5", headers=app.headers)
    assert r.status_code == 200 and "tags" not in r.json() and r.json()["author"] == 3
    r = await app.http.get("/free/5", headers=app.headers)
    assert "tags" in r.json()


async def test_a_declared_related_router_bounds_many_to_one_writes(app: App) -> None:
    r = await app.http.post("/ruled", json={"pages": 10, "title": "probe", "author": 1}, headers=app.headers)
    assert r.status_code == 403 and code_of(r) == "OUTSIDE_RELATED_RULE", r.text
    assert await app.books(title="probe") == []
    r = await app.http.patch("/ruled/5", json={"author": 2}, headers=app.headers)
    assert r.status_code == 403 and code_of(r) == "OUTSIDE_RELATED_RULE", r.text
    assert (await app.books(id=5))[0]["author"] == 3
    r = await app.http.post("/ruled", json={"pages": 10, "title": "probe", "author": 3}, headers=app.headers)
    assert r.status_code == 201, r.text
    assert [row["author"] for row in await app.books(title="probe")] == [3]
    r = await app.http.get("/ruled/1", params={"fields": "id,author.name"}, headers=app.headers)
    assert r.status_code == 400 and code_of(r) == "RELATED_RULE_NOT_APPLIED", r.text


async def test_a_relation_declared_open_is_crossed(app: App) -> None:
    r = await app.http.get("/open/1", params={"expand": "author"}, headers=app.headers)
    assert r.status_code == 200 and r.json()["author"]["name"] == "Ursula Le Guin", r.text
    r = await app.http.get("/open", params={"author__name": "Ursula Le Guin", "fields": "id"},
                           headers=app.headers)
    assert [row["id"] for row in r.json()["results"]] == [1, 2]


def test_related_rules_must_name_relations() -> None:
    from directus_orm.exceptions import FieldError
    with pytest.raises(FieldError, match="title"):
        DirectusRouter(Book, objects_filter=lambda request: None, related_rules={"title": None})
