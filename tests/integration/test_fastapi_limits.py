"""``DirectusRouter`` answers one way for one question, over the relational schema (``relational_schema``):
a repeated single-valued parameter is refused, ``?fields=`` paths are bounded in depth and in the related
rows they bring, nested routers keep their parent's guards, and every route answers a related row as its
key.

Expected answers are computed in plain Python from ``relational_schema.ROWS``; what the app asks Directus
is recorded with an httpx event hook; writes are checked through raw REST with the admin connection.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from directus_orm import ConnectionPool, Directus
from directus_orm.contrib.fastapi import DirectusDependency, DirectusRouter, install_exception_handlers
from tests.conftest import ServerInfo
from tests.integration import relational_schema as rs
from tests.integration.test_fastapi import bearer
from tests.integration.test_fastapi_relations import Author, Book

pytestmark = pytest.mark.integration

R = rs.ROWS


TAG_NAMES = {t["id"]: t["name"] for t in R[rs.TAGS]}


def books_of(author: int) -> list[dict[str, Any]]:
    return [b for b in R[rs.BOOKS] if b["author"] == author]


def tags_of(book: int) -> list[int]:
    return [j["tags_id"] for j in R[rs.BOOKS_TAGS] if j["books_id"] == book]


@dataclass
class App:
    http: httpx.AsyncClient
    sent: list[httpx.Request]
    headers: dict[str, str] = field(repr=False)  # the admin token: kept out of failure reports

    async def call(self, method: str, path: str, *, query: Any = None, body: Any = None) -> httpx.Response:
        self.sent.clear()
        return await self.http.request(method, path, params=query, json=body, headers=self.headers)

    async def refused(self, path: str, query: Any, code: str, status: int = 400) -> dict[str, Any]:
        response = await self.call("GET", path, query=query)
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        assert body["code"] == code, body
        return body

    def reads(self, collection: str) -> list[httpx.Request]:
        return [r for r in self.sent if r.url.path.startswith(f"/items/{collection}")]


@pytest.fixture(scope="module")
async def schema(admin: Directus) -> AsyncIterator[None]:
    await rs.create(admin)
    yield
    await rs.drop(admin)


@pytest.fixture
async def app(schema: None, registry: None, directus_server: ServerInfo) -> AsyncIterator[App]:
    sent: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        sent.append(request)

    pool = ConnectionPool(event_hooks={"request": [record]})
    directus = DirectusDependency(pool=pool)
    nobody = directus.require_role("No Such Role")      # the admin has the Administrator role only
    api = FastAPI(lifespan=directus.lifespan)
    install_exception_handlers(api)
    api.include_router(DirectusRouter(Book, directus=directus, filter_fields=["id", "title", "author"]))
    api.include_router(DirectusRouter(Author, directus=directus))
    api.include_router(DirectusRouter(Author, directus=directus, prefix="/capped-authors", routes=("list",),
                                      max_depth=1, max_nested_rows=1))
    api.include_router(DirectusRouter(Book, directus=directus, prefix="/capped-books",
                                      routes=("list", "retrieve"), max_nested_rows=1))
    # Nested routers under guarded parents.
    hidden = DirectusRouter(Author, directus=directus, prefix="/hidden-authors",
                            dependencies_for={"retrieve": [nobody]})
    hidden.nested(Book, fk="author")
    readonly = DirectusRouter(Author, directus=directus, prefix="/readonly-authors",
                              dependencies_for={"create": [nobody], "update": [nobody], "delete": [nobody]})
    readonly.nested(Book, fk="author")
    admins = DirectusRouter(Author, directus=directus, prefix="/admin-authors",
                            dependencies_for={"retrieve": [directus.require_role("Administrator")]})
    admins.nested(Book, fk="author", dependencies_for={"delete": [nobody]})
    for router in (hidden, readonly, admins):
        api.include_router(router)
    async with api.router.lifespan_context(api), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api), base_url="http://testserver"
    ) as http:
        yield App(http, sent, bearer(directus_server.token))
    await pool.aclose()


# --- repeated parameters ----------------------------------------------------------------------------
@pytest.mark.parametrize("query", [
    [("fields", "id"), ("fields", "title")],
    [("omit", "price"), ("omit", "pages")],
    [("sort", "title"), ("sort", "-id")],
    [("search", "the"), ("search", "sol")],
    [("limit", "2"), ("limit", "3")],
    [("offset", "1"), ("offset", "2")],
    [("page", "1"), ("page", "2")],
    [("title", "Solaris"), ("title", "Exhalation")],
])
async def test_a_repeated_parameter_is_400_not_last_one_wins(app: App, query: list[tuple[str, str]]) -> None:
    body = await app.refused(f"/{rs.BOOKS}", query, "REPEATED_PARAMETER")
    assert body["parameter"] == query[0][0] and "more than once" in body["detail"]
    assert app.reads(rs.BOOKS) == []                    # refused before any query


async def test_a_repeated_parameter_on_retrieve_is_400(app: App) -> None:
    await app.refused(f"/{rs.BOOKS}/3", [("fields", "id"), ("fields", "title")], "REPEATED_PARAMETER")
    await app.refused(f"/{rs.BOOKS}/3", [("omit", "id"), ("omit", "title")], "REPEATED_PARAMETER")
    once = await app.call("GET", f"/{rs.BOOKS}/3", query={"fields": "id,title"})
    assert once.json() == {"id": 3, "title": "Solaris"}


# --- depth and fan-out of ?fields= ------------------------------------------------------------------
async def test_fields_deeper_than_max_depth_are_400(app: App) -> None:
    too_deep = {"fields": "name,books.author.books.author.name"}
    body = await app.refused(f"/{rs.AUTHORS}", too_deep, "FIELD_TOO_DEEP")
    assert body["max_depth"] == 3 and body["field"] == "books.author.books.author.name"
    assert app.reads(rs.AUTHORS) == []
    ok = await app.call("GET", f"/{rs.AUTHORS}/2", query={"fields": "books.author.name"})   # depth 2
    assert ok.json() == {"books": [{"author": {"name": "Stanislaw Lem"}}] * 2}
    await app.refused("/capped-authors", {"fields": "books.author.name"}, "FIELD_TOO_DEEP")  # max_depth=1
    await app.refused("/capped-authors", {"omit": "books.author.name"}, "FIELD_TOO_DEEP")


async def test_nested_rows_over_the_cap_are_400_and_the_cap_is_sent_as_deep_limit(app: App) -> None:
    # Every author but Tove Jansson (one book) and Nobody Yet (none) has two books.
    body = await app.refused("/capped-authors", {"fields": "name,books.title"}, "TOO_MANY_NESTED_ROWS")
    assert body["field"] == "books" and body["max_nested_rows"] == 1
    [read] = app.reads(rs.AUTHORS)
    assert json.loads(read.url.params["deep"]) == {"books": {"_limit": 2}}    # one more than the cap
    query = {"fields": "name,books.title", "id__in": "3,5"}
    page = (await app.call("GET", "/capped-authors", query=query)).json()
    assert page["results"] == [
        {"name": "Tove Jansson", "books": [{"title": b["title"]} for b in books_of(3)]},
        {"name": "Nobody Yet", "books": []}]
    # many-to-many: the cap counts the related rows (junction rows in Directus's deep)
    await app.refused("/capped-books/1", {"fields": "tags.name"}, "TOO_MANY_NESTED_ROWS")
    keys = await app.call("GET", "/capped-books/1", query={"fields": "tags"})   # keys only: not capped
    assert sorted(keys.json()["tags"]) == sorted(tags_of(1))


async def test_the_default_cap_reads_every_level_in_one_request(app: App) -> None:
    page = (await app.call("GET", f"/{rs.AUTHORS}", query={"fields": "id,books.tags.name"})).json()
    got = {a["id"]: sorted(sorted(t["name"] for t in b["tags"]) for b in a["books"]) for a in page["results"]}
    assert got == {a["id"]: sorted(sorted(TAG_NAMES[t] for t in tags_of(b["id"])) for b in books_of(a["id"]))
                   for a in R[rs.AUTHORS]}
    [read] = app.reads(rs.AUTHORS)
    assert json.loads(read.url.params["deep"]) == {"books": {"_limit": 101, "tags": {"_limit": 101}}}


# --- nested routers inherit their parent's guards ---------------------------------------------------
async def test_a_nested_router_keeps_its_parents_retrieve_guard(app: App, admin: Directus) -> None:
    assert (await app.call("GET", "/hidden-authors/1")).status_code == 403
    for method, path, body in [("GET", "/hidden-authors/1/rel_books", None),
                               ("GET", "/hidden-authors/1/rel_books/1", None),
                               ("POST", "/hidden-authors/1/rel_books", {"title": "Leak"}),
                               ("PATCH", "/hidden-authors/1/rel_books/1", {"title": "Leak"}),
                               ("DELETE", "/hidden-authors/1/rel_books/1", None)]:
        response = await app.call(method, path, body=body)
        assert response.status_code == 403, (method, path, response.text)
        assert app.reads(rs.BOOKS) == []
    by_le_guin = {"filter": {"author": {"_eq": 1}}, "sort": "id"}
    rows = (await admin.get(f"/items/{rs.BOOKS}", params=by_le_guin))["data"]
    assert [(b["id"], b["title"]) for b in rows] == [(b["id"], b["title"]) for b in books_of(1)]


async def test_a_nested_router_keeps_its_parents_write_guards_by_route(app: App, admin: Directus) -> None:
    listed = await app.call("GET", "/readonly-authors/2/rel_books")
    assert listed.status_code == 200 and [b["id"] for b in listed.json()["results"]] == [3, 4]
    for method, path, body in [("POST", "/readonly-authors/2/rel_books", {"title": "Not mine"}),
                               ("PATCH", "/readonly-authors/2/rel_books/3", {"title": "Not mine"}),
                               ("DELETE", "/readonly-authors/2/rel_books/3", None)]:
        response = await app.call(method, path, body=body)
        assert response.status_code == 403, (method, path, response.text)
    solaris = (await admin.get(f"/items/{rs.BOOKS}/3"))["data"]
    assert solaris["title"] == "Solaris"
    count = (await admin.get(f"/items/{rs.BOOKS}", params={"aggregate": {"count": "*"}}))["data"][0]["count"]
    assert int(count) == len(R[rs.BOOKS])


async def test_a_passing_parent_guard_and_the_childs_own_guards(app: App, admin: Directus) -> None:
    listed = await app.call("GET", "/admin-authors/4/rel_books")
    assert listed.status_code == 200 and [b["title"] for b in listed.json()["results"]] == [
        b["title"] for b in books_of(4)]
    assert (await app.call("DELETE", "/admin-authors/4/rel_books/6")).status_code == 403   # the child's own
    assert (await admin.get(f"/items/{rs.BOOKS}/6"))["data"]["title"] == "Exhalation"


# --- one shape for related rows -----------------------------------------------------------------------
async def test_create_and_update_answer_related_rows_as_keys_like_reads(app: App, admin: Directus) -> None:
    created = await app.call("POST", f"/{rs.BOOKS}", body={"title": "Tales", "author": 2, "tags": [1, 2]})
    assert created.status_code == 201, created.text
    pk = created.json()["id"]
    try:
        raw = await admin.get(f"/items/{rs.BOOKS}/{pk}", params={"fields": ["*", "tags.tags_id"]})
        stored = raw["data"]
        assert stored["title"] == "Tales" and stored["author"] == 2
        assert sorted(j["tags_id"] for j in stored["tags"]) == [1, 2]
        retrieved = (await app.call("GET", f"/{rs.BOOKS}/{pk}")).json()
        assert created.json() == retrieved
        assert retrieved["author"] == 2 and sorted(retrieved["tags"]) == [1, 2]
        updated = await app.call("PATCH", f"/{rs.BOOKS}/{pk}", body={"title": "Tales II", "author": 3})
        assert updated.status_code == 200, updated.text
        assert updated.json() == (await app.call("GET", f"/{rs.BOOKS}/{pk}")).json()
        assert updated.json()["author"] == 3 and sorted(updated.json()["tags"]) == [1, 2]
        listed = (await app.call("GET", f"/{rs.BOOKS}", query={"id": str(pk)})).json()["results"]
        assert listed == [updated.json()]
        assert (await admin.get(f"/items/{rs.BOOKS}/{pk}"))["data"]["author"] == 3
    finally:
        await admin.delete(f"/items/{rs.BOOKS}/{pk}")
