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
    meta: dict[str, Any] | None = None,
) -> None:
    """Create a collection through the API (dropping an older one of that name first).

    ``pk`` defaults to an auto-increment integer ``id``. Each field is a Directus field object
    (``{"field": "name", "type": "string", "schema": {...}}``). ``meta``: collection options
    (``{"accountability": None}`` ...).
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
        json={"collection": name, "schema": {}, "meta": {"icon": "box", **(meta or {})},
              "fields": [primary, *fields]},
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


def plain_field(name: str, type_: str) -> dict[str, Any]:
    return {"field": name, "type": type_, "schema": {}, "meta": {}}


async def create_shop(conn: Directus, customers: str, orders: str, tags: str, junction: str,
                      order_fields: list[dict[str, Any]]) -> None:
    """Customers with an ``orders`` one-to-many (``orders.customer``, SET NULL on delete), and orders
    with a ``tags`` many-to-many through ``junction`` (``orders_id``, ``tags_id``). Tag collections
    are named ``<x>`` and the junction's target field ``<x>_id``, as the Directus app names them."""
    target = f"{tags.rsplit('_', 1)[-1]}_id"
    await create_collection(conn, customers, [plain_field("name", "string")])
    await create_collection(conn, tags, [plain_field("name", "string")])
    await create_collection(conn, orders, [*order_fields, plain_field("customer", "integer")])
    await create_collection(conn, junction, [plain_field("orders_id", "integer"),
                                             plain_field(target, "integer")])
    await conn.post(f"/fields/{customers}", json={"field": "orders", "type": "alias",
                                                  "meta": {"special": ["o2m"]}})
    await conn.post("/relations", json={"collection": orders, "field": "customer",
                                        "related_collection": customers, "meta": {"one_field": "orders"},
                                        "schema": {"on_delete": "SET NULL"}})
    many = tags.rsplit("_", 1)[-1]
    await conn.post(f"/fields/{orders}", json={"field": many, "type": "alias", "meta": {"special": ["m2m"]}})
    await conn.post("/relations", json={
        "collection": junction, "field": "orders_id", "related_collection": orders,
        "meta": {"one_field": many, "junction_field": target}, "schema": {"on_delete": "CASCADE"}})
    await conn.post("/relations", json={
        "collection": junction, "field": target, "related_collection": tags,
        "meta": {"one_field": None, "junction_field": "orders_id"}, "schema": {"on_delete": "CASCADE"}})
