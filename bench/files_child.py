"""One file transfer in its own process, so that its memory is its own.

    python -m bench.files_child {orm,raw} {upload,download} URL PATH [KEY]

Uploads PATH (printing the new file's key), or downloads file KEY into PATH. Prints
``{"seconds": ..., "bytes": ..., "rss_before_kb": ..., "hwm_kb": ..., "key": ...}``; the token comes in
the environment (``BENCH_TOKEN``). Before the clock starts each contender sends one small untimed
request (client, connection, imports). ``hwm_kb - rss_before_kb`` is how much the peak RSS grew during
the transfer (``VmHWM``: see bench/stream_child.py for why not ru_maxrss).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

CHUNK = 1024 * 1024


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


async def _orm(op: str, url: str, token: str, path: Path, key: str | None) -> tuple[float, int, str, int]:
    import directus_orm
    from directus_orm.files import File

    directus_orm.configure({"default": {"url": url, "token": token}})
    warm = await File.objects.upload(b"warm-up", filename="warm.txt")
    await warm.read()
    await warm.delete()
    if op == "upload":
        before = _status("VmRSS")
        started = time.perf_counter()
        stored = await File.objects.upload(path)
        elapsed = time.perf_counter() - started
        return elapsed, int(stored.filesize or 0), str(stored.id), before
    stored = await File.objects.get(id=key)
    before = _status("VmRSS")
    started = time.perf_counter()
    written = await stored.download(path)
    return time.perf_counter() - started, written, str(key), before


async def _raw(op: str, url: str, token: str, path: Path, key: str | None) -> tuple[float, int, str, int]:
    import httpx

    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"},
                                 timeout=httpx.Timeout(30.0, connect=10.0)) as client:
        warm = await client.post("/files", files={"file": ("warm.txt", b"warm-up", "text/plain")})
        warm_key = warm.json()["data"]["id"]
        await client.get(f"/assets/{warm_key}")
        await client.delete(f"/files/{warm_key}")
        if op == "upload":
            boundary = secrets.token_hex(16)
            head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n").encode()
            tail = f"\r\n--{boundary}--\r\n".encode()
            size = path.stat().st_size

            async def body() -> AsyncIterator[bytes]:  # the file read off the event loop, chunk by chunk
                yield head
                with path.open("rb") as handle:
                    while chunk := await asyncio.to_thread(handle.read, CHUNK):
                        yield chunk
                yield tail

            before = _status("VmRSS")
            started = time.perf_counter()
            answer = await client.post("/files", content=body(), headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(len(head) + size + len(tail))})
            elapsed = time.perf_counter() - started
            answer.raise_for_status()
            data = answer.json()["data"]
            return elapsed, int(data["filesize"]), str(data["id"]), before
        before = _status("VmRSS")
        started = time.perf_counter()
        written = 0
        async with client.stream("GET", f"/assets/{key}") as answer:
            answer.raise_for_status()
            with path.open("wb") as handle:
                async for chunk in answer.aiter_bytes(CHUNK):
                    await asyncio.to_thread(handle.write, chunk)
                    written += len(chunk)
        return time.perf_counter() - started, written, str(key), before


def main(argv: list[str]) -> int:
    contender, op, url, path = argv[:4]
    key = argv[4] if len(argv) > 4 else None
    token = os.environ["BENCH_TOKEN"]
    run = _orm if contender == "orm" else _raw
    seconds, size, stored_key, before = asyncio.run(run(op, url, token, Path(path), key))
    print(json.dumps({"seconds": seconds, "bytes": size, "key": stored_key, "rss_before_kb": before,
                      "hwm_kb": _status("VmHWM")}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
