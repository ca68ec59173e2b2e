"""One streaming run in its own process, so that its peak RSS is its own.

    python -m bench.stream_child {orm,raw} URL PAGE_SIZE

Prints ``{"seconds": ..., "rows": ..., "vm_hwm_kb": ..., "ru_maxrss_kb": ...}`` on stdout. The token is
passed in the environment (``BENCH_TOKEN``), never on the command line. Before the clock starts, each
contender reads one page untimed: a process's first request creates the HTTP client, its SSL context
(17 ms, even for http://) and the connection, and the ORM builds its validators.

Peak RSS: ``getrusage(RUSAGE_SELF).ru_maxrss`` of a freshly exec'd process is not its own on Linux: exec
keeps the high-water mark of the memory map it replaces, which after fork/vfork is the parent's (both
children reported exactly the parent's 55.4 MB). ``VmHWM`` in /proc/self/status is the peak RSS of this
process's own memory map since exec, so that is what is compared with the budget; ru_maxrss is reported
alongside.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
from pathlib import Path


async def _orm(url: str, token: str, page_size: int) -> tuple[float, int]:
    import directus_orm

    from . import orm_side

    directus_orm.configure({"default": {"url": url, "token": token, "page_size": page_size}})
    await orm_side.stream_first(1)  # untimed warm-up, as in the other cases: client, connection, validators
    started = time.perf_counter()
    rows = await orm_side.stream()
    elapsed = time.perf_counter() - started
    await orm_side.aclose()
    return elapsed, rows


async def _raw(url: str, token: str, page_size: int) -> tuple[float, int]:
    from .raw_side import Raw

    raw = Raw(url, token)
    await raw.stream(page_size, stop_after=1)  # untimed warm-up
    started = time.perf_counter()
    rows = await raw.stream(page_size)
    elapsed = time.perf_counter() - started
    await raw.aclose()
    return elapsed, rows


def vm_hwm_kb() -> int:
    """Peak resident set size of this process's memory map (KiB), from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def main(argv: list[str]) -> int:
    contender, url, page_size = argv[0], argv[1], int(argv[2])
    token = os.environ["BENCH_TOKEN"]
    run = {"orm": _orm, "raw": _raw}[contender]
    seconds, rows = asyncio.run(run(url, token, page_size))
    print(json.dumps({"seconds": seconds, "rows": rows, "vm_hwm_kb": vm_hwm_kb(),
                      "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
