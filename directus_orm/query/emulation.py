"""Resolve a compiled query's emulated conditions (:mod:`.keysets`) into a plain Directus query.

:func:`emulate` is the one step a QuerySet takes before it sends a query (reads, ``count()``,
``exists()``, ``aggregate()``, ``update()``, ``delete()``, ``get()`` ...). Each :class:`KeySet` costs one
request (``GET /items/<c>?filter=<broad filter>&fields=<pk>[,<checked field>]&limit=-1``) and moves the
key (and the checked value) of every row its broad filter matches; it becomes ``pk _in [keys]`` or
``pk _nin [keys]``. Nodes inside a sub-query's filter are resolved first. A query without nodes is
returned as it is: no request, the same JSON.

The sub-queries and the query are separate requests, not one transaction: a row written in between is
judged by the key list as it was read.
"""

from __future__ import annotations

from typing import Any

from ..connection.client import Directus, collection_path
from .keysets import KeySet, Pending, first_pk_of, has_nodes, values_at
from .query import Query
from .where import EVERYTHING, NOTHING, Filter, combine

__all__ = ["emulate"]


async def emulate(query: Query, conn: Directus) -> Query:
    """``query`` with every emulated condition replaced by a key list (reading them now)."""
    if not query.needs_emulation:
        return query
    resolved = await _resolve(query.filter, conn)
    deep = []
    for path, sub in query.deep:
        if "_filter" in sub:
            sub = dict(sub)
            found = await _resolve(sub["_filter"], conn)
            if found is EVERYTHING:
                del sub["_filter"]
            elif found is NOTHING:
                sub["_filter"] = _false(sub["_filter"])
            else:
                sub["_filter"] = found
        deep.append((path, sub))
    return query._replace(filter=resolved, deep=tuple(deep), emulated=False)


def _false(original: Any) -> dict[str, Any]:
    """A filter no related row passes (a Prefetch queryset that turned out to match nothing)."""
    if isinstance(original, dict) and len(original) == 1:
        key, value = next(iter(original.items()))
        if not key.startswith("_"):  # the junction hop of a many-to-many
            return {key: _false(value)}
    field = first_pk_of(original)
    return {"_and": [{field: {"_null": True}}, {field: {"_nnull": True}}]}


async def _resolve(node: Any, conn: Directus) -> Any:
    if isinstance(node, KeySet):
        return await _keyset(node, conn)
    if isinstance(node, Pending):
        inner = await _resolve(node.inner, conn)
        return await _resolve(node.finish(inner), conn)
    if not isinstance(node, dict) or len(node) != 1 or not has_nodes(node):
        return node
    key, value = next(iter(node.items()))
    if key in ("_and", "_or"):
        parts = [await _resolve(part, conn) for part in value]
        return combine("AND" if key == "_and" else "OR", parts)
    if key.startswith("_"):
        return node
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("_some", "_none"):
        quantifier, inner = next(iter(value.items()))
        found = await _resolve(inner, conn)
        if found is NOTHING:
            return EVERYTHING if quantifier == "_none" else NOTHING
        if found is EVERYTHING:
            found = {first_pk_of(inner): {"_nnull": True}}
        return {key: {quantifier: found}}
    found = await _resolve(value, conn)
    if found is NOTHING:
        return NOTHING  # no related row passes: the join form is false
    if found is EVERYTHING:
        found = {first_pk_of(value): {"_nnull": True}}  # any related row passes: it must exist
    return {key: found}


async def _keyset(node: KeySet, conn: Directus) -> Filter:
    server = await _resolve(node.filter, conn)
    keys: list[Any] = []
    if server is not NOTHING:
        fields = [node.pk]
        if node.path is not None:
            fields.append(".".join(node.path))
        params: dict[str, Any] = {"fields": fields, "limit": -1}
        if isinstance(server, dict):
            params["filter"] = server
        body = await conn.get(collection_path(node.collection), params=params)
        rows: list[dict[str, Any]] = (body or {}).get("data") or []
        check, path = node.check, node.path
        for row in rows:
            if check is None or path is None or any(check(v) for v in values_at(row, path)):
                keys.append(row.get(node.pk))
    keys = [k for k in dict.fromkeys(keys) if k is not None]
    if not keys:
        return EVERYTHING if node.exclude else NOTHING
    return {node.pk: {"_nin" if node.exclude else "_in": keys}}
