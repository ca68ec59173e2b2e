"""How many rows one read may ask for: the server's ``queryLimit.max`` (``/server/info``, read once per
connection by ``connection.serverinfo``). A list that is materialised anyway is read in one request
when the server allows it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..connection.client import Directus
from ..connection.serverinfo import known_server_info, server_info
from ..exceptions import TruncatedList

__all__ = ["UNLIMITED", "check_lists_whole", "query_limit_max", "wants_whole_lists"]

UNLIMITED = -1
"""``queryLimit.max`` of a server that accepts ``limit=-1`` (Directus's default ``QUERY_LIMIT_MAX``)."""


async def query_limit_max(conn: Directus) -> int | None:
    """The most rows one request may ask for: ``UNLIMITED``, a number, or None when the server does not
    say (anonymous callers get a reduced ``/server/info``): then page as usual."""
    return (await server_info(conn)).query_limit_max


def wants_whole_lists(deep: Mapping[str, Any] | None) -> bool:
    """Whether ``deep`` asks for a whole nested list (``_limit: -1``) anywhere."""
    for key, sub in (deep or {}).items():
        if key == "_limit" and sub == -1:
            return True
        if not key.startswith("_") and isinstance(sub, Mapping) and wants_whole_lists(sub):
            return True
    return False


def check_lists_whole(conn: Directus, rows: list[Any], deep: Mapping[str, Any] | None) -> None:
    """Raise :class:`TruncatedList` when a nested list asked whole (``_limit: -1``) holds as many rows as
    the server's ``queryLimit.max``: Directus cuts it there without saying so, and a list taken as whole
    would make a save unlink rows it never saw."""
    info = known_server_info(conn)
    cap = info.query_limit_max if info is not None else None
    if cap is None or cap == UNLIMITED or not deep:
        return
    found = _cut_path(rows, deep, cap)
    if found is not None:
        raise TruncatedList(".".join(found), cap)


def _cut_path(rows: list[Any], deep: Mapping[str, Any], cap: int) -> list[str] | None:
    for name, sub in deep.items():
        if name.startswith("_") or not isinstance(sub, Mapping):
            continue
        for row in rows:
            value = row.get(name) if isinstance(row, Mapping) else None
            if isinstance(value, list):
                if sub.get("_limit") == -1 and len(value) >= cap:
                    return [name]
                inner = _cut_path(value, sub, cap)
            elif isinstance(value, Mapping):
                inner = _cut_path([value], sub, cap)
            else:
                continue
            if inner is not None:
                return [name, *inner]
    return None
