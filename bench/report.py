"""The results table (markdown, so it pastes into bench/RESULTS.md) and the machine description."""

from __future__ import annotations

import datetime
import os
import platform
import statistics
from pathlib import Path

from .suite import ORM, PYD, RAW, CaseResult


def _time(seconds: float | None, per_call: bool = False) -> str:
    if seconds is None:
        return "-"
    if per_call:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.2f} s"


def paired_ratio(r: CaseResult, other: str) -> tuple[float, float, float] | None:
    """The ORM's time over ``other``'s: the median of the per-round ratios, with their quartiles."""
    ratios = r.timings.paired(ORM, other)
    if not ratios:
        return None
    q1, _, q3 = statistics.quantiles(ratios, n=4, method="inclusive") if len(ratios) > 1 else ratios * 3
    return statistics.median(ratios), q1, q3


def _paired(r: CaseResult, other: str) -> str:
    ratio = paired_ratio(r, other)
    return "-" if ratio is None else f"{ratio[0]:.2f}x ({ratio[1]:.2f}-{ratio[2]:.2f})"


def verdict(r: CaseResult) -> tuple[str, str]:
    """(target, PASS / MISS with the reasons). A ratio target is judged on the median per-round ratio;
    a miss whose quartiles reach the target says so (the difference is within the run's spread)."""
    t = r.timings
    targets: list[str] = []
    misses: list[str] = []

    def judge(other: str, limit: float, strict: bool, label: str) -> None:
        ratio = paired_ratio(r, other)
        if ratio is None:
            return
        median, q1, _ = ratio
        if median >= limit if strict else median > limit:
            misses.append(label + (", within the spread" if q1 <= limit else ""))

    if r.target_raw is not None:
        targets.append(f"<= {r.target_raw:.2f}x raw")
        judge(RAW, r.target_raw, False, "vs raw")
    if t.samples.get(PYD):
        targets.append("< 1x py-directus")
        judge(PYD, 1.0, True, "vs py-directus")
    orm = t.median(ORM)
    if r.target_seconds is not None:
        targets.append(f"< {r.target_seconds * 1e6:.0f} us")
        if orm is not None and orm >= r.target_seconds:
            misses.append("time")
    if r.rss_limit_mb is not None:
        targets.append(f"peak RSS < {r.rss_limit_mb:.0f} MB")
        rss = t.peak_rss_kb.get(ORM)
        if rss is not None and rss / 1024 >= r.rss_limit_mb:
            misses.append("RSS")
    for description, met in r.checks.items():
        targets.append(description)
        if not met:
            misses.append(description)
    return "; ".join(targets), ("MISS (" + "; ".join(misses) + ")") if misses else "PASS"


def table(results: list[CaseResult]) -> str:
    """Server-bound cases: medians per contender; ratios are medians of per-round ratios (quartiles in
    parentheses)."""
    lines = [
        "| case | directus-orm | raw httpx | py-directus | ORM/raw | ORM/py-directus | target | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in results:
        if r.client_side:
            continue
        t = r.timings
        orm, raw, pyd = t.median(ORM), t.median(RAW), t.median(PYD)
        target, result = verdict(r)
        lines.append(
            f"| {r.title} | {_time(orm, r.per_call)} | {_time(raw, r.per_call)} | {_time(pyd, r.per_call)} "
            f"| {_paired(r, RAW)} | {_paired(r, PYD)} | {target} | {result} |"
        )
    return "\n".join(lines)


def client_table(results: list[CaseResult]) -> str:
    """The same operations answered from memory (bench/replay.py): each library's own time."""
    lines = [
        "| case (no server) | directus-orm | raw httpx | py-directus | ORM - raw | ORM/raw "
        "| ORM/py-directus |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        if not r.client_side:
            continue
        t = r.timings
        orm, raw, pyd = t.median(ORM), t.median(RAW), t.median(PYD)
        extra = "-" if orm is None or raw is None else _time(orm - raw)
        lines.append(f"| {r.title} | {_time(orm)} | {_time(raw)} | {_time(pyd)} | {extra} "
                     f"| {_paired(r, RAW)} | {_paired(r, PYD)} |")
    return "\n".join(lines)


def details(results: list[CaseResult]) -> list[str]:
    out: list[str] = []
    for r in results:
        t = r.timings
        where = " (no server)" if r.client_side else ""
        for name, values in t.samples.items():
            shown = ", ".join(_time(v, r.per_call) for v in values)
            out.append(f"{r.key}{where} / {name}: n={len(values)} [{shown}]")
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
