"""``DirectusRouter`` reads, second round, against the real server: typed filter parameters in OpenAPI,
``?fields=*`` / deferred fields / ``?expand=`` / ``?fields!=`` / empty ``?fields=``, the aggregate
route, page links, ``?count=false`` and keyset (cursor) pages.

Expected answers are computed in plain Python from the seeded rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from directus_orm import ConnectionPool, Directus, DirectusModel
from directus_orm.contrib.fastapi import (
    ALL_ROUTE_NAMES,
    DirectusDependency,
    DirectusRouter,
    install_exception_handlers,
)
from tests.conftest import ServerInfo, create_collection
from tests.integration.test_fastapi import bearer

pytestmark = pytest.mark.integration

AUTHORS, BOOKS = "rd_authors", "rd_books"


class RdAuthor(DirectusModel):
    id: int | None = None
    name: str
    bio: str | None = None
    books: list[RdBook | int] = []

    class Meta:
        collection = AUTHORS
        ordering = ["id"]


class RdBook(DirectusModel):
    id: int | None = None
    title: str
    pages: int
    genre: str | None = None
    author: RdAuthor | int | None = None

    class Meta:
        collection = BOOKS
        ordering = ["id"]


AUTHOR_ROWS = [{"name": "Lem", "bio": "A long biography"}, {"name": "Tove", "bio": "Moomins"}]
BOOK_ROWS = [
    {"title": "Solaris", "pages": 204, "genre": "scifi", "author": 1},
    {"title": "Eden", "pages": 262, "genre": "scifi", "author": 1},
    {"title": "Fiasco", "pages": 322, "genre": "scifi", "author": 1},
    {"title": "Moominland", "pages": 170, "genre": "children", "author": 2},
    {"title": "Comet", "pages": 192, "genre": "children", "author": 2},
    {"title": "Summer Book", "pages": 172, "genre": None, "author": 2},
    {"title": "Anonymous", "pages": 50, "genre": None, "author": None},
]


@dataclass
class App:
    http: httpx.AsyncClient
    headers: dict[str, str] = field(repr=False)

    async def get(self, path: str, **query: Any) -> Any:
        response = await self.http.get(path, params=query, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def bad(self, path: str, **query: Any) -> Any:
        response = await self.http.get(path, params=query, headers=self.headers)
        assert response.status_code == 400, response.text
        return response.json()


@pytest.fixture(scope="module")
async def schema(admin: Directus) -> AsyncIterator[None]:
    await create_collection(admin, AUTHORS, [
        {"field": "name", "type": "string", "schema": {"is_nullable": False}},
        {"field": "bio", "type": "text", "schema": {}},
    ])
    await create_collection(admin, BOOKS, [
        {"field": "title", "type": "string", "schema": {"is_nullable": False}},
        {"field": "pages", "type": "integer", "schema": {"is_nullable": False}},
        {"field": "genre", "type": "string", "schema": {}},
        {"field": "author", "type": "integer", "schema": {}, "meta": {"interface": "select-dropdown-m2o"}},
    ])
    await admin.post("/fields/" + AUTHORS,
                     json={"field": "books", "type": "alias", "meta": {"special": ["o2m"]}})
    await admin.post("/relations", json={"collection": BOOKS, "field": "author",
                                         "related_collection": AUTHORS, "meta": {"one_field": "books"}})
    await admin.post(f"/items/{AUTHORS}", json=AUTHOR_ROWS)
    await admin.post(f"/items/{BOOKS}", json=BOOK_ROWS)
    yield
    await admin.delete(f"/collections/{BOOKS}")
    await admin.delete(f"/collections/{AUTHORS}")


@pytest.fixture
async def app(schema: None, registry: None, directus_server: ServerInfo) -> AsyncIterator[App]:
    pool = ConnectionPool()
    directus = DirectusDependency(pool=pool)
    api = FastAPI(lifespan=directus.lifespan)
    install_exception_handlers(api)
    api.include_router(DirectusRouter(RdBook, directus=directus, routes=ALL_ROUTE_NAMES, page_size=3,
                                      filter_fields=["title", "pages", "genre", "author", "author__name"]))
    api.include_router(DirectusRouter(RdAuthor, directus=directus, deferred_fields=["bio"]))
    async with api.router.lifespan_context(api), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api), base_url="http://testserver"
    ) as http:
        yield App(http, bearer(directus_server.token))
    await pool.aclose()


def books(**where: Any) -> list[dict[str, Any]]:
    rows = [{"id": i + 1, **row} for i, row in enumerate(BOOK_ROWS)]
    return [r for r in rows if all(r[k] == v for k, v in where.items())]


# --- filters as typed OpenAPI parameters -----------------------------------------------------------
async def test_filters_are_typed_openapi_parameters(app: App) -> None:
    spec = (await app.http.get("/openapi.json")).json()
    params = {p["name"]: p for p in spec["paths"][f"/{BOOKS}"]["get"]["parameters"]}
    assert params["pages"]["schema"] == {"type": "integer"}
    assert params["pages__gte"]["schema"] == {"type": "integer"}
    assert params["pages__range"]["schema"]["type"] == "array"
    assert params["pages__range"]["schema"]["minItems"] == params["pages__range"]["schema"]["maxItems"] == 2
    assert params["genre__in"]["schema"] == {"type": "array", "items": {"type": "string"}}
    assert (params["genre__in"]["style"], params["genre__in"]["explode"]) == ("form", False)
    assert params["genre__isnull"]["schema"] == {"type": "boolean"}
    assert params["title__icontains"]["schema"] == {"type": "string"}
    assert params["author__name__istartswith"]["schema"] == {"type": "string"}
    assert params["author"]["schema"] == {"type": "integer"}      # a many-to-one by its key
    assert "title__gt" not in params                           # Directus has no _gt on strings
    assert "pages__isnull" not in params                       # not nullable
    assert {"limit", "offset", "cursor", "count", "expand", "fields!"} <= set(params)   # the route's own
    aggregate = {p["name"] for p in spec["paths"][f"/{BOOKS}/aggregate"]["get"]["parameters"]}
    assert {"count", "sum", "group_by", "genre__in"} <= aggregate


async def test_typed_filters_still_validated_as_before(app: App) -> None:
    assert (await app.bad(f"/{BOOKS}", pages__gte="many"))["code"] == "INVALID_QUERY"
    assert (await app.bad(f"/{BOOKS}", title__gt="a"))["code"] == "INVALID_QUERY"
    page = await app.get(f"/{BOOKS}", genre__in="scifi,children", pages__gte=190, limit=50)
    assert [r["title"] for r in page["results"]] == [
        r["title"] for r in books() if r["genre"] in ("scifi", "children") and r["pages"] >= 190]


# --- field selection ---------------------------------------------------------------------------------
async def test_deferred_fields_and_wildcard(app: App) -> None:
    default = await app.get(f"/{AUTHORS}")
    assert [set(r) for r in default["results"]] == [{"id", "name", "books"}] * 2   # bio deferred
    named = await app.get(f"/{AUTHORS}", fields="name,bio")
    assert named["results"][0] == {"name": "Lem", "bio": "A long biography"}
    everything = await app.get(f"/{AUTHORS}/1", fields="*")
    assert everything == {"id": 1, "name": "Lem", "bio": "A long biography", "books": [1, 2, 3]}
    retrieve = await app.http.get(f"/{AUTHORS}/2", headers=app.headers)
    assert retrieve.json() == {"id": 2, "name": "Tove", "books": [4, 5, 6]}   # deferred on retrieve too
    assert retrieve.headers["etag"]                                          # a whole row was read
    spec = (await app.http.get("/openapi.json")).json()
    described = {p["name"]: p for p in spec["paths"][f"/{AUTHORS}"]["get"]["parameters"]}
    assert "deferred" in described["fields"]["description"]


async def test_expand_and_related_wildcard(app: App) -> None:
    expanded = await app.get(f"/{BOOKS}/1", expand="author")
    assert expanded["title"] == "Solaris"
    assert expanded["author"] == {"id": 1, "name": "Lem", "bio": "A long biography", "books": [1, 2, 3]}
    assert (await app.get(f"/{BOOKS}/7", expand="author"))["author"] is None
    starred = await app.get(f"/{BOOKS}", fields="title,author.*", genre="children")
    assert starred["results"][0] == {"title": "Moominland", "author": {
        "id": 2, "name": "Tove", "bio": "Moomins", "books": [4, 5, 6]}}
    assert (await app.bad(f"/{BOOKS}", expand="title"))["code"] == "NOT_A_RELATION"
    assert (await app.bad(f"/{BOOKS}", fields="title.*"))["code"] == "NOT_A_RELATION"
    assert (await app.bad(f"/{BOOKS}", expand="nope"))["code"] == "UNKNOWN_FIELD"


async def test_fields_exclusion_and_empty_fields(app: App) -> None:
    excluded = await app.get(f"/{BOOKS}/1", **{"fields!": "pages,genre"})
    assert excluded == {"id": 1, "title": "Solaris", "author": 1}
    empty = await app.get(f"/{BOOKS}", fields="", genre="scifi")
    assert empty["results"] == [{}, {}, {}] and empty["count"] == 3
    assert await app.get(f"/{BOOKS}/2", fields="") == {}
    response = await app.http.get(f"/{BOOKS}?fields!=a&fields!=b", headers=app.headers)
    assert response.status_code == 400 and response.json()["code"] == "REPEATED_PARAMETER"


# --- aggregate ---------------------------------------------------------------------------------------
async def test_aggregate_route(app: App) -> None:
    total = await app.get(f"/{BOOKS}/aggregate", count="id", sum="pages", max="pages", min="title")
    rows = books()
    assert total == [{"count": {"id": len(rows)}, "sum": {"pages": sum(r["pages"] for r in rows)},
                      "max": {"pages": max(r["pages"] for r in rows)}, "min": {"title": "Anonymous"}}]
    grouped = await app.get(f"/{BOOKS}/aggregate", count="id", avg="pages", group_by="genre",
                            pages__gte=100)
    expected: dict[Any, list[int]] = {}
    for r in rows:
        if r["pages"] >= 100:
            expected.setdefault(r["genre"], []).append(r["pages"])
    assert {g["genre"]: (g["count"]["id"], round(g["avg"]["pages"], 3)) for g in grouped} == {
        genre: (len(p), round(sum(p) / len(p), 3)) for genre, p in expected.items()}


async def test_aggregate_refusals(app: App) -> None:
    assert (await app.bad(f"/{BOOKS}/aggregate"))["code"] == "NO_AGGREGATE"
    assert (await app.bad(f"/{BOOKS}/aggregate", sum="nope"))["code"] == "UNKNOWN_FIELD"
    assert (await app.bad(f"/{BOOKS}/aggregate", sum="title"))["code"] == "INVALID_AGGREGATE"
    assert (await app.bad(f"/{BOOKS}/aggregate", count="id", sort="id"))["code"] == "UNKNOWN_FILTER"
    assert (await app.bad(f"/{BOOKS}/aggregate", count="id", pages__gte="x"))["code"] == "INVALID_QUERY"


# --- page links, optional count, cursor ------------------------------------------------------------------
async def test_page_links_and_optional_count(app: App) -> None:
    first = await app.get(f"/{BOOKS}", genre__isnull="false")
    assert first["count"] == 5 and first["previous"] is None
    second = (await app.http.get(first["next"], headers=app.headers)).json()
    assert [r["id"] for r in second["results"]] == [4, 5]
    assert second["next"] is None
    back = (await app.http.get(second["previous"], headers=app.headers)).json()
    assert back["results"] == first["results"]
    paged = await app.get(f"/{BOOKS}", page=2)
    assert "page=3" in paged["next"] and "page=1" in paged["previous"]
    uncounted = await app.get(f"/{BOOKS}", count="false", offset=3)
    assert uncounted["count"] is None and [r["id"] for r in uncounted["results"]] == [4, 5, 6]
    assert uncounted["next"] is not None
    last = await app.get(f"/{BOOKS}", count="false", offset=6)
    assert [r["id"] for r in last["results"]] == [7] and last["next"] is None


async def test_cursor_pages_neither_skip_nor_repeat(app: App, admin: Directus) -> None:
    assert (await app.get(f"/{BOOKS}"))["next_cursor"] is None  # offset pages unless a cursor is asked for
    first = await app.get(f"/{BOOKS}", fields="title", cursor="")
    assert first["next_cursor"] and [r["title"] for r in first["results"]] == ["Solaris", "Eden", "Fiasco"]
    # a row deleted behind the cursor does not shift the next page
    extra = (await admin.post(f"/items/{BOOKS}", json={"title": "Temp", "pages": 1}))["data"]["id"]
    await admin.delete(f"/items/{BOOKS}/1")
    try:
        second = await app.get(f"/{BOOKS}", cursor=first["next_cursor"], fields="title")
        assert [r["title"] for r in second["results"]] == ["Moominland", "Comet", "Summer Book"]
        assert second["offset"] is None and "cursor=" in second["next"]
        third = (await app.http.get(second["next"], headers=app.headers)).json()
        assert [r["title"] for r in third["results"]] == ["Anonymous", "Temp"]
        assert third["next"] is None and third["next_cursor"] is None
        down = await app.get(f"/{BOOKS}", sort="-pages", limit=2, fields="title", cursor="")
        after = await app.get(f"/{BOOKS}", sort="-pages", limit=2, cursor=down["next_cursor"])
        by_pages = sorted((r for r in books() if r["id"] != 1), key=lambda r: -r["pages"])
        assert [r["title"] for r in after["results"]] == [r["title"] for r in by_pages[2:4]]
        wrong_order = await app.bad(f"/{BOOKS}", cursor=down["next_cursor"])
        assert wrong_order["code"] == "INVALID_CURSOR"
    finally:
        await admin.delete(f"/items/{BOOKS}/{extra}")
        await admin.post(f"/items/{BOOKS}", json={"id": 1, **BOOK_ROWS[0]})
    assert (await app.bad(f"/{BOOKS}", cursor="garbage!"))["code"] == "INVALID_CURSOR"
    # a string order cannot page by keyset
    assert (await app.bad(f"/{BOOKS}", sort="title", cursor=""))["code"] == "CURSOR_UNSUPPORTED"
    assert (await app.bad(f"/{BOOKS}", cursor=first["next_cursor"], offset=3))["code"] == "INVALID_QUERY"
