"""Content versions of an item (``directus_versions``): finding the one with a key, and writing changes
to it (``POST /versions/<id>/save``) instead of to the item. Shared by ``obj.save(version=...)`` and
``conn.versions`` (docs/endpoints.md)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from ..connection.client import Directus
from ..connection.paths import item_path, path_segment
from ..connection.serverinfo import server_info
from ..exceptions import APIError, InvalidArgument, UnexpectedResponse, UnprocessableContent
from .keylocks import KeyLocks

__all__ = ["check_version_key", "find_version", "save_delta", "save_to_version", "version_of"]

_locks = KeyLocks()


def check_version_key(key: object) -> str:
    """A version key the item can be saved to: a non-empty string other than ``published`` / ``main``
    (those name the item itself)."""
    if not isinstance(key, str) or not key:
        raise InvalidArgument(f"a version key is a non-empty string, got {key!r}")
    if key in ("published", "main"):
        raise InvalidArgument(f"{key!r} names the published item, not a version: save without version=")
    return key


async def find_version(conn: Directus, collection: str, item: Any, key: str) -> dict[str, Any] | None:
    """The version row of ``collection``/``item`` with ``key``, or None. Directus does not keep keys
    unique: of several, the oldest (then the smallest id) is the one, for every caller alike."""
    body = await conn.get("/versions", params={
        "filter": {"_and": [{"collection": {"_eq": collection}}, {"item": {"_eq": str(item)}},
                            {"key": {"_eq": key}}]},
        "sort": ["date_created", "id"],
        "limit": 1,
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
    try:
        body = await conn.post("/versions", json={"key": key, "name": name or key, "collection": collection,
                                                   "item": str(item)})
    except UnprocessableContent:
        # Another writer created it since the read (Directus refuses a second one it can see).
        found = await find_version(conn, collection, item, key)
        if found is None:
            raise
        return found
    created = dict((body or {})["data"])
    # Two writers may both have found none and created one each: both settle on the same one (the
    # oldest), and the other is deleted, so no change is left in a version nobody reads.
    chosen = await find_version(conn, collection, item, key)
    if chosen is None or chosen["id"] == created["id"]:
        return created
    with contextlib.suppress(APIError):
        await conn.delete(f"/versions/{created['id']}")
    return chosen


async def save_to_version(
    conn: Directus, collection: str, item: Any, key: str, delta: Mapping[str, Any]
) -> dict[str, Any]:
    """Write ``delta`` to the item's version ``key`` (created when missing); the item itself is not
    touched. Returns the item as the version now has it (the published row merged with the version's
    changes), as Directus answers."""
    async with _locks.hold((conn.url, "item", collection, str(item), check_version_key(key))):
        version = await version_of(conn, collection, item, key)
    return await save_delta(conn, str(version["id"]), delta)


async def save_delta(conn: Directus, version: str, delta: Mapping[str, Any]) -> dict[str, Any]:
    """``POST /versions/<id>/save``: add ``delta`` to the version's changes; returns the item as the
    version now has it. Directus reads, merges and writes the delta without a lock (two saves at once
    keep only one's changes): saves of one version through this process go one at a time."""
    path = f"/versions/{path_segment(version)}/save"
    async with _locks.hold((conn.url, "version", version)):
        body = await conn.post(path, json=dict(delta))
    data = (body or {}).get("data")
    if not isinstance(data, dict):
        raise UnexpectedResponse("POST /versions/<id>/save answered without the versioned item", status=200,
                                 method="POST", path=path)
    missing = [name for name in delta if name not in data]
    if missing:  # the answer merges what was sent into the item: a field left out was not taken
        raise UnexpectedResponse(f"POST /versions/<id>/save answered the item without {missing}, which were "
                                 "sent", status=200, method="POST", path=path)
    if (await server_info(conn)).at_least(_SAVE_ANSWERS_ITEM_SINCE) is False:
        return await _versioned_item(conn, version)
    return data



_SAVE_ANSWERS_ITEM_SINCE = (11, 0, 0)
"""From this version on ``POST /versions/<id>/save`` answers the item as the version has it; Directus 10
answers only what was sent."""


async def _versioned_item(conn: Directus, version: str) -> dict[str, Any]:
    """Directus 10 keeps each save as a revision of the version and answers only what was sent: the
    item as the version has it is read through ``?version=`` (Directus merges the saves)."""
    path = f"/versions/{path_segment(version)}"
    row = ((await conn.get(path, params={"fields": ["key", "collection", "item"]})) or {}).get("data")
    if not isinstance(row, dict):
        raise UnexpectedResponse(f"GET {path} answered without the version", status=200, method="GET",
                                 path=path)
    item = item_path(str(row["collection"]), row["item"])
    data = ((await conn.get(item, params={"version": row["key"]})) or {}).get("data")
    if not isinstance(data, dict):
        raise UnexpectedResponse(f"GET {item}?version= answered without the item", status=200,
                                 method="GET", path=item)
    return dict(data)
