"""Generated Create/Update schemas of a model naming a model declared later (the Author/Book pattern):
``/openapi.json`` answers 200 whether the router is built before or after the later model exists."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from directus_orm import DirectusModel
from directus_orm.contrib.fastapi import DirectusRouter


class SchemaAuthor(DirectusModel):
    id: int | None = None
    name: str
    books: list[SchemaBook | int] = []

    class Meta:
        collection = "unit_schema_authors"


#: Built while SchemaBook does not exist yet: its schemas are resolved at first use.
early = DirectusRouter(SchemaAuthor, prefix="/early-authors")


class SchemaBook(DirectusModel):
    id: int | None = None
    title: str
    author: SchemaAuthor | int | None = None

    class Meta:
        collection = "unit_schema_books"


async def openapi(*routers: DirectusRouter[Any]) -> dict[str, object]:
    app = FastAPI()
    for router in routers:
        app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        response = await http.get("/openapi.json")
    assert response.status_code == 200, response.text
    schema: dict[str, object] = response.json()
    return schema


async def test_openapi_with_a_model_declared_later() -> None:
    schema = await openapi(DirectusRouter(SchemaAuthor), DirectusRouter(SchemaBook))
    components = schema["components"]["schemas"]  # type: ignore[index]
    assert set(components["SchemaAuthorCreate"]["properties"]) == {"name", "books"}
    books = components["SchemaAuthorCreate"]["properties"]["books"]["items"]["anyOf"]
    assert {"type": "integer"} in books and any("$ref" in b for b in books)
    assert set(components["SchemaAuthorUpdate"]["properties"]) == {"name", "books"}
    assert set(components["SchemaBookCreate"]["properties"]) == {"title", "author"}
    assert "/unit_schema_authors" in schema["paths"]  # type: ignore[operator]


async def test_openapi_with_a_router_built_before_the_later_model() -> None:
    schema = await openapi(early)
    components = schema["components"]["schemas"]  # type: ignore[index]
    assert set(components["SchemaAuthorCreate"]["properties"]) == {"name", "books"}
    assert "/early-authors/{pk}" in schema["paths"]  # type: ignore[operator]


async def test_server_values_are_left_out_of_the_derived_schemas() -> None:
    router = DirectusRouter(SchemaBook, server_values={"author": lambda request: 1})
    components = (await openapi(router))["components"]["schemas"]  # type: ignore[index]
    assert set(components["SchemaBookCreate"]["properties"]) == {"title"}
    assert set(components["SchemaBookUpdate"]["properties"]) == {"title"}
