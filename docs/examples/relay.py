"""The websocket relay: a browser-facing realtime endpoint in front of Directus. Needs DIRECTUS_URL and
DIRECTUS_TOKEN (admin), a server with WEBSOCKETS_ENABLED=true and the ``relay`` extra; creates its own
docs_relay_notes collection and drops it at the end.

It serves the relay with uvicorn on a free loopback port (as ``directus-orm relay`` would), connects a
client with the token in a header, subscribes, writes a row over REST and prints what the client got.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket

import uvicorn
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from directus_orm import Directus
from directus_orm.contrib.relay import Relay, RelayConfig
from directus_orm.exceptions import APIError

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]
COLLECTION = "docs_relay_notes"


async def create_schema(conn: Directus) -> None:
    with contextlib.suppress(APIError):
        await conn.delete(f"/collections/{COLLECTION}")
    await conn.post("/collections", json={"collection": COLLECTION, "schema": {}, "meta": {}, "fields": [
        {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
        {"field": "title", "type": "string", "schema": {}},
        {"field": "internal", "type": "string", "schema": {}},
    ]})


async def main() -> None:
    relay = Relay(RelayConfig(
        url=URL,
        collections={COLLECTION: ["id", "title"]},  # clients never see nor filter on "internal"
        origins=["https://app.example"],
    ))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(relay.app, log_level="warning", lifespan="on"))
    async with Directus(URL, token=TOKEN) as admin:
        await create_schema(admin)
        serving = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:
                await asyncio.sleep(0.05)
            url = f"ws://127.0.0.1:{port}/"
            try:
                await connect(url, additional_headers={"Origin": "https://evil.example"})
            except InvalidStatus as exc:
                print(f"a foreign origin is refused before any socket: HTTP {exc.response.status_code}")
            headers = {"Authorization": f"Bearer {TOKEN}", "Origin": "https://app.example"}
            async with connect(url, additional_headers=headers) as ws:
                await ws.send(json.dumps({"type": "subscribe", "collection": COLLECTION, "uid": "notes"}))
                print("init:", json.loads(await ws.recv()))
                await admin.post(f"/items/{COLLECTION}", json={"title": "hello", "internal": "not relayed"})
                print("event:", json.loads(await asyncio.wait_for(ws.recv(), 15)))
                await ws.send(json.dumps({"type": "logs"}))
                print("refused:", json.loads(await ws.recv())["error"])
                print("metrics:", relay.metrics.as_dict())
        finally:
            server.should_exit = True
            await serving
            await admin.delete(f"/collections/{COLLECTION}")


if __name__ == "__main__":
    asyncio.run(main())
