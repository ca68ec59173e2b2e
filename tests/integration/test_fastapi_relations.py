"""``DirectusRouter`` over the relational schema (``relational_schema``: authors, books m2o author, tags m2m):
nested sparse fieldsets checked through the model's relations and pushed down to Directus, and list
filters across relations (with Django's same-row meaning on to-many ones).

Expected answers are computed in plain Python from ``relational_schema.ROWS``; what the app asks Directus
is recorded with an httpx event hook.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI

from directus_orm import ConnectionPool, Directus, DirectusModel, FieldError, ManyToMany
from directus_orm.contrib.fastapi import DirectusDependency, DirectusRouter, install_exception_handlers
from tests.conftest import ServerInfo
from tests.integration import relational_schema as rs
from tests.integration.test_fastapi import bearer

pytestmark = pytest.mark.integration

R = rs.ROWS
AUTHORS = {a["id"]: a for a in R[rs.AUTHORS]}
TAGS = {t["id"]: t for t in R[rs.TAGS]}


class Author(DirectusModel):
    id: int | None = None
    name: str
    country: str | None = None
    born: datetime.date | None = None
    books: list[Book | int] = []

    class Meta:
        collection = rs.AUTHORS
        ordering = ["id"]


class Tag(DirectusModel):
    id: int | None = None
    name: str

    class Meta:
        collection = rs.TAGS
        ordering = ["id"]


class Book(DirectusModel):
    id: int | None = None
    title: str
    author: Author | int | None = None
    price: Decimal | None = None
    pages: int | None = None
    published: datetime.date | None = None
    tags: Annotated[list[Tag | int],
                    ManyToMany(through=rs.BOOKS_TAGS, source="books_id", target="tags_id")] = []

    class Meta:
        collection = rs.BOOKS
        ordering = ["id"]


AUTHOR_FIELDS = ["id", "name", "country", "born", "books"]


def tags_of(book_id: int) -> list[str]:
    return sorted(TAGS[j["tags_id"]]["name"] for j in R[rs.BOOKS_TAGS] if j["books_id"] == book_id)


@dataclass
class App:
    http: httpx.AsyncClient
    sent: list[httpx.Request]
    headers: dict[str, str] = field(repr=False)  # the admin token: kept out of failure reports

    async def get(self, path: str, **query: Any) -> Any:
        response = await self.http.get(path, params=query, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def bad(self, path: str, **query: Any) -> dict[str, Any]:
        self.sent.clear()
        response = await self.http.get(path, params=query, headers=self.headers)
        assert response.status_code == 400, response.text
        # refused before any query: only the dependency's /users/me check went out
        assert [r.url.path for r in self.sent] == ["/users/me"]
        body: dict[str, Any] = response.json()
        return body

    def reads(self, collection: str) -> list[httpx.Request]:
        return [r for r in self.sent if r.url.path == f"/items/{collection}"]


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
    api = FastAPI(lifespan=directus.lifespan)
    install_exception_handlers(api)
    api.include_router(DirectusRouter(
        Book, directus=directus, routes=("list", "retrieve"),
        filter_fields=["id", "title", "pages", "author", "author__name", "tags.name"]))
    api.include_router(DirectusRouter(Author, directus=directus, routes=("list", "retrieve"),
                                      filter_fields=["name", "books__title", "books__pages"]))
    # The default allow-list: the model's own fields, no relation paths.
    api.include_router(DirectusRouter(Book, directus=directus, prefix="/plain-books", routes=("list",)))
    async with api.router.lifespan_context(api), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api), base_url="http://testserver"
    ) as http:
        yield App(http, sent, bearer(directus_server.token))
    await pool.aclose()


# --- nested sparse fieldsets ----------------------------------------------------------------------
async def test_nested_fields_come_back_nested_with_exactly_the_asked_keys(app: App) -> None:
    app.sent.clear()
    page = await app.get(f"/{rs.BOOKS}", fields="id,title,author.name")
    expected = [{"id": b["id"], "title": b["title"],
                 "author": None if b["author"] is None else {"name": AUTHORS[b["author"]]["name"]}}
                for b in sorted(R[rs.BOOKS], key=lambda b: b["id"])]
    assert page["results"] == expected
    assert page["count"] == len(R[rs.BOOKS])
    # One request (rows + count); the columns asked for, plus the key of the related row read through
    # (it tells a book without author - "author": null - from an author with a null name).
    (read,) = app.reads(rs.BOOKS)
    assert read.url.params["fields"].split(",") == ["id", "title", "author.id", "author.name"]
    assert "filter_count" in read.url.params["meta"]


async def test_flat_fields_send_exactly_those_columns(app: App) -> None:
    app.sent.clear()
    page = await app.get(f"/{rs.BOOKS}", fields="title,price,published", limit=3, offset=1)
    rows = sorted(R[rs.BOOKS], key=lambda b: b["id"])[1:4]
    assert [{**r, "price": Decimal(r["price"])} for r in page["results"]] == [
        {"title": b["title"], "price": Decimal(b["price"]), "published": b["published"]} for b in rows]
    # the same JSON as the whole rows give
    whole = await app.get(f"/{rs.BOOKS}", limit=3, offset=1)
    assert page["results"] == [{k: r[k] for k in ("title", "price", "published")} for r in whole["results"]]
    app.sent.clear()
    page = await app.get(f"/{rs.BOOKS}", fields="title,price,published", limit=3, offset=1)
    (read,) = app.reads(rs.BOOKS)
    assert read.url.params["fields"] == "title,price,published"
    assert (page["count"], page["limit"], page["offset"]) == (len(R[rs.BOOKS]), 3, 1)


async def test_to_many_fields_nest_as_lists(app: App) -> None:
    authors = await app.get(f"/{rs.AUTHORS}", fields="name,books.title")
    got = {a["name"]: sorted(b["title"] for b in a["books"]) for a in authors["results"]}
    assert got == {a["name"]: sorted(b["title"] for b in R[rs.BOOKS] if b["author"] == a["id"])
                   for a in R[rs.AUTHORS]}
    assert all(set(a) == {"name", "books"} for a in authors["results"])
    books = await app.get(f"/{rs.BOOKS}", fields="title,tags.name")
    assert {b["title"]: sorted(t["name"] for t in b["tags"]) for b in books["results"]} == {
        b["title"]: tags_of(b["id"]) for b in R[rs.BOOKS]}
    keys = await app.get(f"/{rs.BOOKS}/1", fields="tags")   # unloaded many-to-many: the tags' keys
    assert sorted(keys["tags"]) == sorted(j["tags_id"] for j in R[rs.BOOKS_TAGS] if j["books_id"] == 1)


async def test_retrieve_and_omit_with_nested_paths(app: App) -> None:
    solaris = await app.get(f"/{rs.BOOKS}/3", fields="title,author.name,author.country")
    assert solaris == {"title": "Solaris", "author": {"name": "Stanislaw Lem", "country": "PL"}}
    trimmed = await app.get(f"/{rs.BOOKS}/3", fields="title,author.name,author.country",
                            omit="author.country")
    assert trimmed == {"title": "Solaris", "author": {"name": "Stanislaw Lem"}}
    whole = await app.get(f"/{rs.BOOKS}/3", omit="tags,price,published,pages")
    assert whole == {"id": 3, "title": "Solaris", "author": 2}


@pytest.mark.parametrize("query, at, valid", [
    ({"fields": "id,author.nope"}, "author", AUTHOR_FIELDS),
    ({"fields": "title,author.books.nope"}, "author.books", ["id", "title", "author", "price", "pages",
                                                             "published", "tags"]),
    ({"fields": "tags.nope"}, "tags", ["id", "name"]),
    ({"fields": "nope.name"}, "", ["id", "title", "author", "price", "pages", "published", "tags"]),
    ({"fields": "title.name"}, "", ["id", "title", "author", "price", "pages", "published", "tags"]),
    ({"omit": "author.nope"}, "author", AUTHOR_FIELDS),
])
async def test_unknown_nested_field_is_400_listing_the_valid_names_at_its_level(
    app: App, query: dict[str, str], at: str, valid: list[str]
) -> None:
    body = await app.bad(f"/{rs.BOOKS}", **query)
    assert body["code"] == "UNKNOWN_FIELD"
    assert body["valid"] == valid and body["at"] == at
    assert (query.get("fields") or query["omit"]).split(",")[-1] in body["detail"]


# --- filters across relations ----------------------------------------------------------------------
async def test_filter_across_many_to_one(app: App) -> None:
    page = await app.get(f"/{rs.BOOKS}", author__name__icontains="le", fields="id")
    expected = [b["id"] for b in R[rs.BOOKS]
                if b["author"] is not None and "le" in AUTHORS[b["author"]]["name"].lower()]
    assert [r["id"] for r in page["results"]] == sorted(expected)
    assert page["count"] == len(expected) and expected    # Le Guin and Lem
    by_key = await app.get(f"/{rs.BOOKS}", author="4", fields="title")
    assert [r["title"] for r in by_key["results"]] == [b["title"] for b in R[rs.BOOKS] if b["author"] == 4]
    without = await app.get(f"/{rs.BOOKS}", author__isnull="true", fields="id")
    assert [r["id"] for r in without["results"]] == [b["id"] for b in R[rs.BOOKS] if b["author"] is None]


async def test_filter_across_to_many_has_django_same_row_meaning(app: App) -> None:
    solaris = await app.get(f"/{rs.AUTHORS}", books__title="Solaris", fields="id")
    assert [r["id"] for r in solaris["results"]] == [
        a["id"] for a in R[rs.AUTHORS] if any(b["author"] == a["id"] and b["title"] == "Solaris"
                                              for b in R[rs.BOOKS])]
    # Both conditions on the same book: Le Guin has a "the" book and a short book, but not one book that
    # is both, so only Lem (The Cyberiad, 295 pages) matches.
    same_row = await app.get(f"/{rs.AUTHORS}", books__title__icontains="the", books__pages__lt="300",
                             fields="id")
    expected = [a["id"] for a in R[rs.AUTHORS]
                if any(b["author"] == a["id"] and "the" in b["title"].lower() and b["pages"] < 300
                       for b in R[rs.BOOKS])]
    assert [r["id"] for r in same_row["results"]] == expected == [2]
    assert same_row["count"] == 1
    sf = await app.get(f"/{rs.BOOKS}", tags__name="sf", fields="id")
    assert [r["id"] for r in sf["results"]] == [b["id"] for b in R[rs.BOOKS] if "sf" in tags_of(b["id"])]


async def test_sort_across_a_relation(app: App) -> None:
    page = await app.get(f"/{rs.BOOKS}", sort="-author.name,title", author__isnull="false",
                         fields="title,author.name")
    with_author = [b for b in R[rs.BOOKS] if b["author"] is not None]
    ordered = sorted(sorted(with_author, key=lambda b: b["title"]),
                     key=lambda b: AUTHORS[b["author"]]["name"], reverse=True)
    assert [r["title"] for r in page["results"]] == [b["title"] for b in ordered]


@pytest.mark.parametrize("path, query", [
    (f"/{rs.BOOKS}", {"author__country": "US"}),          # a relation path not in filter_fields
    (f"/{rs.BOOKS}", {"author__nope": "x"}),               # no such field on Author
    (f"/{rs.BOOKS}", {"nope__name": "x"}),
    (f"/{rs.BOOKS}", {"tags__books__title": "x"}),          # Tag declares no books relation
    (f"/{rs.AUTHORS}", {"books__price__gt": "10"}),        # books__price is not listed
    ("/plain-books", {"author__name__icontains": "le"}),   # default: own fields only
])
async def test_unknown_or_disallowed_filter_path_is_400(app: App, path: str, query: dict[str, str]) -> None:
    body = await app.bad(path, **query)
    assert body["code"] == "UNKNOWN_FILTER"
    assert repr(next(iter(query))) in body["detail"]
    if path == f"/{rs.BOOKS}":
        assert body["valid"] == sorted(["id", "title", "pages", "author", "author__name", "tags__name"])


async def test_bad_lookup_or_value_on_a_relation_path_is_400(app: App) -> None:
    # no _gt on strings; no such lookup
    assert (await app.bad(f"/{rs.BOOKS}", author__name__gt="a"))["code"] == "INVALID_QUERY"
    assert (await app.bad(f"/{rs.BOOKS}", author__name__bogus="a"))["code"] == "INVALID_QUERY"
    twice = await app.http.get(f"/{rs.BOOKS}", params=[("author__name", "A"), ("author__name", "B")],
                               headers=app.headers)
    assert twice.status_code == 400 and twice.json()["code"] == "REPEATED_PARAMETER"   # not "last one wins"


async def test_default_router_filters_own_fields_and_relation_keys(app: App) -> None:
    page = await app.get("/plain-books", author="1", pages__gt="200", fields="id")
    assert [r["id"] for r in page["results"]] == [
        b["id"] for b in R[rs.BOOKS] if b["author"] == 1 and b["pages"] > 200]


def test_filter_fields_are_checked_when_the_router_is_built() -> None:
    with pytest.raises(FieldError, match="nope"):
        DirectusRouter(Book, filter_fields=["author__nope"])
    with pytest.raises(FieldError, match="nope"):
        DirectusRouter(Book, filter_fields=["nope"])


async def test_openapi_describes_the_relational_routes(app: App) -> None:
    response = await app.http.get("/openapi.json")
    assert response.status_code == 200, response.text
    listing = response.json()["paths"][f"/{rs.BOOKS}"]["get"]
    assert "author__name" in listing["description"] and "tags__name" in listing["description"]
    fields = next(p for p in listing["parameters"] if p["name"] == "fields")
    assert "author.name" in fields["description"]
