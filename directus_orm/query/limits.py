"""How many rows one read may ask for: the server's ``queryLimit.max`` (``/server/info``, read once per
connection by ``connection.serverinfo``). A list that is materialised anyway is read in one request
when the server allows it."""

from __future__ import annotations

from ..connection.client import Directus
from ..connection.serverinfo import server_info

__all__ = ["UNLIMITED", "query_limit_max"]

#: ``queryLimit.max`` of a server that accepts ``limit=-1`` (Directus's default ``QUERY_LIMIT_MAX``).
UNLIMITED = -1


async def query_limit_max(conn: Directus) -> int | None:
    """The most rows one request may ask for: ``UNLIMITED``, a number, or None when the server does not
    say (anonymous callers get a reduced ``/server/info``): then page as usual."""
    return (await server_info(conn)).query_limit_max
