"""GraphQL: raw documents with conn.graphql() and its typed errors, QuerySets over GraphQL
(using_graphql()), and several reads in one request with gather(). Needs DIRECTUS_URL and
DIRECTUS_TOKEN (admin): creates its own docs_gql_* collections."""

from __future__ import annotations

import asyncio
import contextlib
import os

import directus_orm
from directus_orm import (
    Count,
    Directus,
    DirectusModel,
    Sum,
    aggregate_of,
    connections,
    count_of,
    gather,
)
from directus_orm.exceptions import APIError, GraphQLExecutionError, GraphQLValidationError

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]


class Shelf(DirectusModel):
    id: int | None = None
    name: str
    books: list[Book | int] = []

    class Meta:
        collection = "docs_gql_shelves"


class Book(DirectusModel):
    id: int | None = None
    title: str
    pages: int | None = None
    shelf: Shelf | int | None = None

    class Meta:
        collection = "docs_gql_books"


async def drop_schema(conn: Directus) -> None:
    """Drop what this example creates (before it starts, and when it ends)."""
    for name in ("docs_gql_books", "docs_gql_shelves"):
        with contextlib.suppress(APIError):
            await conn.delete(f"/collections/{name}")


async def create_schema(conn: Directus) -> None:
    await drop_schema(conn)
    pk = {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}}
    await conn.post("/collections", json={"collection": "docs_gql_shelves", "schema": {}, "meta": {},
                                          "fields": [pk, {"field": "name", "type": "string"}]})
    await conn.post("/collections", json={"collection": "docs_gql_books", "schema": {}, "meta": {},
                                          "fields": [
        pk, {"field": "title", "type": "string"}, {"field": "pages", "type": "integer"},
        {"field": "shelf", "type": "integer"}]})
    await conn.post("/fields/docs_gql_shelves", json={"field": "books", "type": "alias",
                                                      "meta": {"special": ["o2m"]}})
    await conn.post("/relations", json={"collection": "docs_gql_books", "field": "shelf",
                                        "related_collection": "docs_gql_shelves",
                                        "meta": {"one_field": "books"}})


async def main() -> None:
    async with Directus(URL, token=TOKEN) as admin:
        await create_schema(admin)
    directus_orm.configure({"default": {"url": URL, "token": TOKEN}})
    sf, poetry = await Shelf.objects.bulk_create([Shelf(name="sf"), Shelf(name="poetry")])
    await Book.objects.bulk_create([
        Book(title="Solaris", pages=204, shelf=sf.id), Book(title="Dune", pages=412, shelf=sf.id),
        Book(title="Odes", pages=90, shelf=poetry.id), Book(title="Loose leaf", pages=3),
    ])

    # A raw document: the answer's data (GraphQL sends primary keys as strings).
    conn = connections["default"]
    data = await conn.graphql("query($f: docs_gql_books_filter) { docs_gql_books(filter: $f, sort: [\"id\"]) "
                              "{ id title shelf { name } } }", {"f": {"pages": {"_gte": 200}}})
    print("raw:", data["docs_gql_books"])
    print("system:", await conn.graphql("{ server_ping }", system=True))

    # Typed errors: a document that does not validate (HTTP 400, nothing ran) ...
    try:
        await conn.graphql("{ docs_gql_books { nope } }")
    except GraphQLValidationError as exc:
        print("validation:", exc.code, exc.extensions["errors"][0]["message"])
    # ... and a field that failed beside others that did not (HTTP 200): the partial data is kept.
    try:
        await conn.graphql("{ a: docs_gql_books_by_id(id: 999) { id } "
                           "b: docs_gql_books_by_id(id: 1) { title } }")
    except GraphQLExecutionError as exc:
        print("execution:", exc.code, "partial data:", exc.data)

    # Any QuerySet over GraphQL: the same results as over REST, keys as ints.
    long_sf = Book.objects.filter(shelf__name="sf", pages__gt=100).order_by("-pages")
    print("REST:   ", [(b.id, b.title) for b in await long_sf])
    print("GraphQL:", [(b.id, b.title) for b in await long_sf.using_graphql()])
    print("values over GraphQL:", await Book.objects.using_graphql().values("title", "shelf__name")[:2])
    print("count, aggregate:", await long_sf.using_graphql().count(),
          await Book.objects.using_graphql().aggregate(Sum("pages"), n=Count("*")))

    # A collection without a model: its fields, relations and key types are read from the GraphQL
    # schema (introspection), so many-to-one paths and filters across relations work as over REST.
    books_of_sf = directus_orm.collection("docs_gql_books").filter(shelf__name="sf").order_by("id")
    print("collection() over GraphQL:", await books_of_sf.using_graphql().values("title", "shelf__name"))
    print("  same as REST:", await books_of_sf.using_graphql() == await books_of_sf)

    # Several reads, one request: results in the order given.
    shelves, books, n_books, totals = await gather(
        Shelf.objects.prefetch_related("books").order_by("name"),
        Book.objects.filter(shelf=None),
        count_of(Book.objects.all()),
        aggregate_of(Book.objects.exclude(shelf=None), pages=Sum("pages")),
    )
    print("gather:", [(s.name, len(s.books)) for s in shelves], [b.title for b in books], n_books, totals)
    await connections.aclose_all()


async def run() -> None:
    try:
        await main()
    finally:
        async with Directus(URL, token=TOKEN) as admin:
            await drop_schema(admin)


if __name__ == "__main__":
    asyncio.run(run())
