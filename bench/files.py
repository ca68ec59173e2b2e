"""Files: upload and download of one large generated file, directus-orm vs raw httpx streaming.

    python -m bench.files                  # 1 GiB, 3 rounds (needs ~3 GiB of free disk in $TMPDIR)
    python -m bench.files --size-mb 64     # smaller, for a quick check
    python -m bench.files --url URL --token TOKEN

Each transfer runs in its own process (bench/files_child.py), the contenders interleaved (the order
rotates each round). Reported: the median time of each, the median of the per-round ratios
(directus-orm / raw httpx; target <= 1.05x) and the peak RSS growth of the client process during the
transfer (target < 50 MB). Every download's size is checked, and the first one's sha256.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from .measure import child_run, rotated

CONTENDERS = ["orm", "raw"]
NAMES = {"orm": "directus-orm", "raw": "raw httpx"}


def _generate(path: Path, size: int) -> str:
    """``size`` pseudo-random bytes (incompressible; generated fast from a repeated random block)."""
    digest = hashlib.sha256()
    block = os.urandom(4 * 1024 * 1024)
    with path.open("wb") as handle:
        left, turn = size, 0
        while left:
            piece = (block[turn % 4096:] + block[:turn % 4096])[:left]
            handle.write(piece)
            digest.update(piece)
            left -= len(piece)
            turn += 1
    return digest.hexdigest()


def _sha(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(4 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def run(url: str, token: str, size: int, rounds: int, workdir: Path) -> list[str]:
    env = {"BENCH_TOKEN": token}
    source = workdir / "source.bin"
    expected = _generate(source, size)
    http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120)
    samples: dict[tuple[str, str], list[dict[str, Any]]] = {}
    with source.open("rb") as handle:
        stored = http.post("/files", files={"file": ("download.bin", handle, "application/octet-stream")})
    stored.raise_for_status()
    download_key = stored.json()["data"]["id"]
    checked = False
    try:
        for rnd in range(rounds):
            for who in rotated(CONTENDERS, rnd):
                up = child_run("bench.files_child", [who, "upload", url, str(source)], env)
                http.delete(f"/files/{up['key']}").raise_for_status()
                if up["bytes"] != size:
                    raise RuntimeError(f"{who} upload stored {up['bytes']} bytes, not {size}")
                samples.setdefault((who, "upload"), []).append(up)
                target = workdir / f"down-{who}.bin"
                down = child_run("bench.files_child", [who, "download", url, str(target), download_key], env)
                if down["bytes"] != size or target.stat().st_size != size:
                    raise RuntimeError(f"{who} download wrote {down['bytes']} bytes, not {size}")
                if not checked and who == "orm":
                    if _sha(target) != expected:
                        raise RuntimeError("directus-orm's download differs from the source")
                    checked = True
                target.unlink()
                samples.setdefault((who, "download"), []).append(down)
    finally:
        http.delete(f"/files/{download_key}")
        http.close()
    mb = size / 1024 / 1024
    lines = [f"Files: {mb:,.0f} MiB, {rounds} rounds, each transfer in its own process", "",
             "| transfer | contender | median time | MB/s | ratio vs raw (quartiles) | peak RSS growth |",
             "| --- | --- | --- | --- | --- | --- |"]
    samples_lines = ["", "Samples:"]
    for op in ("upload", "download"):
        raw_times = [s["seconds"] for s in samples[("raw", op)]]
        for who in CONTENDERS:
            runs = samples[(who, op)]
            times = [s["seconds"] for s in runs]
            growth = max(s["hwm_kb"] - s["rss_before_kb"] for s in runs) / 1024
            median = statistics.median(times)
            ratio = ""
            if who == "orm":
                ratios = sorted(t / r for t, r in zip(times, raw_times, strict=True))
                q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
                ratio = f"{statistics.median(ratios):.3f}x ({q[0]:.2f}-{q[2]:.2f})"
            lines.append(f"| {op} | {NAMES[who]} | {median:.2f} s | {mb / median:,.0f} | {ratio} | "
                         f"{growth:.1f} MB |")
    for op in ("upload", "download"):
        for who in CONTENDERS:
            seconds = ", ".join(f"{s['seconds']:.2f}" for s in samples[(who, op)])
            samples_lines.append(f"- {NAMES[who]} {op}: {seconds} s")
    lines += samples_lines
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.files", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB (default 1024)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--url", default=os.environ.get("BENCH_URL"))
    parser.add_argument("--token", default=os.environ.get("BENCH_TOKEN"))
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        url, token = args.url, args.token
        if not url:
            from directus_orm.testing.server import DirectusServer

            server = stack.enter_context(DirectusServer(extra_env={"PRESSURE_LIMITER_ENABLED": "false"}))
            url, token = server.url, server.admin_token
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-files-")))
        lines = run(url, token, args.size_mb * 1024 * 1024, args.rounds, workdir)
    report = "\n".join(lines)
    print(report)
    if args.output:
        args.output.write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
