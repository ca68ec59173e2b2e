"""Profile the directus-orm side of one case with pyinstrument (installed in .venv-bench).

    .venv-bench/bin/python -m bench.profile CASE [--url URL --token TOKEN] [--html FILE]

CASE is one of pk, rows, concurrent, stream, bulk, compile. Without --url a local Directus is started
and seeded first. Prints pyinstrument's text report (wall-clock time, async-aware).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from . import orm_side
from .rows import row
from .seed import SERVER_ENV, clear_bulk, seed
from .suite import Sizes, spread_pks


def _runner(case: str, url: str, token: str, s: Sizes) -> Callable[[], Awaitable[object]]:
    pks = spread_pks(s.pk_reads, s.stream_rows)
    rows = [row(i) for i in range(s.bulk_rows)]

    async def bulk() -> int:
        await clear_bulk(url, token)
        return await orm_side.bulk_create(orm_side.bulk_objects(rows), s.bulk_batch)

    async def compile_many() -> None:
        for _ in range(20_000):
            orm_side.compile_query()

    runners: dict[str, Callable[[], Awaitable[object]]] = {
        "pk": lambda: orm_side.read_pks(pks),
        "rows": lambda: orm_side.read_rows(s.list_rows),
        "concurrent": lambda: orm_side.concurrent_reads(s.concurrent, s.concurrent_limit),
        "stream": orm_side.stream,
        "bulk": bulk,
        "compile": compile_many,
    }
    return runners[case]


async def _profile(case: str, url: str, token: str, repeat: int, html: Path | None) -> None:
    from pyinstrument import Profiler

    orm_side.configure(url, token)
    run = _runner(case, url, token, Sizes())
    await run()  # warm-up: connections, validators
    profiler = Profiler(async_mode="enabled", interval=0.0005)
    with profiler:
        for _ in range(repeat):
            await run()
    await orm_side.aclose()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if html is not None:
        html.write_text(profiler.output_html())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case", choices=["pk", "rows", "concurrent", "stream", "bulk", "compile"])
    parser.add_argument("--url", default=os.environ.get("BENCH_URL"))
    parser.add_argument("--token", default=os.environ.get("BENCH_TOKEN"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--html", type=Path)
    args = parser.parse_args(argv)
    server = None
    if args.url and args.token:
        url, token = args.url, args.token
    else:
        from directus_orm.testing.server import DirectusServer

        server = DirectusServer(extra_env=SERVER_ENV).start()
        url, token = server.url, server.admin_token
        asyncio.run(seed(url, token, Sizes().stream_rows))
    try:
        asyncio.run(_profile(args.case, url, token, args.repeat, args.html))
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
