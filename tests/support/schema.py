"""Schema helpers: create collections and users through the API (tests drop what they create)."""

from __future__ import annotations

import contextlib
from typing import Any

from directus_orm import Directus
from directus_orm.exceptions import APIError


async def create_collection(
    conn: Directus,
    name: str,
    fields: list[dict[str, Any]],
    *,
    pk: dict[str, Any] | None = None,
    replace: bool = True,
) -> None:
    """Create a collection through the API (dropping an older one of that name first).

    ``pk`` defaults to an auto-increment integer ``id``. Each field is a Directus field object
    (``{"field": "name", "type": "string", "schema": {...}}``).
    """
    if replace:
        with contextlib.suppress(APIError):
            await conn.delete(f"/collections/{name}")
    primary = pk or {
        "field": "id", "type": "integer",
        "schema": {"is_primary_key": True, "has_auto_increment": True}, "meta": {"hidden": True},
    }
    await conn.post(
        "/collections",
        json={"collection": name, "schema": {}, "meta": {"icon": "box"}, "fields": [primary, *fields]},
    )


async def create_user(
    conn: Directus, email: str, password: str, *, role: str | None = None, **extra: Any
) -> dict[str, Any]:
    """Create a user (admin connection); returns the user row."""
    body = await conn.post("/users", json={"email": email, "password": password, "role": role,
                                          "status": "active", **extra})
    return dict(body["data"])
