"""Writing one stored row by its key, and telling whether the write found it.

Directus answers ``PATCH /items/<c>/<pk>`` of a row that does not exist with ``204 No Content`` - the
answer it also gives a role that may update the row but not read it back - and ``DELETE`` with 204
whether or not the row existed. So a 204 is checked with one read of the key: a row that is not there
was not written; so is a ``403`` (what a role that may read the rows gets for a missing one). A
key that cannot be put in a URL (too long, or a word a system endpoint routes
itself) is written through the by-keys forms instead: ``PATCH /items/<c>`` with
``{"keys": [key], "data": ...}``, ``DELETE /items/<c>`` with ``[key]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic_core import to_jsonable_python

from ..connection.client import Directus, collection_path, item_path, key_in_path
from ..connection.profiles import EndpointProfile
from ..exceptions import Forbidden

__all__ = ["delete_item", "item_exists", "patch_item", "rows_by_key"]


async def rows_by_key(
    conn: Directus, collection: str, pk: str, key: Any, params: Mapping[str, Any], profile: EndpointProfile
) -> list[Mapping[str, Any]]:
    """The stored row ``key`` as a list of none or one: a read filtered on the key; a singleton's
    object; or, where the endpoint ignores filters (``listing``), its whole list searched here."""
    path = collection_path(collection)
    if profile.reads == "singleton":
        row = ((await conn.get(path, params=params)) or {}).get("data")
        return [row] if isinstance(row, Mapping) else []
    if profile.reads == "listing":
        wanted = to_jsonable_python(key)
        rows = ((await conn.get(path)) or {}).get("data") or []
        return [row for row in rows if isinstance(row, Mapping) and row.get(pk) == wanted][:1]
    body = await conn.get(path, params={"filter": {pk: {"_eq": to_jsonable_python(key)}}, "limit": 1,
                                        **params})
    return list((body or {}).get("data") or [])[:1]


async def item_exists(conn: Directus, collection: str, pk: str, key: Any) -> bool | None:
    """Whether the row ``key`` exists: one read filtered on the key (any key length, any collection).
    None when the role may not read the collection (nothing can tell then)."""
    try:
        body = await conn.get(collection_path(collection), params={
            "filter": {pk: {"_eq": to_jsonable_python(key)}}, "fields": [pk], "limit": 1})
    except Forbidden:
        return None
    return bool((body or {}).get("data"))


async def patch_item(
    conn: Directus, collection: str, pk: str, key: Any, payload: Mapping[str, Any], params: Mapping[str, Any]
) -> tuple[bool, Mapping[str, Any] | None]:
    """PATCH the row ``key``; returns (whether the row was there, the answered row or None). A row the
    server says nothing about (204, an empty by-keys answer) is looked up: missing means not written."""
    try:
        if key_in_path(collection, key):
            body = await conn.patch(item_path(collection, key), json=payload, params=params)
            row = None if body is None else body.get("data")
        else:
            body = await conn.patch(collection_path(collection), params=params, json={
                "keys": [to_jsonable_python(key)], "data": payload})
            rows = None if body is None else body.get("data") or []
            row = rows[0] if rows else None
    except Forbidden:
        # A role that may read the rows is refused the update of a missing one (Directus's permission
        # check reads them first): missing is not written; anything else is the refusal it says.
        if await item_exists(conn, collection, pk, key) is False:
            return False, None
        raise
    if isinstance(row, Mapping):
        return True, row
    # No row back: the role may not read it, or (what Directus answers alike) there is no such row.
    return await item_exists(conn, collection, pk, key) is not False, None


async def delete_item(conn: Directus, collection: str, key: Any) -> None:
    """DELETE the row ``key`` (by its item path, or by a key list in the body for a key no URL holds)."""
    if key_in_path(collection, key):
        await conn.delete(item_path(collection, key))
    else:
        await conn.delete(collection_path(collection), json=[to_jsonable_python(key)])
