"""Schema tools: create collections from models (migrate), check them, and inspect them back; Directus type
markers, a many-to-any field, a sized decimal field, and a project's own field on directus_users.

Run with DIRECTUS_URL and DIRECTUS_TOKEN (an admin token) set. Creates its own docs_schema_* collections
(it stops if one exists already) and drops them; adds directus_users.shoe_size only when the project
lacks it, and removes it again."""

# The sections the page shows carry their own imports: repeated, and below the module's code.
# ruff: noqa: E402, F811

from __future__ import annotations

import asyncio
import datetime

from pydantic import Field

import directus_orm
from directus_orm import DirectusModel, connections
from directus_orm.schema import SchemaTools


class Author(DirectusModel):
    id: int | None = None
    name: str
    books: list[Book | int] = Field(default_factory=list)

    class Meta:
        collection = "docs_schema_authors"


class Book(DirectusModel):
    id: int | None = None
    title: str
    pages: int | None = None
    author: Author | int | None = None

    class Meta:
        collection = "docs_schema_books"


# --8<-- [start:markers]
from typing import Annotated

from directus_orm.schema import DirectusType


class Article(DirectusModel):
    body: Annotated[str | None, DirectusType("text")] = None
    created: Annotated[datetime.datetime | None, DirectusType("timestamp", special=("date-created",))] = None
# --8<-- [end:markers]

    id: int | None = None

    class Meta:
        collection = "docs_schema_articles"


class Quote(DirectusModel):
    id: int | None = None
    text: str | None = None

    class Meta:
        collection = "docs_schema_quotes"


class Heading(DirectusModel):
    id: int | None = None
    title: str | None = None

    class Meta:
        collection = "docs_schema_headings"


# --8<-- [start:decimal]
import decimal

from pydantic import Field


class Invoice(DirectusModel):
    id: int | None = None
    total: decimal.Decimal = Field(max_digits=14, decimal_places=2)    # numeric(14, 2)
    rate: decimal.Decimal | None = None                                 # Directus's numeric(10, 5)
# --8<-- [end:decimal]

    class Meta:
        collection = "docs_schema_invoices"


# --8<-- [start:many-to-any]
from typing import Annotated

from pydantic import Field

from directus_orm.schema import ManyToAny


class Page(DirectusModel):
    id: int | None = None
    blocks: Annotated[list[int], ManyToAny(through="docs_schema_pages_blocks", source="pages_id",
                                           allowed=("docs_schema_quotes", "docs_schema_headings"))] = Field(
        default_factory=list)
# --8<-- [end:many-to-any]

    class Meta:
        collection = "docs_schema_pages"


MODELS = [Author, Book, Article, Quote, Heading, Page, Invoice]
COLLECTIONS = ["docs_schema_invoices", "docs_schema_pages_blocks", "docs_schema_pages",
               "docs_schema_headings", "docs_schema_quotes", "docs_schema_articles", "docs_schema_books",
               "docs_schema_authors"]


async def check_at_start_up() -> None:
    # --8<-- [start:check]
    import directus_orm

    differences = await directus_orm.check([Book, Author])     # [] when the server matches
    for d in differences:
        print(d.drift, d.message)     # field_missing, type_mismatch, nullable_mismatch, max_length_mismatch,
                                      # precision_mismatch, special_mismatch, relation_missing ...

    differences = await Book.check()               # one model, on its connection (using= another alias)
    # --8<-- [end:check]
    print("check([Book, Author]):", await directus_orm.check([Book, Author]), "Book.check():", differences)


def check_from_sync_code() -> None:
    # --8<-- [start:check-sync]
    differences = Book.sync.check()                # the blocking form, from synchronous code
    # --8<-- [end:check-sync]
    print("Book.sync.check():", differences)


async def decimal_sizes() -> None:
    conn = connections["default"]
    for name in ("total", "rate"):
        schema = (await conn.get(f"/fields/docs_schema_invoices/{name}"))["data"]["schema"]
        # PostgreSQL: 14 2 and 10 5; SQLite keeps no precision (None None)
        print(f"{name}: precision", schema["numeric_precision"], "scale", schema["numeric_scale"])
    # --8<-- [start:decimal-refused]
    from pydantic import ValidationError

    invoice = await Invoice.objects.create(total=decimal.Decimal("123456789012.34"))    # fits: stored whole
    try:
        invoice.total = decimal.Decimal("0.125")      # 3 decimal places: the column would round it
    except ValidationError as exc:
        print("refused:", exc.errors()[0]["msg"])
    # --8<-- [end:decimal-refused]
    print("stored:", (await conn.get(f"/items/docs_schema_invoices/{invoice.pk}"))["data"]["total"])


async def system_collection_fields() -> None:
    """A project's own field on directus_users, added by migrate (only when the project lacks it)."""
    conn = connections["default"]
    had_it = "shoe_size" in {f["field"] for f in (await conn.get("/fields/directus_users"))["data"]}

    # --8<-- [start:system]
    from directus_orm.system import DirectusUser

    class Agent(DirectusUser):
        shoe_size: int | None = None
    # --8<-- [end:system]

    try:
        print("migrate Agent:", [step.message for step in await SchemaTools().migrate([Agent])])
        print("Agent.check():", await Agent.check())
    finally:
        if not had_it:
            await conn.delete("/fields/directus_users/shoe_size")


async def main() -> None:
    tools = SchemaTools()
    conn = connections["default"]
    taken = set(COLLECTIONS) & {c["collection"] for c in (await conn.get("/collections"))["data"]}
    if taken:
        raise SystemExit(f"{sorted(taken)} exist already: this example leaves them alone")
    try:
        for step in await tools.plan(MODELS):
            print("plan:", step.kind, step.message)
        await tools.migrate(MODELS)
        print("second migrate:", await tools.migrate(MODELS))          # []: nothing to change
        await check_at_start_up()
        await asyncio.to_thread(check_from_sync_code)
        print("Page.check():", await Page.check())
        print(await tools.inspect(["docs_schema_pages"]))
        await decimal_sizes()
        await system_collection_fields()
    finally:
        for name in COLLECTIONS:
            if name not in taken:
                await conn.delete(f"/collections/{name}")
        await connections.aclose_all()


if __name__ == "__main__":
    import os

    directus_orm.configure({"default": {"url": os.environ["DIRECTUS_URL"],
                                        "token": os.environ["DIRECTUS_TOKEN"]}})
    asyncio.run(main())
