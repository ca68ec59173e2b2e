"""How many rows one read may ask for: the server's ``queryLimit.max`` (``/server/info``), read once per
connection. A list that is materialised anyway is read in one request when the server allows it."""

from __future__ import annotations

import weakref
from typing import Any

from ..connection.client import Directus
from ..exceptions import APIError, AuthenticationError

__all__ = ["UNLIMITED", "query_limit_max"]

#: ``queryLimit.max`` of a server that accepts ``limit=-1`` (Directus's default ``QUERY_LIMIT_MAX``).
UNLIMITED = -1

_known: weakref.WeakKeyDictionary[Directus, int | None] = weakref.WeakKeyDictionary()


def _parse(info: Any) -> int | None:
    limit = info.get("queryLimit") if isinstance(info, dict) else None
    value = limit.get("max") if isinstance(limit, dict) else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return UNLIMITED if value < 0 else value or None


async def query_limit_max(conn: Directus) -> int | None:
    """The most rows one request may ask for: ``UNLIMITED``, a number, or None when the server does not
    say (anonymous callers get a reduced ``/server/info``): then page as usual."""
    try:
        return _known[conn]
    except KeyError:
        pass
    try:
        body = await conn.get("/server/info")
    except AuthenticationError:
        raise  # the read itself would fail the same way: say so now, remember nothing
    except APIError:
        value = None  # not ours to read: page with the configured size
    else:
        value = _parse((body or {}).get("data"))
    _known[conn] = value
    return value
