"""The cases of issue 7, their sizes, and the request-parity check that keeps raw httpx honest."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import orm_side
from .measure import Prepare, Thunk, Timings, child_run, interleaved, per_call
from .raw_side import Raw
from .replay import URL as REPLAY_URL
from .replay import Replay
from .rows import ALL_LARGE, ALL_SMALL, row
from .seed import clear_bulk

ORM, RAW, PYD = "directus-orm", "raw httpx", "py-directus"

SERVER_BOUND_TARGET = 1.10
COMPILE_TARGET_S = 50e-6
STREAM_RSS_LIMIT_MB = 150.0


@dataclass(frozen=True)
class Sizes:
    pk_reads: int = 500
    list_rows: int = 1_000
    concurrent: int = 200
    concurrent_limit: int = 20
    stream_rows: int = 100_000
    page_size: int = 500  # directus-orm's default page size; raw paging uses the same
    bulk_rows: int = 10_000
    bulk_batch: int = 1_000
    all_small: int = 1_000  # await Model.objects.all() on a collection of this many rows
    all_large: int = 10_000
    related_rows: int = 1_500  # products read with select_related("category")
    churn_rows: int = 100_000  # streamed while another task deletes and inserts rows
    churn_every: int = 1_000  # the writer's round: each time the reader has seen this many more rows
    # repeats (each timed sample is one whole case; medians are reported)
    pk_repeats: int = 11
    list_repeats: int = 21
    concurrent_repeats: int = 9
    stream_repeats: int = 7
    bulk_repeats: int = 7
    all_small_repeats: int = 21
    all_large_repeats: int = 9
    related_repeats: int = 11


QUICK = Sizes(pk_reads=5, list_rows=50, concurrent=10, concurrent_limit=5, stream_rows=1_200, page_size=500,
              bulk_rows=60, bulk_batch=25, all_small=50, all_large=600, related_rows=120, churn_rows=1_200,
              churn_every=100, pk_repeats=1, list_repeats=1, concurrent_repeats=1, stream_repeats=1,
              bulk_repeats=1, all_small_repeats=1, all_large_repeats=1, related_repeats=1)


@dataclass
class CaseResult:
    key: str
    title: str
    timings: Timings
    per_call: bool = False  # compile: seconds per call, shown in microseconds
    target_raw: float | None = SERVER_BOUND_TARGET
    target_seconds: float | None = None
    rss_limit_mb: float | None = None
    notes: list[str] = field(default_factory=list)
    client_side: bool = False  # answered by bench/replay.py: no server in the times
    checks: dict[str, bool] = field(default_factory=dict)  # other targets: description -> met


@dataclass
class Contenders:
    url: str
    token: str
    raw: Raw
    pyd: Any = None  # bench.pyd_side.PyD when py-directus is installed


def spread_pks(n: int, rows: int) -> list[int]:
    """n primary keys spread over the seeded rows (the same list for every contender)."""
    return [1 + (i * 7919) % rows for i in range(n)]


def _ready(run: Callable[[], Awaitable[int]]) -> Prepare:
    async def prepare() -> Thunk:
        return run

    return prepare


async def case_pk(c: Contenders, s: Sizes) -> CaseResult:
    pks = spread_pks(s.pk_reads, s.stream_rows)
    contenders: dict[str, Prepare] = {
        ORM: _ready(lambda: orm_side.read_pks(pks)),
        RAW: _ready(lambda: c.raw.read_pks(pks)),
    }
    if c.pyd is not None:
        contenders[PYD] = _ready(lambda: c.pyd.read_pks(pks))
    timings = await interleaved(contenders, s.pk_repeats, expected=len(pks))
    return CaseResult("pk", f"read 1 item by pk, {s.pk_reads} times, sequential", timings)


async def case_rows(c: Contenders, s: Sizes) -> CaseResult:
    n = s.list_rows
    contenders: dict[str, Prepare] = {
        ORM: _ready(lambda: orm_side.read_rows(n)),
        RAW: _ready(lambda: c.raw.read_rows(n)),
    }
    if c.pyd is not None:
        contenders[PYD] = _ready(lambda: c.pyd.read_rows(n))
    timings = await interleaved(contenders, s.list_repeats, expected=n)
    return CaseResult("rows", f"read {n:,} rows, parsed to models", timings)


async def _case_all(c: Contenders, collection: str, n: int, repeats: int, key: str) -> CaseResult:
    contenders: dict[str, Prepare] = {
        ORM: _ready(lambda: orm_side.read_all(collection)),
        RAW: _ready(lambda: c.raw.read_all(collection)),
    }
    timings = await interleaved(contenders, repeats, expected=n)
    return CaseResult(key, f"await Model.objects.all() on {n:,} rows", timings)


async def case_all_small(c: Contenders, s: Sizes) -> CaseResult:
    return await _case_all(c, ALL_SMALL, s.all_small, s.all_small_repeats, "all_small")


async def case_all_large(c: Contenders, s: Sizes) -> CaseResult:
    return await _case_all(c, ALL_LARGE, s.all_large, s.all_large_repeats, "all_large")


async def case_related(c: Contenders, s: Sizes) -> CaseResult:
    contenders: dict[str, Prepare] = {
        ORM: _ready(orm_side.read_related),
        RAW: _ready(c.raw.read_related),
    }
    timings = await interleaved(contenders, s.related_repeats, expected=s.related_rows)
    return CaseResult("related", f"select_related over {s.related_rows:,} rows", timings)


async def case_churn(url: str, token: str, s: Sizes) -> CaseResult:
    """Streaming under deletes and inserts: directus-orm's keyset stream against offset paging (raw
    httpx, what directus-orm sent before). Not a speed target: every row present throughout must be
    seen once."""
    from .churn import churn_run, describe

    timings = Timings()
    notes = []
    checks = {}
    for name, contender in ((ORM, "orm"), (RAW, "offset")):
        run = await churn_run(url, token, contender, s.page_size, s.churn_every)
        timings.add(name, run.seconds)
        notes.append(describe(f"{name} ({'keyset' if contender == 'orm' else 'offset'})", run, s.churn_rows))
        if name == ORM:
            verdict = run.verdict(s.churn_rows)
            checks["no row skipped or repeated"] = verdict["missed"] == verdict["repeated"] == 0
    return CaseResult("churn", f"stream {s.churn_rows:,} rows while rows are deleted and inserted "
                      "(raw httpx: offset paging)", timings, target_raw=None, notes=notes, checks=checks)


async def case_concurrent(c: Contenders, s: Sizes) -> CaseResult:
    n, limit = s.concurrent, s.concurrent_limit
    contenders: dict[str, Prepare] = {
        ORM: _ready(lambda: orm_side.concurrent_reads(n, limit)),
        RAW: _ready(lambda: c.raw.concurrent_reads(n, limit)),
    }
    if c.pyd is not None:
        contenders[PYD] = _ready(lambda: c.pyd.concurrent_reads(n, limit))
    timings = await interleaved(contenders, s.concurrent_repeats, expected=n * limit)
    return CaseResult("concurrent", f"{n} concurrent filtered reads on one pool", timings)


async def case_bulk(c: Contenders, s: Sizes) -> CaseResult:
    rows = [row(i) for i in range(s.bulk_rows)]
    batch = s.bulk_batch

    async def orm() -> Thunk:
        await clear_bulk(c.url, c.token)
        objs = orm_side.bulk_objects(rows)
        return lambda: orm_side.bulk_create(objs, batch)

    async def raw() -> Thunk:
        await clear_bulk(c.url, c.token)
        return lambda: c.raw.bulk_insert(rows, batch)

    contenders: dict[str, Prepare] = {ORM: orm, RAW: raw}
    if c.pyd is not None:
        async def pyd() -> Thunk:
            await clear_bulk(c.url, c.token)
            return lambda: c.pyd.bulk_insert(rows, batch)

        contenders[PYD] = pyd
    timings = await interleaved(contenders, s.bulk_repeats, expected=len(rows))
    await clear_bulk(c.url, c.token)
    return CaseResult("bulk", f"bulk_create {s.bulk_rows:,} rows (batches of {batch:,})", timings)


def case_stream(url: str, token: str, s: Sizes) -> CaseResult:
    """Each run in a fresh child process (``bench.stream_child``): its time and its own peak RSS."""
    timings = Timings()
    names = {ORM: "orm", RAW: "raw"}
    order = list(names)
    for rep in range(s.stream_repeats):
        for name in order[rep % 2:] + order[:rep % 2]:
            answer = child_run("bench.stream_child", [names[name], url, str(s.page_size)],
                                       {"BENCH_TOKEN": token})
            if int(answer["rows"]) != s.stream_rows:
                raise RuntimeError(f"{name} streamed {answer['rows']} rows, expected {s.stream_rows}")
            timings.add(name, float(answer["seconds"]))
            rss_kb = int(answer["vm_hwm_kb"])
            timings.peak_rss_kb[name] = max(timings.peak_rss_kb.get(name, 0), rss_kb)
    return CaseResult("stream", f"stream {s.stream_rows:,} rows with async for (pages of {s.page_size})",
                      timings, rss_limit_mb=STREAM_RSS_LIMIT_MB)


def case_compile() -> CaseResult:
    timings = Timings()
    orm_side.compile_query()  # build the lookups' validators once, as any process would
    for seconds in per_call(orm_side.compile_query):
        timings.add(ORM, seconds)
    return CaseResult("compile", "compile a 6-condition Q tree with ordering and slicing", timings,
                      per_call=True, target_raw=None, target_seconds=COMPILE_TARGET_S)


# --- client side alone ----------------------------------------------------------------------------------
#: The cases that are timed a second time, answered from memory.
CLIENT_SIDE_CASES = ("pk", "rows", "bulk", "related")


async def client_side(
    replay: Replay, pks: list[int], s: Sizes, pyd: Any, cases: list[str]
) -> list[CaseResult]:
    """The pk, rows, related and bulk cases again, every contender answered from memory by ``replay``
    (the live server's captured answers): the time each library itself takes. ``pyd``: a PyD on the replay
    transport, or None."""
    from directus_orm import ConnectionPool, Directus, connections

    conn = Directus(REPLAY_URL, token="replayed", pool=ConnectionPool(transport=replay.transport))
    raw = Raw(REPLAY_URL, "replayed", transport=replay.transport())
    rows = [row(i) for i in range(s.bulk_rows)]
    batch, n = s.bulk_batch, s.list_rows

    def rewound(run: Callable[[], Awaitable[int]]) -> Prepare:
        async def prepare() -> Thunk:
            replay.rewind()
            return run

        return prepare

    async def orm_bulk() -> Thunk:
        replay.rewind()
        built = orm_side.bulk_objects(rows)  # before the clock, as in the live case
        return lambda: orm_side.bulk_create(built, batch)

    plans: list[tuple[str, str, dict[str, Prepare], int, int]] = [
        ("pk", f"read 1 item by pk, {s.pk_reads} times", {
            ORM: _ready(lambda: orm_side.read_pks(pks)), RAW: _ready(lambda: raw.read_pks(pks)),
            **({PYD: _ready(lambda: pyd.read_pks(pks))} if pyd is not None else {}),
        }, s.pk_repeats, len(pks)),
        ("rows", f"read {n:,} rows, parsed to models", {
            ORM: _ready(lambda: orm_side.read_rows(n)), RAW: _ready(lambda: raw.read_rows(n)),
            **({PYD: _ready(lambda: pyd.read_rows(n))} if pyd is not None else {}),
        }, s.list_repeats, n),
        ("related", f"select_related over {s.related_rows:,} rows", {
            ORM: _ready(orm_side.read_related), RAW: _ready(raw.read_related),
        }, s.related_repeats, s.related_rows),
        ("bulk", f"bulk_create {s.bulk_rows:,} rows (batches of {batch:,})", {
            ORM: orm_bulk, RAW: rewound(lambda: raw.bulk_insert(rows, batch)),
            **({PYD: rewound(lambda: pyd.bulk_insert(rows, batch))} if pyd is not None else {}),
        }, s.bulk_repeats, len(rows)),
    ]
    results: list[CaseResult] = []
    try:
        async with connections.override(conn):
            for key, title, contenders, repeats, expected in plans:
                if key not in cases:
                    continue
                timings = await interleaved(contenders, repeats, expected=expected)
                results.append(CaseResult(key, title, timings, target_raw=None, client_side=True))
    finally:
        await raw.aclose()
        await conn.aclose()
    return results


# --- request parity -----------------------------------------------------------------------------------
Request = tuple[str, str, tuple[tuple[str, str], ...], Any]


def _recorder(log: list[Request]) -> Callable[[httpx.Request], Awaitable[None]]:
    async def record(request: httpx.Request) -> None:
        body = json.loads(request.content) if request.content else None
        log.append((request.method, request.url.path, tuple(request.url.params.multi_items()), body))

    return record


def _show(requests: list[Request]) -> str:
    return "; ".join(
        f"{m} {p}?{'&'.join(f'{k}={v}' for k, v in q)}" + (f" + {len(b)}-item body" if b else "")
        for m, p, q, b in requests
    ) or "(none)"


async def parity(url: str, token: str, s: Sizes) -> list[str]:
    """Send each case once at a tiny size through the ORM and through raw httpx with request logging, and
    say where the requests differ (method, path, query string, JSON body)."""
    from directus_orm import ConnectionPool, Directus, connections
    from directus_orm.query.limits import query_limit_max

    orm_log: list[Request] = []
    raw_log: list[Request] = []
    pool = ConnectionPool(event_hooks={"request": [_recorder(orm_log)]})
    conn = Directus(url, token=token, pool=pool)
    raw = Raw(url, token, event_hooks={"request": [_recorder(raw_log)]})
    rows = [row(i) for i in range(3)]
    pks = [1, 2]
    checks: list[tuple[str, Callable[[], Awaitable[int]], Callable[[], Awaitable[int]], bool]] = [
        ("pk", lambda: orm_side.read_pks(pks), lambda: raw.read_pks(pks), False),
        ("rows", lambda: orm_side.read_rows(s.list_rows), lambda: raw.read_rows(s.list_rows), False),
        ("all", lambda: orm_side.read_all(ALL_SMALL), lambda: raw.read_all(ALL_SMALL), False),
        ("related", orm_side.read_related, raw.read_related, False),
        ("concurrent", lambda: orm_side.concurrent_reads(4, s.concurrent_limit),
         lambda: raw.concurrent_reads(4, s.concurrent_limit), True),
        ("stream", lambda: orm_side.stream_first(s.page_size + 1),
         lambda: raw.stream(s.page_size, stop_after=s.page_size + 1), False),
        ("bulk", lambda: orm_side.bulk_create(orm_side.bulk_objects(rows), 2),
         lambda: raw.bulk_insert(rows, 2), False),
    ]
    report: list[str] = []
    try:
        async with connections.override(conn):
            # what the server allows per request: read once per connection, as any application's
            # first read does (not one of the compared requests)
            await query_limit_max(conn)
            for key, orm_run, raw_run, unordered in checks:
                orm_log.clear()
                raw_log.clear()
                await orm_run()
                await raw_run()
                same = sorted(orm_log, key=repr) == sorted(raw_log, key=repr) if unordered else (
                    orm_log == raw_log)
                if same:
                    report.append(f"{key}: identical requests ({len(orm_log)})")
                else:
                    report.append(f"{key}: DIFFERENT - ORM sent {_show(orm_log)} | raw sent {_show(raw_log)}")
    finally:
        await raw.aclose()
        await pool.aclose()
        await clear_bulk(url, token)
    return report
