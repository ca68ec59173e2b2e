"""The results table (markdown, so it pastes into bench/RESULTS.md) and the machine description."""

from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

from .suite import ORM, PYD, RAW, CaseResult


def _time(seconds: float | None, per_call: bool = False) -> str:
    if seconds is None:
        return "-"
    if per_call:
        return f"{seconds * 1e6:.1f} us"
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.2f} s"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None else f"{a / b:.2f}x"


def verdict(r: CaseResult) -> tuple[str, str]:
    """(target, PASS / MISS with the reasons)."""
    t = r.timings
    orm, raw, pyd = t.median(ORM), t.median(RAW), t.median(PYD)
    targets: list[str] = []
    misses: list[str] = []
    if r.target_raw is not None:
        targets.append(f"<= {r.target_raw:.2f}x raw")
        if orm is not None and raw is not None and orm / raw > r.target_raw:
            misses.append("vs raw")
    if pyd is not None:
        targets.append("< 1x py-directus")
        if orm is not None and orm >= pyd:
            misses.append("vs py-directus")
    if r.target_seconds is not None:
        targets.append(f"< {r.target_seconds * 1e6:.0f} us")
        if orm is not None and orm >= r.target_seconds:
            misses.append("time")
    if r.rss_limit_mb is not None:
        targets.append(f"peak RSS < {r.rss_limit_mb:.0f} MB")
        rss = t.peak_rss_kb.get(ORM)
        if rss is not None and rss / 1024 >= r.rss_limit_mb:
            misses.append("RSS")
    return "; ".join(targets), ("MISS (" + ", ".join(misses) + ")") if misses else "PASS"


def table(results: list[CaseResult]) -> str:
    lines = [
        "| case | directus-orm | raw httpx | py-directus | ORM/raw | ORM/py-directus | target | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in results:
        t = r.timings
        orm, raw, pyd = t.median(ORM), t.median(RAW), t.median(PYD)
        target, result = verdict(r)
        lines.append(
            f"| {r.title} | {_time(orm, r.per_call)} | {_time(raw, r.per_call)} | {_time(pyd, r.per_call)} "
            f"| {_ratio(orm, raw)} | {_ratio(orm, pyd)} | {target} | {result} |"
        )
    return "\n".join(lines)


def details(results: list[CaseResult]) -> list[str]:
    out: list[str] = []
    for r in results:
        t = r.timings
        for name, values in t.samples.items():
            shown = ", ".join(_time(v, r.per_call) for v in values)
            out.append(f"{r.key} / {name}: n={len(values)} [{shown}]")
        for name, kb in t.peak_rss_kb.items():
            out.append(f"{r.key}: peak RSS of the {name} child process: {kb / 1024:.1f} MB")
        out.extend(f"{r.key}: {note}" for note in r.notes)
    return out


def machine() -> list[str]:
    cpu = "unknown"
    mem = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return [
        f"date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"machine: {os.cpu_count()} CPUs ({cpu}), {mem} RAM, {platform.system()} {platform.release()}",
        f"python: {platform.python_implementation()} {platform.python_version()}",
        f"load average (1, 5, 15 min) at start: {load}",
    ]
