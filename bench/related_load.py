"""The client side of the related case alone: a select_related page loaded into models, row by row (the
path rows with related rows took before they loaded a page at a time), a page at a time, and by plain
pydantic (``TypeAdapter(list[ProductRow])``, raw httpx's parsing), interleaved, no server, no HTTP.

    .venv/bin/python -m bench.related_load [ROWS] [ROUNDS]

Prints each contender's median and the median of its per-round ratios to plain pydantic, with the
quartiles: on a shared machine the ratios hold where the times do not.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable

from pydantic import TypeAdapter

from .orm_side import Product
from .rows import ProductRow

RAW = "plain pydantic"


def main(rows_wanted: int, rounds: int) -> None:
    rows = [{"id": i, "name": f"product {i:05d}", "price": (i % 700) * 0.5,
             "category": {"id": 1 + i % 10, "name": f"c{i % 10}"}} for i in range(1, rows_wanted + 1)]
    adapter = TypeAdapter(list[ProductRow])
    contenders: dict[str, Callable[[], object]] = {
        "directus-orm, row by row": lambda: [Product._from_db(r, "default") for r in rows],
        "directus-orm, a page at a time": lambda: Product._from_db_page(rows, "default"),
        RAW: lambda: adapter.validate_python(rows),
    }
    for run in contenders.values():
        run()  # warm-up
    samples: dict[str, list[float]] = {k: [] for k in contenders}
    keys = list(contenders)
    for i in range(rounds):
        for key in keys[i % len(keys):] + keys[:i % len(keys)]:
            started = time.perf_counter()
            contenders[key]()
            samples[key].append(time.perf_counter() - started)
    print(f"{rows_wanted:,} rows, {rounds} rounds, load average {os.getloadavg()[0]:.1f}")
    for key, times in samples.items():
        ratios = [a / b for a, b in zip(times, samples[RAW], strict=True)]
        low, _, high = statistics.quantiles(ratios, n=4)
        print(f"- {key}: {statistics.median(times) * 1000:.2f} ms, {statistics.median(ratios):.2f}x plain "
              f"pydantic ({low:.2f}-{high:.2f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_500, int(sys.argv[2]) if len(sys.argv) > 2 else 25)
