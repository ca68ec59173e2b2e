"""Schema tools: create collections from models (migrate), check them, and inspect them back.

Run with DIRECTUS_URL and DIRECTUS_TOKEN (an admin token) set; drops what it creates."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

from pydantic import Field

from directus_orm import DirectusModel, check, connections
from directus_orm.exceptions import APIError
from directus_orm.schema import ManyToAny, SchemaTools


class ExSchemaAuthor(DirectusModel):
    id: int | None = None
    name: str
    books: list[ExSchemaBook | int] = Field(default_factory=list)

    class Meta:
        collection = "ex_schema_authors"


class ExSchemaBook(DirectusModel):
    id: int | None = None
    title: str
    pages: int | None = None
    author: ExSchemaAuthor | int | None = None

    class Meta:
        collection = "ex_schema_books"


class ExSchemaPage(DirectusModel):
    """A page made of blocks from several collections (a many-to-any, through a junction that migrate
    creates: ex_schema_pages_blocks with pages_id, item and collection)."""

    id: int | None = None
    title: str | None = None
    blocks: Annotated[list[int], ManyToAny(through="ex_schema_pages_blocks", source="pages_id",
                                           allowed=("ex_schema_books", "ex_schema_authors"))] = Field(
        default_factory=list)

    class Meta:
        collection = "ex_schema_pages"


async def main() -> None:
    tools = SchemaTools()
    models = [ExSchemaAuthor, ExSchemaBook, ExSchemaPage]
    try:
        for step in await tools.plan(models):
            print("plan:", step.kind, step.message)
        await tools.migrate(models)
        print("second migrate:", await tools.migrate(models))          # []: nothing to change
        print("check:", await check(models))                            # []: no drift
        print("ExSchemaPage.check():", await ExSchemaPage.check())     # one model, its connection
        print(await tools.inspect(["ex_schema_pages"]))
    finally:
        conn = connections["default"]
        for name in ("ex_schema_pages_blocks", "ex_schema_pages", "ex_schema_books", "ex_schema_authors"):
            with contextlib.suppress(APIError):
                await conn.delete(f"/collections/{name}")
        await connections.aclose_all()


asyncio.run(main())
