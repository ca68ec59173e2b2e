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


def user_collections(url: str, token: str) -> set[str]:
    """The names of the server's user collections (sync: usable from any fixture)."""
    import httpx

    answer = httpx.get(f"{url}/collections", params={"fields": "collection"},
                       headers={"Authorization": f"Bearer {token}"}, timeout=30)
    answer.raise_for_status()
    return {c["collection"] for c in answer.json()["data"] if not c["collection"].startswith("directus_")}


def drop_collections(url: str, token: str, names: set[str]) -> None:
    """Drop ``names``; a collection others still point at is retried after them (PostgreSQL enforces
    foreign keys, SQLite does not)."""
    import httpx

    left = set(names)
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        for _ in range(len(left) + 1):
            if not left:
                return
            for name in sorted(left):
                if http.delete(f"{url}/collections/{name}").status_code in (204, 403):
                    left.discard(name)  # 403: already gone
