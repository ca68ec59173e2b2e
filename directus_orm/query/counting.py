"""How a count of the matching rows is asked for.

Directus 10 and 11 answer ``aggregate[count]=*`` (and GraphQL's ``countAll``) with the rows of the
join when the filter crosses a to-many relation with ``_some`` (``filter(tags__name="sf")``: a book
with two such tags counts twice); ``countDistinct`` over the primary key counts each row once on every
version. REST asks ``count(*)`` where the server is known to count right (12 and newer): it is cheaper.
GraphQL reads are built before the version is known, so they always count distinct keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..connection.client import Directus
from ..connection.serverinfo import server_info
from ..exceptions import UnexpectedResponse

__all__ = ["count_aggregate", "counted", "distinct_keys"]

COUNTS_ROWS_FROM = (12, 0, 0)
"""The first version whose ``count(*)`` counts each matching row once."""


def distinct_keys(pk: str) -> dict[str, list[str]]:
    return {"countDistinct": [pk]}


async def count_aggregate(conn: Directus, pk: str) -> dict[str, Any]:
    """The ``aggregate`` parameter that counts the matching rows on ``conn``'s server."""
    if (await server_info(conn)).at_least(COUNTS_ROWS_FROM):
        return {"count": "*"}
    return distinct_keys(pk)


def counted(row: Mapping[str, Any], pk: str) -> int:
    """The count in an answer row of either form (databases may send it as a string)."""
    value = row.get("count")
    if value is None:
        distinct = row.get("countDistinct")
        value = distinct.get(pk) if isinstance(distinct, Mapping) else None
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        raise UnexpectedResponse(f"Directus answered {value!r} for a count of rows", status=200,
                                 content_type="application/json") from None
