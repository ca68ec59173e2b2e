"""Relations: declare them, filter across them, load them in the same request, save nested rows.
Needs DIRECTUS_URL and DIRECTUS_TOKEN (admin): creates its own docs_rel_* collections."""

from __future__ import annotations

# --8<-- [start:imports]
from typing import Annotated

from directus_orm import DirectusModel, ManyToMany

# --8<-- [end:imports]
# isort: split
import asyncio
import contextlib
import os
from typing import Any

import directus_orm
from directus_orm import DeferredFieldError, Directus, Prefetch, Q, connections
from directus_orm.exceptions import APIError

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]


# --8<-- [start:models]
class Author(DirectusModel):
    id: int | None = None
    name: str
    books: list[Book | int] = []          # one-to-many: Directus's o2m alias field

    class Meta:
        collection = "docs_rel_authors"


class Book(DirectusModel):
    id: int | None = None
    title: str
    pages: int | None = None
    author: Author | int | None = None    # many-to-one: the foreign key field
    tags: Annotated[list[Tag | int],      # many-to-many through a junction collection
                    ManyToMany(through="docs_rel_books_tags", source="books_id", target="tags_id")] = []

    class Meta:
        collection = "docs_rel_books"
        ordering = ["title"]


class Tag(DirectusModel):
    id: int | None = None
    name: str

    class Meta:
        collection = "docs_rel_tags"
# --8<-- [end:models]


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
    lem = await Author.objects.get(name="Stanislaw Lem")

    # --8<-- [start:filters]
    le = await Book.objects.filter(author__name__icontains="le")    # {"author": {"name": {"_icontains": ..}}}
    by_lem = await Book.objects.filter(author=lem)                   # an instance stands for its key
    wrote = await Author.objects.filter(books__title="Solaris")      # {"books": {"_some": {"title": ...}}}
    sf = await Book.objects.filter(tags__name="sf")                  # {"tags": {"_some": {"tags_id": {...}}}}
    idle = await Author.objects.filter(books__isnull=True)           # authors without books
    no_short = await Author.objects.filter(books__none=Q(pages__lt=200))  # explicit _none (also books__some)
    same = await Author.objects.filter(books__none__title="Solaris")  # the same, as a path
    others = await Author.objects.exclude(books__title="Solaris")    # {"books": {"_none": ...}}: no such book
    # --8<-- [end:filters]
    for label, rows in [("author name icontains 'le'", le), ("by Lem", by_lem), ("wrote Solaris", wrote),
                        ("tagged sf", sf), ("no books", idle), ("no book under 200 pages", no_short),
                        ("none titled Solaris", same), ("exclude Solaris", others)]:
        print(f"{label}:", [getattr(row, "title", None) or getattr(row, "name", None) for row in rows])

    # --8<-- [start:loading]
    books = await Book.objects.select_related("author")              # fields=*,author.id,author.name,...
    authors = await Author.objects.prefetch_related("books", "books__tags")
    recent = Prefetch("books", queryset=Book.objects.filter(pages__gt=200).order_by("-pages")[:3])
    authors = await Author.objects.prefetch_related(recent)          # deep[books][_filter|_sort|_limit]
    # --8<-- [end:loading]
    for b in books:
        assert isinstance(b.author, Author)
        print(f"  {b.title} by {b.author.name}")
    for a in authors:
        print(f"  {a.name}: books over 200 pages:", [x.title for x in a.books if isinstance(x, Book)])

    # --8<-- [start:only]
    book = await Book.objects.only("title", "author__name").get(pk=1)  # fields=id,title,author.id,author.name
    try:
        print(book.pages)
    except DeferredFieldError as exc:   # never a silent None
        print(exc)                       # Book.pages was not in the server's answer: only()/defer() ...
    print(book.deferred_fields)          # frozenset({'pages', ...})
    await book.refresh_from_db(fields=["pages"])
    slim = await Book.objects.defer("pages")                            # every field but pages
    # --8<-- [end:only]
    print("refreshed pages:", book.pages, "| deferred:", [b.deferred_fields for b in slim][:1])

    # --8<-- [start:nested]
    book = Book(title="Nested", author=Author(name="New Author"), tags=[1, Tag(name="new tag")])
    await book.save()        # one POST; Directus creates the author, the tag and the junction rows
    print(book.author.id)    # read back: the related rows come back whole and fill the instances
    # --8<-- [end:nested]
    stored = await Book.objects.prefetch_related("tags").select_related("author").get(pk=book.pk)
    print("stored:", stored.title, stored.author, [t.name for t in stored.tags if isinstance(t, Tag)])
    await connections.aclose_all()


async def run() -> None:
    try:
        await main()
    finally:
        async with Directus(URL, token=TOKEN) as admin:
            await drop_schema(admin)


if __name__ == "__main__":
    asyncio.run(run())
