"""A schema covering every Directus field type and relation kind, built through the API (for the
schema tools' tests). ``build(conn, prefix)`` creates it, ``drop(conn, prefix)`` removes it."""

from __future__ import annotations

import contextlib
from typing import Any

from directus_orm import Directus
from directus_orm.exceptions import APIError
from tests.support.server import server_database


def _f(name: str, type_: str, *, special: list[str] | None = None, **schema: Any) -> dict[str, Any]:
    return {"field": name, "type": type_, "meta": {"special": special}, "schema": schema}


def _alias(name: str, special: str) -> dict[str, Any]:
    return {"field": name, "type": "alias", "meta": {"special": [special]}}


def names(prefix: str) -> dict[str, str]:
    return {k: f"{prefix}_{k}" for k in ("authors", "books", "tags", "books_tags", "langs", "tokens",
                                          "settings", "pages", "pages_blocks", "quotes")}


async def build(conn: Directus, prefix: str, *, m2a: bool = True) -> dict[str, str]:
    n = names(prefix)
    await drop(conn, prefix)
    auto = {"field": "id", "type": "integer", "meta": {"hidden": True},
            "schema": {"is_primary_key": True, "has_auto_increment": True}}

    async def collection(name: str, fields: list[dict[str, Any]], pk: dict[str, Any] | None = None,
                         singleton: bool = False) -> None:
        await conn.post("/collections", json={"collection": name, "schema": {},
                                              "meta": {"singleton": singleton},
                                              "fields": [pk or auto, *fields]})

    await collection(n["authors"], [
        _f("name", "string", is_nullable=False),
        _f("bio", "text"),
        _f("born", "date"),
        _f("rating", "float"),
        _f("active", "boolean", special=["cast-boolean"], default_value=True),
        _f("user_created", "uuid", special=["user-created"]),
        _f("date_created", "timestamp", special=["date-created"]),
    ])
    await collection(n["books"], [
        _f("title", "string", is_nullable=False),
        _f("price", "decimal", numeric_precision=10, numeric_scale=2),
        _f("pages", "integer", default_value=100),
        _f("copies", "bigInteger"),
        _f("published_at", "dateTime"),
        _f("reading_time", "time"),
        _f("meta", "json", special=["cast-json"]),
        _f("keywords", "csv", special=["cast-csv"]),
        _f("author", "integer", special=["m2o"]),
        _f("status", "string", is_nullable=False, default_value="draft"),
    ])
    await collection(n["tags"], [_f("name", "string")])
    await collection(n["books_tags"], [_f("books_id", "integer"), _f("tags_id", "integer")])
    await collection(n["langs"], [_f("name", "string")],
                     pk={"field": "code", "type": "string", "schema": {"is_primary_key": True}})
    await collection(n["tokens"], [_f("secret", "hash", special=["hash"]), _f("lang", "string")],
                     pk={"field": "id", "type": "uuid", "meta": {"special": ["uuid"]},
                         "schema": {"is_primary_key": True}})
    # The harness's PostgreSQL has no PostGIS: there a geometry column cannot be created at all.
    geometry = [_f("area", "geometry.Point")] if server_database() == "sqlite" else []
    await collection(n["settings"], [_f("site_name", "string"), *geometry], singleton=True)
    rels: list[dict[str, Any]] = [
        {"collection": n["authors"], "field": "user_created", "related_collection": "directus_users"},
        {"collection": n["books"], "field": "author", "related_collection": n["authors"],
         "meta": {"one_field": "books"}},
        {"collection": n["books_tags"], "field": "books_id", "related_collection": n["books"],
         "meta": {"one_field": "tags", "junction_field": "tags_id"}},
        {"collection": n["books_tags"], "field": "tags_id", "related_collection": n["tags"],
         "meta": {"junction_field": "books_id"}},
        {"collection": n["tokens"], "field": "lang", "related_collection": n["langs"]},
    ]
    await conn.post(f"/fields/{n['authors']}", json=_alias("books", "o2m"))
    await conn.post(f"/fields/{n['books']}", json=_alias("tags", "m2m"))
    if m2a:
        await collection(n["quotes"], [_f("text", "text")])
        await collection(n["pages"], [_f("title", "string")])
        await collection(n["pages_blocks"], [_f("pages_id", "integer"), _f("item", "string"),
                                             _f("collection", "string")])
        await conn.post(f"/fields/{n['pages']}", json=_alias("blocks", "m2a"))
        rels += [
            {"collection": n["pages_blocks"], "field": "item", "related_collection": None,
             "meta": {"one_allowed_collections": [n["quotes"], n["tags"]],
                      "one_collection_field": "collection",
                      "junction_field": "pages_id"}},
            {"collection": n["pages_blocks"], "field": "pages_id", "related_collection": n["pages"],
             "meta": {"one_field": "blocks", "junction_field": "item"}},
        ]
    for rel in rels:
        await conn.post("/relations", json=rel)
    return n


async def drop(conn: Directus, prefix: str) -> None:
    """Drop the prefix's collections (several passes: a collection others point at goes last)."""
    for _ in range(5):
        rows = [r["collection"] for r in (await conn.get("/collections"))["data"]
                if r["collection"].startswith(f"{prefix}_")]
        if not rows:
            return
        for name in rows:
            with contextlib.suppress(APIError):
                await conn.delete(f"/collections/{name}")
