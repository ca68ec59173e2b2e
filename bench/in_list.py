"""The long-query case: ``filter(id__in=<20,000 keys>)``, which does not fit in a URL.

directus-orm sends it as ``SEARCH /items/<c>`` with the query in the body (past 4 KB of query string);
raw httpx sends the same ``SEARCH`` by hand. Both read back the first rows sorted by key and parse them
into models. Self-contained: the suite registers ``case_in_list`` under the key ``in_list``.
"""

from __future__ import annotations

from typing import Any

from . import orm_side
from .measure import interleaved
from .raw_side import ROWS
from .rows import ITEMS
from .suite import ORM, RAW, CaseResult, Contenders, Sizes, _ready

KEYS = 20_000


def keys(n: int = KEYS) -> list[int]:
    """Every other key: half of them exist in the seeded rows' range."""
    return list(range(1, 2 * n, 2))


async def orm_in_list(wanted: list[int], limit: int) -> int:
    return len(await orm_side.Item.objects.filter(id__in=wanted)[:limit])


def raw_query(wanted: list[int], limit: int) -> dict[str, Any]:
    return {"filter": {"id": {"_in": wanted}}, "sort": ["id"], "limit": limit}


async def raw_in_list(c: Contenders, wanted: list[int], limit: int) -> int:
    """The request directus-orm sends: the compiled query (filter, sort, limit) as a SEARCH body."""
    query = raw_query(wanted, limit)
    response = await c.raw.client.request("SEARCH", f"/items/{ITEMS}", json={"query": query})
    response.raise_for_status()
    return len(ROWS.validate_python(response.json()["data"]))


async def case_in_list(c: Contenders, s: Sizes) -> CaseResult:
    wanted = keys()
    limit = min(1_000, s.list_rows)
    expected = min(limit, len([k for k in wanted if k <= s.stream_rows]))
    compiled = orm_side.Item.objects.filter(id__in=wanted)[:limit].query.params()
    if compiled != raw_query(wanted, limit):  # fairness: raw httpx sends what the ORM sends
        raise RuntimeError(f"in_list: the ORM compiles {list(compiled)}, raw httpx sends another query")
    timings = await interleaved({
        ORM: _ready(lambda: orm_in_list(wanted, limit)),
        RAW: _ready(lambda: raw_in_list(c, wanted, limit)),
    }, s.list_repeats, expected=expected)
    return CaseResult("in_list", f"filter(id__in={KEYS:,} keys)[:{limit:,}], sent as SEARCH", timings)
