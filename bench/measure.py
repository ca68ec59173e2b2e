"""Timing machinery: interleaved repeats with medians, child processes for peak RSS, timeit for the
compiler. Nothing here knows which library it is timing."""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: A timed run: returns how many items it handled (checked against the case's expectation).
Thunk = Callable[[], Awaitable[int]]
#: Untimed preparation of one sample (e.g. emptying a table, building objects) returning the run.
Prepare = Callable[[], Awaitable[Thunk]]

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Timings:
    """Samples per contender, in seconds (the compile case: seconds per compile)."""

    samples: dict[str, list[float]] = field(default_factory=dict)
    peak_rss_kb: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, seconds: float) -> None:
        self.samples.setdefault(name, []).append(seconds)

    def median(self, name: str) -> float | None:
        values = self.samples.get(name)
        return statistics.median(values) if values else None

    def paired(self, a: str, b: str) -> list[float]:
        """``a``'s time over ``b``'s, round by round: the contenders of a round ran back to back, so
        each ratio compares them under the same conditions (the server's state, the machine's load)."""
        mine, theirs = self.samples.get(a), self.samples.get(b)
        return [x / y for x, y in zip(mine, theirs, strict=True)] if mine and theirs else []


def rotated(names: list[str], shift: int) -> list[str]:
    """Interleave contenders: each repeat starts with the next one, so no one always goes first."""
    k = shift % len(names)
    return names[k:] + names[:k]


async def interleaved(
    contenders: Mapping[str, Prepare], repeats: int, expected: int, warmup: bool = True
) -> Timings:
    """Run every contender ``repeats`` times, rotating the order each round; one untimed warm-up each
    (it opens the pools' connections and builds pydantic's validators)."""
    timings = Timings()
    names = list(contenders)
    if warmup:
        for name in names:
            await (await contenders[name]())()
    for rep in range(repeats):
        for name in rotated(names, rep):
            run = await contenders[name]()
            gc.collect()
            started = time.perf_counter()
            handled = await run()
            elapsed = time.perf_counter() - started
            if handled != expected:
                raise RuntimeError(f"{name}: handled {handled} items, expected {expected}")
            timings.add(name, elapsed)
    return timings


def child_run(module: str, args: list[str], env: Mapping[str, str]) -> dict[str, float]:
    """Run ``python -m module args`` in a fresh process of this interpreter; returns the JSON object it
    prints last. (The child measures its own peak RSS: see bench/stream_child.py for why the parent's
    ``os.wait4`` ru_maxrss would not do.)"""
    proc = subprocess.Popen(
        [sys.executable, "-m", module, *args], cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    proc.stdout.close()
    if proc.wait() != 0:
        raise RuntimeError(f"python -m {module} {args[0] if args else ''} exited with {proc.returncode}")
    answer: dict[str, float] = json.loads(out.decode().strip().splitlines()[-1])
    return answer


def per_call(func: Callable[[], object], repeats: int = 7) -> list[float]:
    """Seconds per call of ``func``: timeit's auto-ranged loop count (>= 0.2 s a round), ``repeats``
    rounds."""
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    return [t / number for t in timer.repeat(repeat=repeats, number=number)]
