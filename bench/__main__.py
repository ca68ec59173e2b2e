"""The benchmark suite: ``python3 -m devtools bench`` (which runs ``python -m bench`` in .venv-bench).

Starts a local Directus 12.4.0 (SQLite, loopback), seeds it through the API, runs every case with the
contenders interleaved and repeated, and prints a markdown table of medians and ratios measured in this
run. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from . import orm_side
from .graphql_batch import case_graphql_batch
from .in_list import case_in_list
from .raw_side import LIMITS, TIMEOUT, Raw
from .replay import URL as REPLAY_URL
from .replay import capture
from .report import client_table, details, machine, table
from .seed import SERVER_ENV, seed, seed_churn
from .suite import (
    CLIENT_SIDE_CASES,
    QUICK,
    CaseResult,
    Contenders,
    Sizes,
    case_all_large,
    case_all_small,
    case_bulk,
    case_churn,
    case_compile,
    case_concurrent,
    case_pk,
    case_related,
    case_rows,
    case_stream,
    client_side,
    parity,
    spread_pks,
)

CASES = ("pk", "rows", "concurrent", "stream", "bulk", "compile", "in_list", "all_small", "all_large",
         "related", "churn", "graphql_batch")


def _say(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def _pool_defaults_agree() -> None:
    """Raw httpx must use the same pool limits and timeout as directus-orm's ConnectionPool."""
    from directus_orm import ConnectionPool

    pool = ConnectionPool()
    limits, timeout = getattr(pool, "_limits", None), getattr(pool, "_timeout", None)
    if limits != LIMITS or timeout != TIMEOUT:
        raise SystemExit(f"bench/raw_side.py LIMITS/TIMEOUT ({LIMITS}, {TIMEOUT}) no longer match "
                         f"directus-orm's ConnectionPool defaults ({limits}, {timeout}): update them")


def _pyd(transport: httpx.AsyncBaseTransport | None = None) -> Any:
    try:
        from .pyd_side import PyD
    except ImportError as exc:
        if transport is None:  # said once
            _say(f"py-directus is not importable ({exc}); its column stays empty. It is installed in "
                 ".venv-bench by `python3 -m devtools bench`.")
        return None
    return PyD(transport)


async def _server_cases(url: str, token: str, sizes: Sizes, cases: list[str]) -> tuple[list[CaseResult],
                                                                                        list[str]]:
    orm_side.configure(url, token)
    raw = Raw(url, token)
    pyd = _pyd()
    if pyd is not None:
        await pyd.connect(url, token)
    contenders = Contenders(url, token, raw, pyd)
    results: list[CaseResult] = []
    try:
        _say("request parity check (ORM vs raw httpx)")
        checks = await parity(url, token, sizes)
        for line in checks:
            _say("  " + line)
        runners = {"pk": case_pk, "rows": case_rows, "concurrent": case_concurrent, "bulk": case_bulk,
                   "in_list": case_in_list, "all_small": case_all_small, "all_large": case_all_large,
                   "related": case_related, "graphql_batch": case_graphql_batch}
        for key in cases:
            if key in runners:
                _say(f"case {key}")
                started = time.perf_counter()
                found = await runners[key](contenders, sizes)
                results.extend(found if isinstance(found, list) else [found])
                _say(f"case {key} done in {time.perf_counter() - started:.1f} s")
    finally:
        await raw.aclose()
        if pyd is not None:
            await pyd.aclose()
        await orm_side.aclose()
    return results, checks


async def _client_side(url: str, token: str, sizes: Sizes, cases: list[str]) -> list[CaseResult]:
    wanted = [c for c in CLIENT_SIDE_CASES if c in cases]
    if not wanted:
        return []
    pks = spread_pks(sizes.pk_reads, sizes.stream_rows)
    _say("capturing the server's answers for the client-side cases")
    replay = await capture(url, token, pks, sizes.list_rows, sizes.bulk_rows, sizes.bulk_batch)
    pyd = _pyd(replay.transport())
    if pyd is not None:
        await pyd.connect(REPLAY_URL, "replayed")
    try:
        _say(f"client side alone (answers replayed from memory): {', '.join(wanted)}")
        return await client_side(replay, pks, sizes, pyd, wanted)
    finally:
        if pyd is not None:
            await pyd.aclose()


def run(url: str, token: str, sizes: Sizes, cases: list[str], seed_rows: bool) -> list[str]:
    out = machine()
    out.append(f"server: Directus at {url} ({os.environ.get('DIRECTUS_ORM_DB') or 'sqlite'})")
    if seed_rows:
        _say(f"seeding {sizes.stream_rows:,} rows through the API")
        seconds = asyncio.run(seed(url, token, sizes.stream_rows, sizes.all_small, sizes.all_large,
                                   sizes.related_rows))
        out.append(f"seeding {sizes.stream_rows:,} rows (not counted): {seconds:.1f} s")
    if "churn" in cases:
        _say(f"seeding {sizes.churn_rows:,} rows for the churn case")
        seconds = asyncio.run(seed_churn(url, token, sizes.churn_rows))
        out.append(f"seeding {sizes.churn_rows:,} churn rows (not counted): {seconds:.1f} s")
    results, checks = asyncio.run(_server_cases(url, token, sizes, cases))
    if "stream" in cases:
        _say("case stream (child processes)")
        results.append(case_stream(url, token, sizes))
    if "compile" in cases:
        _say("case compile")
        results.append(case_compile())
    if "churn" in cases:
        _say("case churn")
        results.append(asyncio.run(case_churn(url, token, sizes)))
    results += asyncio.run(_client_side(url, token, sizes, cases))
    order = {key: i for i, key in enumerate(CASES)}
    results.sort(key=lambda r: order[r.key.removesuffix("_seq").removesuffix("_conc")])  # graphql_batch_*
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    out += [f"load average at end: {load}", "", table(results), "", client_table(results), "",
            "request parity (ORM vs raw httpx):"]
    out += [f"- {line}" for line in checks]
    out += ["", "samples:"] + [f"- {line}" for line in details(results)]
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repeat (harness smoke run)")
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated subset of {CASES}")
    parser.add_argument("--url", default=os.environ.get("BENCH_URL"),
                        help="use this running Directus (throw-away: bench_* collections are replaced)")
    parser.add_argument("--token", default=os.environ.get("BENCH_TOKEN"), help="its admin static token")
    parser.add_argument("--no-seed", action="store_true", help="with --url: the collections are seeded")
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    parser.add_argument("--related-rows", type=int, help="products read in the related case (default 1,500)")
    args = parser.parse_args(argv)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = set(cases) - set(CASES)
    if unknown:
        parser.error(f"unknown case(s) {sorted(unknown)}; known: {', '.join(CASES)}")
    sizes = QUICK if args.quick else Sizes()
    if args.related_rows:
        sizes = dataclasses.replace(sizes, related_rows=args.related_rows)
    _pool_defaults_agree()
    server = None
    if args.url:
        if not args.token:
            parser.error("--url needs --token (or BENCH_TOKEN)")
        url, token = args.url.rstrip("/"), args.token
    else:
        from directus_orm.testing.server import DirectusServer

        _say("starting a local Directus")
        server = DirectusServer(extra_env=SERVER_ENV).start()
        url, token = server.url, server.admin_token
    try:
        lines = run(url, token, sizes, cases, seed_rows=not args.no_seed)
    finally:
        if server is not None:
            server.stop()
    report = "\n".join(lines)
    print(report)
    if args.output:
        args.output.write_text(report + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
