"""The batching case: five QuerySets in one GraphQL request (``directus_orm.gather``) against the same
five reads sent as five REST requests by raw httpx, one after another and concurrently, in the same
interleaved run. Reported as two rows (``graphql_batch_seq``, ``graphql_batch_conc``) of one run; no
target: it shows what a page needing five reads gains by paying one round trip."""

from __future__ import annotations

import asyncio

from directus_orm import QuerySet, gather

from . import orm_side
from .measure import Timings, interleaved
from .suite import ORM, RAW, CaseResult, Contenders, Sizes, _ready

READS = 5
SEQ, CONC = "raw httpx, sequential", "raw httpx, concurrent"


def querysets(limit: int) -> list[QuerySet[orm_side.Item]]:
    from .rows import concurrent_filter

    out = []
    for i in range(READS):
        category, low = concurrent_filter(i)
        out.append(orm_side.Item.objects.filter(category=category, score__gte=low).order_by("id")[:limit])
    return out


async def orm_batched(limit: int) -> int:
    pages = await gather(*querysets(limit))
    return sum(len(p) for p in pages)


async def raw_sequential(c: Contenders, limit: int) -> int:
    return sum([len(await c.raw.filtered(i, limit)) for i in range(READS)])


async def raw_concurrent(c: Contenders, limit: int) -> int:
    pages = await asyncio.gather(*(c.raw.filtered(i, limit) for i in range(READS)))
    return sum(len(p) for p in pages)


def _pair(timings: Timings, other: str) -> Timings:
    """The ORM's samples and ``other``'s under the raw httpx column (same rounds, so ratios pair)."""
    return Timings(samples={ORM: timings.samples[ORM], RAW: timings.samples[other]})


async def case_graphql_batch(c: Contenders, s: Sizes) -> list[CaseResult]:
    limit = s.concurrent_limit
    expected = await raw_sequential(c, limit)
    if await orm_batched(limit) != expected:
        raise RuntimeError("graphql_batch: gather() and the REST reads disagree on the row count")
    timings = await interleaved({
        ORM: _ready(lambda: orm_batched(limit)),
        SEQ: _ready(lambda: raw_sequential(c, limit)),
        CONC: _ready(lambda: raw_concurrent(c, limit)),
    }, s.list_repeats, expected=expected)
    note = "directus-orm column: gather() of the five QuerySets, one POST /graphql"
    return [
        CaseResult("graphql_batch_seq", f"{READS} filtered reads [:{limit}]: one GraphQL request vs "
                   f"{READS} REST GETs one after another (raw httpx)", _pair(timings, SEQ), target_raw=None,
                   notes=[note]),
        CaseResult("graphql_batch_conc", f"{READS} filtered reads [:{limit}]: one GraphQL request vs "
                   f"{READS} concurrent REST GETs (raw httpx)", _pair(timings, CONC), target_raw=None,
                   notes=[note]),
    ]
