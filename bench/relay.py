"""Relay load test: N websocket clients through ``directus-orm relay`` against the same N clients
connected to Directus directly, in the same run. Bounded: every wait has a timeout, and it stops by
itself.

    python -m bench.relay                                   # starts a local Directus; a few minutes
    python -m bench.relay --clients 1000 --writes 1000 --direct-writes 100 --rate 20

Two identities (the admin and a reader in its own role), half the clients each, all subscribed to the
same query (``create`` events of one collection). Writes are single-row POSTs at ``--rate`` per second;
each event's latency is its arrival at a client minus the moment its POST was sent (same process, same
clock). Checked: every client receives every write, exactly once. Reported for each path: p50/p99
write-to-client latency, messages delivered, the TCP connections to Directus, and for the relay its RSS
per client (a separate process: ``VmRSS`` after the clients subscribed minus before they connected,
divided by N) and its upstream sockets (the relay's gauge).

The direct path makes Directus read every written row once per subscription (N reads per write, its
design), so it gets ``--direct-writes`` writes (default 100) to stay within minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
from websockets.asyncio.client import ClientConnection, connect

COLLECTION = "bench_relay"
ROLE = "bench relay reader"
READER_EMAIL = "bench-relay@example.com"
CONNECT_BATCH = 50  # clients connecting at once
WAIT = 120.0  # the longest any single step may take


@dataclass
class Path:
    name: str
    latencies: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)  # events received, per client
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


class Clients:
    """N connected, subscribed clients recording the ``n`` of every create event they receive."""

    def __init__(self, path: Path, writes: int) -> None:
        self.path = path
        self.sent: dict[int, float] = {}
        self.writes = writes
        self.sockets: list[ClientConnection] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.seen: list[set[int]] = []

    async def open(self, url: str, headers_for: list[dict[str, str]], first: list[str | None],
                   frame: str) -> None:
        for start in range(0, len(headers_for), CONNECT_BATCH):
            batch = range(start, min(start + CONNECT_BATCH, len(headers_for)))
            await asyncio.gather(*(self._open_one(i, url, headers_for[i], first[i], frame) for i in batch))

    async def _open_one(self, i: int, url: str, headers: dict[str, str], auth: str | None,
                        frame: str) -> None:
        ws = await connect(url, additional_headers=headers, ping_interval=None, open_timeout=WAIT,
                           max_size=None, compression=None)
        if auth is not None:  # straight to Directus: the handshake's auth message first
            await ws.send(auth)
            reply = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
            if reply.get("status") != "ok":
                raise RuntimeError(f"auth refused: {reply}")
        await ws.send(frame)
        while True:
            reply = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
            if reply.get("type") == "ping":
                await ws.send('{"type":"pong"}')
                continue
            if reply.get("event") != "init":
                raise RuntimeError(f"subscribe refused: {reply}")
            break
        self.sockets.append(ws)
        seen: set[int] = set()
        self.seen.append(seen)
        self.tasks.append(asyncio.get_running_loop().create_task(self._read(ws, seen)))

    async def _read(self, ws: ClientConnection, seen: set[int]) -> None:
        path, sent = self.path, self.sent
        with contextlib.suppress(Exception):
            async for raw in ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                if frame.get("type") == "ping":
                    await ws.send('{"type":"pong"}')
                    continue
                if frame.get("event") != "create":
                    continue
                for row in frame.get("data") or ():
                    n = row.get("n")
                    if n in seen:
                        path.duplicates += 1
                    seen.add(n)
                    path.latencies.append(now - sent[n])

    def complete(self) -> bool:
        return all(len(s) >= self.writes for s in self.seen)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        self.path.counts = [len(s) for s in self.seen]


async def write(http: httpx.AsyncClient, clients: Clients, writes: int, rate: float, base: int) -> None:
    """``writes`` single-row POSTs at ``rate`` per second, then wait (bounded) for every client."""
    start = time.perf_counter()
    for i in range(writes):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        n = base + i
        clients.sent[n] = time.perf_counter()
        await _create(http, n)
    deadline = time.perf_counter() + WAIT
    while not clients.complete() and time.perf_counter() < deadline:
        await asyncio.sleep(0.2)


async def _create(http: httpx.AsyncClient, n: int) -> None:
    """POST one row; on a lost answer, only again if the row is not there (no duplicate events)."""
    for _ in range(20):
        try:
            answer = await http.post(f"/items/{COLLECTION}", json={"n": n})
        except httpx.TransportError:
            await asyncio.sleep(0.5)
            found = await http.get(f"/items/{COLLECTION}", params={"filter": json.dumps({"n": {"_eq": n}}),
                                                                   "fields": "id"})
            if found.json().get("data"):
                return
            continue
        if answer.status_code != 503:  # Directus's pressure limiter
            answer.raise_for_status()
            return
        await asyncio.sleep(0.5)
    raise RuntimeError(f"could not create row {n}")


def rss_kb(pid: int, key: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def tcp_to(port: int, pid: int | None = None) -> int:
    """Established TCP connections to 127.0.0.1:``port`` (owned by ``pid`` when given)."""
    inodes: set[str] | None = None
    if pid is not None:
        inodes = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    count = 0
    with open("/proc/net/tcp") as table:
        next(table)
        for line in table:
            parts = line.split()
            remote_port = int(parts[2].split(":")[1], 16)
            if remote_port == port and parts[3] == "01" and (inodes is None or parts[9] in inodes):
                count += 1
    return count


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def relay_process(url: str, port: int, max_queue: int) -> Iterator[subprocess.Popen[bytes]]:
    cmd = [sys.executable, "-m", "directus_orm.cli", "relay", "--url", url, "--host", "127.0.0.1",
           "--port", str(port), "--collection", COLLECTION, "--max-queue", str(max_queue),
           "--log-level", "warning"]
    proc = subprocess.Popen(cmd)
    try:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the relay exited with {proc.returncode}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()  # SIGTERM: uvicorn shuts down, the relay closes every client and socket
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


async def _setup(http: httpx.AsyncClient) -> str:
    await _teardown(http)
    (await http.post("/collections", json={
        "collection": COLLECTION, "schema": {}, "meta": {"accountability": None}, "fields": [
            {"field": "id", "type": "integer",
             "schema": {"is_primary_key": True, "has_auto_increment": True}},
            {"field": "n", "type": "integer", "schema": {}}]})).raise_for_status()
    info = (await http.get("/server/info")).json()["data"]
    version = str(info.get("version") or (info.get("directus") or {}).get("version") or "")
    if version.startswith("10."):  # Directus 10: the role holds its permissions, no policies
        role = (await http.post("/roles", json={"name": ROLE, "app_access": False,
                                                "admin_access": False})).json()["data"]["id"]
        owner = {"role": role}
    else:
        role = (await http.post("/roles", json={"name": ROLE})).json()["data"]["id"]
        policy = (await http.post("/policies", json={"name": ROLE, "app_access": False,
                                                      "admin_access": False})).json()["data"]["id"]
        (await http.post("/access", json={"role": role, "policy": policy})).raise_for_status()
        owner = {"policy": policy}
    (await http.post("/permissions", json={**owner, "collection": COLLECTION, "action": "read",
                                           "fields": ["*"]})).raise_for_status()
    token = secrets.token_urlsafe(24)
    (await http.post("/users", json={"email": READER_EMAIL, "password": secrets.token_urlsafe(16),
                                     "role": role, "status": "active", "token": token})).raise_for_status()
    return token


async def _teardown(http: httpx.AsyncClient) -> None:
    for path, flt in (("/users", {"email": {"_eq": READER_EMAIL}}), ("/roles", {"name": {"_eq": ROLE}}),
                      ("/policies", {"name": {"_eq": ROLE}})):
        answer = await http.get(path, params={"filter": json.dumps(flt), "fields": "id"})
        rows = answer.json().get("data") or []
        for row in rows:
            await http.delete(f"{path}/{row['id']}")
    await http.delete(f"/collections/{COLLECTION}")


def _ms(values: list[float], q: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.1f} ms"


async def bench(url: str, token: str, n_clients: int, writes: int, direct_writes: int, rate: float,
                max_queue: int) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}
    directus_port = int(url.rsplit(":", 1)[1].split("/")[0])
    frame = json.dumps({"type": "subscribe", "collection": COLLECTION, "uid": "b", "event": "create",
                        "query": {"fields": ["id", "n"]}})
    lines: list[str] = []
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
        reader_token = await _setup(http)
        tokens = [token if i % 2 == 0 else reader_token for i in range(n_clients)]
        try:
            # -- through the relay -----------------------------------------------------------------
            relay = Path("through the relay")
            port = _free_port()
            with relay_process(url, port, max_queue) as proc:
                relay_url = f"ws://127.0.0.1:{port}/"
                await asyncio.sleep(1.0)
                before = rss_kb(proc.pid)
                clients = Clients(relay, writes)
                await clients.open(relay_url, [{"Authorization": f"Bearer {t}"} for t in tokens],
                                   [None] * n_clients, frame)
                await asyncio.sleep(1.0)
                subscribed = rss_kb(proc.pid)
                metrics = await _metrics(port)
                relay_tcp = tcp_to(directus_port, proc.pid)
                started = time.perf_counter()
                await write(http, clients, writes, rate, 0)
                relay_time = time.perf_counter() - started
                peak = rss_kb(proc.pid, "VmHWM")
                await clients.close()
                after_metrics = await _metrics(port)
            # -- straight to Directus --------------------------------------------------------------
            direct = Path("straight to Directus")
            ws_url = url.replace("http://", "ws://").rstrip("/") + "/websocket"
            clients = Clients(direct, direct_writes)
            await clients.open(ws_url, [{}] * n_clients,
                               [json.dumps({"type": "auth", "access_token": t}) for t in tokens], frame)
            direct_tcp = tcp_to(directus_port, os.getpid())
            started = time.perf_counter()
            await write(http, clients, direct_writes, rate, 1_000_000)
            direct_time = time.perf_counter() - started
            await clients.close()
        finally:
            await _teardown(http)
    lines += [
        f"clients: {n_clients} (2 identities, half each); writes: {writes} through the relay, "
        f"{direct_writes} straight to Directus, at {rate:g}/s; relay max_queue {max_queue}", "",
        "| path | writes | events expected | received | complete clients | dup | p50 | p99 | "
        "wall | TCP connections to Directus |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for path, w, took, tcp in ((relay, writes, relay_time, relay_tcp), (direct, direct_writes, direct_time,
                                                                          direct_tcp)):
        complete = sum(1 for c in path.counts if c >= w)
        lines.append(f"| {path.name} | {w} | {w * n_clients:,} | {len(path.latencies):,} | "
                     f"{complete}/{n_clients} | {path.duplicates} | {_ms(path.latencies, 0.5)} | "
                     f"{_ms(path.latencies, 0.99)} | {took:.1f} s | {tcp} |")
    lines += [
        "",
        f"relay: RSS {before / 1024:.1f} MB before the clients, {subscribed / 1024:.1f} MB with them "
        f"subscribed -> {(subscribed - before) / n_clients:.1f} kB per client; peak {peak / 1024:.1f} MB",
        f"relay metrics with the clients subscribed: {json.dumps(metrics)}",
        f"relay metrics at the end: {json.dumps(after_metrics)}",
        _p50_ratio(relay, direct),
    ]
    return lines


def _p50_ratio(relay: Path, direct: Path) -> str:
    if not relay.latencies or not direct.latencies:
        return "p50 ratio relay/direct: -"
    ratio = statistics.median(relay.latencies) / statistics.median(direct.latencies)
    return f"p50 ratio relay/direct: {ratio:.2f}x"


async def _metrics(port: int) -> dict[str, int]:
    async with httpx.AsyncClient(timeout=30) as http:
        text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    out: dict[str, int] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.split()
            out[name.removeprefix("directus_relay_").removesuffix("_total")] = int(value)
    return out


def run(url: str | None, token: str | None, clients: int, writes: int, direct_writes: int, rate: float,
        max_queue: int) -> list[str]:
    if url and token:
        return asyncio.run(bench(url, token, clients, writes, direct_writes, rate, max_queue))
    from directus_orm.testing.server import DirectusServer

    with DirectusServer(extra_env={"PRESSURE_LIMITER_ENABLED": "false"}) as server:
        return asyncio.run(bench(server.url, server.admin_token, clients, writes, direct_writes, rate,
                                 max_queue))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.relay", description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--token")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--direct-writes", type=int, default=100)
    parser.add_argument("--rate", type=float, default=20.0, help="writes per second")
    parser.add_argument("--max-queue", type=int, default=1000)
    args = parser.parse_args(argv)
    for line in run(args.url, args.token, args.clients, args.writes, args.direct_writes, args.rate,
                    args.max_queue):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
