"""Realtime benchmark: ``qs.subscribe()`` against a minimal raw ``websockets`` client, in the same run.

    python -m bench.realtime                     # starts a local Directus; ~1 minute
    python -m bench.realtime --url URL --token T --events 1000 --writes 100 --rounds 5

Two measures, each contender subscribed alone, the order rotating every round:

* **events/s**: ``--events`` rows created in 100-row POSTs, timed from the first POST to the last event
  received (Directus sends one ``create`` event per row, each read back with the subscription's query);
* **write-to-event latency**: ``--writes`` single-row POSTs one after the other, each timed from
  sending the POST to receiving its event (p50 and p99).

The raw client sends the same subscribe frame (the ORM's query), answers Directus's pings and parses each
event into a plain pydantic model with ``TypeAdapter(list[Row])``, as the raw httpx contender of the main
suite does: what is compared is the library's own cost. Ratios are medians of per-round ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import BaseModel, TypeAdapter

import directus_orm
from directus_orm import DirectusModel

COLLECTION = "bench_realtime"
BATCH = 100


class Item(DirectusModel):
    id: int | None = None
    title: str | None = None
    n: int | None = None

    class Meta:
        collection = COLLECTION


class Row(BaseModel):
    id: int | None = None
    title: str | None = None
    n: int | None = None


ROWS: TypeAdapter[list[Row]] = TypeAdapter(list[Row])


class OrmSide:
    name = "directus-orm"

    async def __aenter__(self) -> OrmSide:
        self._sub = Item.objects.subscribe(events="create", init=False)
        await self._sub.start()
        return self

    async def next_rows(self) -> int:
        event = await self._sub.__anext__()
        return len(event.instances)

    async def __aexit__(self, *exc: object) -> None:
        await self._sub.aclose()


class RawSide:
    """The least a correct client does: auth, wait for ``auth ok``, subscribe, answer pings, parse."""

    name = "raw websockets"

    def __init__(self, url: str, token: str) -> None:
        self._url = url.replace("http", "ws", 1) + "/websocket"
        self._token = token

    async def __aenter__(self) -> RawSide:
        from websockets.asyncio.client import connect

        self._ws = await connect(self._url, ping_interval=None, max_size=None, compression=None, proxy=None)
        await self._ws.send(json.dumps({"type": "auth", "access_token": self._token}))
        assert json.loads(await self._ws.recv())["status"] == "ok"
        spec = Item.objects.subscribe(events="create", init=False).spec  # the same query as the ORM
        await self._ws.send(json.dumps({"type": "subscribe", "collection": COLLECTION, "uid": "raw",
                                        "event": "create", "query": spec.query}))
        while json.loads(await self._ws.recv()).get("event") != "init":
            pass
        return self

    async def next_rows(self) -> int:
        while True:
            frame = json.loads(await self._ws.recv())
            if frame.get("type") == "ping":
                await self._ws.send('{"type":"pong"}')
            elif frame.get("type") == "subscription" and frame.get("uid") == "raw":
                return len(ROWS.validate_python(frame["data"]))

    async def __aexit__(self, *exc: object) -> None:
        await self._ws.close()


async def post(http: httpx.AsyncClient, data: Any) -> None:
    for _ in range(50):
        response = await http.post(f"/items/{COLLECTION}", json=data)
        if response.status_code != 503:  # Directus's pressure limiter on a busy machine: not handled
            break
        await asyncio.sleep(0.2)
    response.raise_for_status()


async def throughput(side: Any, http: httpx.AsyncClient, events: int) -> float:
    async with side:
        started = time.perf_counter()

        async def write() -> None:
            for start in range(0, events, BATCH):
                rows = [{"title": f"t{i}", "n": i} for i in range(start, min(events, start + BATCH))]
                await post(http, rows)

        writer = asyncio.create_task(write())
        got = 0
        while got < events:
            got += await asyncio.wait_for(side.next_rows(), 60)
        elapsed = time.perf_counter() - started
        await writer
    return events / elapsed


async def latencies(side: Any, http: httpx.AsyncClient, writes: int) -> list[float]:
    out = []
    async with side:
        for i in range(writes):
            started = time.perf_counter()
            await post(http, {"title": "lat", "n": i})
            await asyncio.wait_for(side.next_rows(), 30)
            out.append(time.perf_counter() - started)
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ratio(values: list[float]) -> str:
    quartiles = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return f"{statistics.median(values):.2f}x ({quartiles[0]:.2f}-{quartiles[2]:.2f})"


async def bench(url: str, token: str, events: int, writes: int, rounds: int) -> list[str]:
    directus_orm.configure({"default": {"url": url, "token": token}})
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
        await http.delete(f"/collections/{COLLECTION}")
        (await http.post("/collections", json={
            "collection": COLLECTION, "schema": {}, "meta": {"accountability": None}, "fields": [
                {"field": "id", "type": "integer",
                 "schema": {"is_primary_key": True, "has_auto_increment": True}},
                {"field": "title", "type": "string", "schema": {}},
                {"field": "n", "type": "integer", "schema": {}},
            ]})).raise_for_status()
        sides: list[Callable[[], Any]] = [OrmSide, lambda: RawSide(url, token)]
        rate: dict[str, list[float]] = {"directus-orm": [], "raw websockets": []}
        lat: dict[str, list[float]] = {"directus-orm": [], "raw websockets": []}
        rate_ratio: list[float] = []
        p50_ratio: list[float] = []
        try:
            for r in range(rounds + 1):  # round 0 warms up, untimed
                order = sides if r % 2 else sides[::-1]
                round_rate: dict[str, float] = {}
                round_lat: dict[str, list[float]] = {}
                for make in order:
                    side = make()
                    round_rate[side.name] = await throughput(side, http, events)
                    round_lat[side.name] = await latencies(make(), http, writes)
                if r == 0:
                    continue
                for name in rate:
                    rate[name].append(round_rate[name])
                    lat[name].extend(round_lat[name])
                rate_ratio.append(round_rate["directus-orm"] / round_rate["raw websockets"])
                p50_ratio.append(statistics.median(round_lat["directus-orm"])
                                 / statistics.median(round_lat["raw websockets"]))
        finally:
            await http.delete(f"/collections/{COLLECTION}")
            await directus_orm.connections.aclose_all()
    lines = [
        f"events: {events} per run, latency: {writes} writes per run, {rounds} rounds (+1 warm-up)",
        "",
        "| measure | directus-orm | raw websockets | ratio (orm / raw) |",
        "| --- | --- | --- | --- |",
        f"| events/s (median) | {statistics.median(rate['directus-orm']):,.0f} | "
        f"{statistics.median(rate['raw websockets']):,.0f} | {_ratio(rate_ratio)} |",
    ]
    for label, q in (("p50", 0.5), ("p99", 0.99)):
        orm, raw = _pct(lat["directus-orm"], q) * 1000, _pct(lat["raw websockets"], q) * 1000
        ratio = _ratio(p50_ratio) if label == "p50" else f"{orm / raw:.2f}x"
        lines.append(f"| write-to-event latency {label} (ms) | {orm:.1f} | {raw:.1f} | {ratio} |")
    return lines


def run(url: str | None, token: str | None, events: int, writes: int, rounds: int) -> list[str]:
    if url and token:
        return asyncio.run(bench(url, token, events, writes, rounds))
    from directus_orm.testing.server import DirectusServer

    # The pressure limiter answers 503 when the event loop lags (a loaded machine): not what is measured.
    with DirectusServer(extra_env={"PRESSURE_LIMITER_ENABLED": "false"}) as server:
        return asyncio.run(bench(server.url, server.admin_token, events, writes, rounds))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realtime", description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--token")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--writes", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print("\n".join(run(args.url, args.token, args.events, args.writes, args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
