"""Content versions of an item (``directus_versions``): finding the one with a key, and writing changes
to it (``POST /versions/<id>/save``) instead of to the item. Shared by ``obj.save(version=...)`` and
``conn.versions`` (docs/endpoints.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..connection.client import Directus
from ..exceptions import InvalidArgument, UnexpectedResponse

__all__ = ["check_version_key", "find_version", "save_to_version", "version_of"]


def check_version_key(key: object) -> str:
    """A version key the item can be saved to: a non-empty string other than ``published`` / ``main``
    (those name the item itself)."""
    if not isinstance(key, str) or not key:
        raise InvalidArgument(f"a version key is a non-empty string, got {key!r}")
    if key in ("published", "main"):
        raise InvalidArgument(f"{key!r} names the published item, not a version: save without version=")
    return key


async def find_version(conn: Directus, collection: str, item: Any, key: str) -> dict[str, Any] | None:
    """The version row of ``collection``/``item`` with ``key``, or None."""
    body = await conn.get("/versions", params={
        "filter": {"_and": [{"collection": {"_eq": collection}}, {"item": {"_eq": str(item)}},
                            {"key": {"_eq": key}}]},
        "limit": 2,
    })
    rows = (body or {}).get("data")
    if not isinstance(rows, list):
        raise UnexpectedResponse("GET /versions answered without a list of versions", status=200,
                                 method="GET", path="/versions")
    return dict(rows[0]) if rows else None


async def version_of(
    conn: Directus, collection: str, item: Any, key: str, name: str | None = None
) -> dict[str, Any]:
    """The version row with ``key`` of the item, created (named ``name``, else the key) if missing."""
    found = await find_version(conn, collection, item, key)
    if found is not None:
        return found
    body = await conn.post("/versions", json={"key": key, "name": name or key, "collection": collection,
                                               "item": str(item)})
    return dict((body or {})["data"])


async def save_to_version(
    conn: Directus, collection: str, item: Any, key: str, delta: Mapping[str, Any]
) -> dict[str, Any]:
    """Write ``delta`` to the item's version ``key`` (created when missing); the item itself is not
    touched. Returns the item as the version now has it (the published row merged with the version's
    changes), as Directus answers."""
    version = await version_of(conn, collection, item, check_version_key(key))
    body = await conn.post(f"/versions/{version['id']}/save", json=dict(delta))
    data = (body or {}).get("data")
    if not isinstance(data, dict):
        raise UnexpectedResponse("POST /versions/<id>/save answered without the versioned item", status=200,
                                 method="POST", path=f"/versions/{version['id']}/save")
    return data
