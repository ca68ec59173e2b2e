"""Create the example schema and rows through the Directus API (idempotent on a fresh server)."""

from __future__ import annotations

from typing import Any

from directus_orm import Directus
from directus_orm.exceptions import APIError

LANGUAGES: list[dict[str, Any]] = [
    {"code": "en", "name": "English", "speakers": 1_500_000_000, "family": "Indo-European"},
    {"code": "el", "name": "Greek", "speakers": 13_500_000, "family": "Indo-European"},
    {"code": "fr", "name": "French", "speakers": 310_000_000, "family": "Indo-European"},
    {"code": "fi", "name": "Finnish", "speakers": 5_800_000, "family": "Uralic"},
    {"code": "hu", "name": "Hungarian", "speakers": 17_000_000, "family": "Uralic"},
    {"code": "ja", "name": "Japanese", "speakers": 125_000_000, "family": "Japonic"},
    {"code": "sw", "name": "Swahili", "speakers": 200_000_000, "family": "Niger-Congo"},
    {"code": "eo", "name": "Esperanto", "speakers": None, "family": None},
]


def _field(name: str, type_: str, **schema: Any) -> dict[str, Any]:
    return {"field": name, "type": type_, "schema": schema, "meta": {}}


async def seed(conn: Directus) -> None:
    try:
        await conn.get("/collections/languages")
        return  # already seeded
    except APIError:
        pass
    await conn.post(
        "/collections",
        json={
            "collection": "languages",
            "schema": {},
            "meta": {"icon": "translate"},
            "fields": [
                _field("id", "integer", is_primary_key=True, has_auto_increment=True),
                _field("code", "string", is_unique=True, is_nullable=False, max_length=8),
                _field("name", "string"),
                _field("speakers", "bigInteger"),
                _field("family", "string"),
            ],
        },
    )
    await conn.post("/items/languages", json=LANGUAGES)
