"""Relations: declare them, filter across them, load them in the same request, save nested rows.
Needs DIRECTUS_URL and DIRECTUS_TOKEN (admin): creates its own docs_rel_* collections."""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Annotated, Any

import directus_orm
from directus_orm import Directus, DirectusModel, ManyToMany, Prefetch, Q, connections
from directus_orm.exceptions import APIError

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]


class Author(DirectusModel):
    id: int | None = None
    name: str
    books: list[Book | int] = []  # one-to-many (Directus o2m alias field): keys, or Books once loaded

    class Meta:
        collection = "docs_rel_authors"


class Tag(DirectusModel):
    id: int | None = None
    name: str

    class Meta:
        collection = "docs_rel_tags"


class Book(DirectusModel):
    id: int | None = None
    title: str
    pages: int | None = None
    author: Author | int | None = None  # many-to-one: the key, or an Author once loaded
    tags: Annotated[list[Tag | int],  # many-to-many through a junction collection
                    ManyToMany(through="docs_rel_books_tags", source="books_id", target="tags_id")] = []

    class Meta:
        collection = "docs_rel_books"
        ordering = ["title"]


async def drop_schema(conn: Directus) -> None:
    """Drop what this example creates (before it starts, and when it ends)."""
    for name in ("docs_rel_books_tags", "docs_rel_books", "docs_rel_tags", "docs_rel_authors"):
        with contextlib.suppress(APIError):
            await conn.delete(f"/collections/{name}")


async def create_schema(conn: Directus) -> None:
    """The schema, through the API (what the Directus app does when you add these relations)."""
    await drop_schema(conn)
    pk = {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}}

    def field(name: str, type_: str) -> dict[str, Any]:
        return {"field": name, "type": type_, "schema": {}, "meta": {}}

    async def collection(name: str, *fields: dict[str, Any]) -> None:
        await conn.post("/collections",
                        json={"collection": name, "schema": {}, "meta": {}, "fields": [pk, *fields]})

    await collection("docs_rel_authors", field("name", "string"))
    await collection("docs_rel_tags", field("name", "string"))
    await collection("docs_rel_books", field("title", "string"), field("pages", "integer"),
                     field("author", "integer"))
    await collection("docs_rel_books_tags", field("books_id", "integer"), field("tags_id", "integer"))
    await conn.post("/fields/docs_rel_authors",
                    json={"field": "books", "type": "alias", "meta": {"special": ["o2m"]}})
    await conn.post("/fields/docs_rel_books",
                    json={"field": "tags", "type": "alias", "meta": {"special": ["m2m"]}})
    await conn.post("/relations", json={"collection": "docs_rel_books", "field": "author",
                                        "related_collection": "docs_rel_authors",
                                        "meta": {"one_field": "books"}})
    await conn.post("/relations", json={"collection": "docs_rel_books_tags", "field": "books_id",
                                        "related_collection": "docs_rel_books",
                                        "meta": {"one_field": "tags", "junction_field": "tags_id"}})
    await conn.post("/relations", json={"collection": "docs_rel_books_tags", "field": "tags_id",
                                        "related_collection": "docs_rel_tags",
                                        "meta": {"one_field": None, "junction_field": "books_id"}})


async def main() -> None:
    async with Directus(URL, token=TOKEN) as admin:
        await create_schema(admin)
    directus_orm.configure({"default": {"url": URL, "token": TOKEN}})

    # Nested save: an unsaved Author (and new Tags) inside a Book are created by Directus with it.
    sf, fantasy = Tag(name="sf"), Tag(name="fantasy")
    book = Book(title="The Dispossessed", pages=387, author=Author(name="Ursula Le Guin"), tags=[sf])
    await book.save()
    le_guin = book.author
    assert isinstance(le_guin, Author) and le_guin.id is not None
    print("created book", book.id, "with author", le_guin.id, "and tag", sf.id)
    await Book(title="A Wizard of Earthsea", pages=183, author=le_guin.id, tags=[fantasy]).save()
    await Book(title="Solaris", pages=204, author=Author(name="Stanislaw Lem"), tags=[sf.id]).save()
    await Author(name="Nobody Yet").save()

    # Unloaded relations hold keys.
    solaris = await Book.objects.get(title="Solaris")
    print("Solaris: author key", solaris.author, "| tag keys", solaris.tags)

    # Filters across relations.
    print("by author name:", [b.title for b in await Book.objects.filter(author__name__icontains="le g")])
    print("authors with a book over 300 pages:",
          [a.name for a in await Author.objects.filter(books__pages__gt=300)])           # _some
    print("authors with no sf book:",
          [a.name for a in await Author.objects.exclude(books__tags__name="sf")])       # _none
    print("authors with no book at all:", [a.name for a in await Author.objects.filter(books__isnull=True)])
    print("explicit _none:", [a.name for a in await Author.objects.filter(books__none=Q(pages__lt=200))])
    print("books tagged sf:", [b.title for b in await Book.objects.filter(tags__name="sf")])

    # Related rows in the same request.
    for b in await Book.objects.select_related("author"):
        assert isinstance(b.author, Author)
        print(f"  {b.title} by {b.author.name}")
    long_books = Prefetch("books", queryset=Book.objects.filter(pages__gt=190).order_by("-pages")[:1])
    for a in await Author.objects.prefetch_related(long_books).order_by("name"):
        print(f"  {a.name}: longest book over 190 pages:", [x.title for x in a.books if isinstance(x, Book)])
    for b in await Book.objects.prefetch_related("tags"):
        print(f"  {b.title}: tags", [t.name for t in b.tags if isinstance(t, Tag)])

    # only(): fields that were not read raise instead of pretending to be None.
    slim = await Book.objects.only("title", "author__name").get(title="Solaris")
    try:
        print(slim.pages)
    except directus_orm.DeferredFieldError as exc:
        print("deferred:", exc)
    await connections.aclose_all()


async def run() -> None:
    try:
        await main()
    finally:
        async with Directus(URL, token=TOKEN) as admin:
            await drop_schema(admin)


if __name__ == "__main__":
    asyncio.run(run())
