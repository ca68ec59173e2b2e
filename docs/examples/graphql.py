"""GraphQL: raw documents with conn.graphql() and its typed errors, QuerySets over GraphQL
(using_graphql()), and several reads in one request with gather(). Needs DIRECTUS_URL and
DIRECTUS_TOKEN (admin): creates its own docs_graphql_* collections (it stops if one exists already)
and drops them at the end."""

from __future__ import annotations

import asyncio
import os

from pydantic import Field

import directus_orm
from directus_orm import Count, DirectusModel, Sum, connections
from directus_orm.exceptions import Forbidden, GraphQLExecutionError, GraphQLValidationError
from directus_orm.schema import SchemaTools

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]


class Author(DirectusModel):
    id: int | None = None
    name: str
    country: str | None = None
    books: list[Book | int] = Field(default_factory=list)

    class Meta:
        collection = "docs_graphql_authors"


class Book(DirectusModel):
    id: int | None = None
    title: str
    pages: int | None = None
    price: float | None = None
    author: Author | int | None = None

    class Meta:
        collection = "docs_graphql_books"


class Tag(DirectusModel):
    id: int | None = None
    name: str

    class Meta:
        collection = "docs_graphql_tags"


MODELS = [Author, Book, Tag]


async def seed() -> None:
    le_guin, lem, herbert = await Author.objects.bulk_create([
        Author(name="Ursula K. Le Guin", country="US"), Author(name="Stanislaw Lem", country="PL"),
        Author(name="Frank Herbert", country="US")])
    await Book.objects.bulk_create([
        Book(title="The Dispossessed", pages=387, price=9.5, author=le_guin.id),
        Book(title="Solaris", pages=204, price=8.0, author=lem.id),
        Book(title="Dune", pages=412, price=11.0, author=herbert.id),
        Book(title="The Word for World Is Forest", pages=189, price=7.0, author=le_guin.id),
        Book(title="Loose leaf", pages=3)])
    await Tag.objects.bulk_create([Tag(name="classic"), Tag(name="anarchism"), Tag(name="desert")])


async def raw_documents() -> None:
    conn = connections["default"]
    # --8<-- [start:raw]
    data = await conn.graphql(
        "query($f: docs_graphql_books_filter) "
        "{ docs_graphql_books(filter: $f) { id title author { name } } }",
        {"f": {"pages": {"_gte": 200}}},   # a filter has the REST filter's shape
    )
    ping = await conn.graphql("{ server_ping }", system=True)     # /graphql/system
    # --8<-- [end:raw]
    print("raw:", data["docs_graphql_books"])
    print("system:", ping)

    # Typed errors: a document that does not validate (HTTP 400, nothing ran) ...
    try:
        await conn.graphql("{ docs_graphql_books { nope } }")
    except GraphQLValidationError as exc:
        print("validation:", exc.code, exc.extensions["errors"][0]["message"])
    # ... and a field that failed beside others that did not (HTTP 200): the partial data is kept.
    try:
        await conn.graphql("{ a: docs_graphql_books_by_id(id: 999) { id } "
                           "b: docs_graphql_books_by_id(id: 1) { title } }")
    except GraphQLExecutionError as exc:
        print("execution:", exc.code, "partial data:", exc.data)
    # ... which is also the class REST raises for its code: `except Forbidden:` works on both paths.
    try:
        await conn.graphql("{ docs_graphql_books_by_id(id: 999) { id } }")
    except Forbidden as exc:
        print("forbidden:", type(exc).__qualname__, isinstance(exc, GraphQLExecutionError))


def raw_from_sync_code() -> None:
    conn = connections["default"]
    # --8<-- [start:raw-sync]
    conn.sync.graphql("{ server_ping }", system=True)            # sync face
    # --8<-- [end:raw-sync]
    print("sync:", conn.sync.graphql("{ server_ping }", system=True))


async def querysets() -> None:
    # --8<-- [start:using-graphql]
    qs = Book.objects.filter(author__country="US", pages__gt=200).order_by("-pages")
    books = await qs.using_graphql()                  # the same list as `await qs`
    await qs.using_graphql().count()                  # countAll
    await Book.objects.using_graphql().aggregate(Sum("price"), n=Count("*"))
    await Book.objects.using_graphql().values("title", "author__name")[:10]
    # --8<-- [end:using-graphql]
    print("REST:   ", [(b.id, b.title) for b in await qs])
    print("GraphQL:", [(b.id, b.title) for b in books])
    print("count, aggregate:", await qs.using_graphql().count(),
          await Book.objects.using_graphql().aggregate(Sum("price"), n=Count("*")))
    print("values over GraphQL:", await Book.objects.using_graphql().values("title", "author__name")[:2])

    # A collection without a model: its fields, relations and key types are read from the GraphQL
    # schema (introspection), so many-to-one paths and filters across relations work as over REST.
    by_us_authors = directus_orm.collection("docs_graphql_books").filter(author__country="US").order_by("id")
    print("collection() over GraphQL:", await by_us_authors.using_graphql().values("title", "author__name"))
    print("  same as REST:", await by_us_authors.using_graphql() == await by_us_authors)


async def batched() -> None:
    # --8<-- [start:gather]
    from directus_orm import aggregate_of, count_of, gather

    authors, n_books, stats, tags = await gather(
        Author.objects.filter(country="US"),
        count_of(Book.objects.all()),
        aggregate_of(Book.objects.filter(pages__gt=100), Sum("price"), n=Count("*")),
        Tag.objects.order_by("name"),
    )
    # --8<-- [end:gather]
    print("gather:", [a.name for a in authors], n_books, stats, [t.name for t in tags])


async def main() -> None:
    conn = connections["default"]
    names = {m._meta.collection for m in MODELS}
    taken = names & {c["collection"] for c in (await conn.get("/collections"))["data"]}
    if taken:
        raise SystemExit(f"{sorted(taken)} exist already: this example leaves them alone")
    try:
        await SchemaTools().migrate(MODELS)
        await seed()
        await raw_documents()
        await asyncio.to_thread(raw_from_sync_code)
        await querysets()
        await batched()
    finally:
        for name in ("docs_graphql_books", "docs_graphql_authors", "docs_graphql_tags"):
            await conn.delete(f"/collections/{name}")
        await connections.aclose_all()


if __name__ == "__main__":
    directus_orm.configure({"default": {"url": URL, "token": TOKEN}})
    asyncio.run(main())
