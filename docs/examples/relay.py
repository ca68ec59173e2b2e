"""The websocket relay: a browser-facing realtime endpoint in front of Directus. Needs DIRECTUS_URL and
DIRECTUS_TOKEN (admin), a server with WEBSOCKETS_ENABLED=true and the ``relay`` extra. Creates its own
docs_relay_* collections (it stops if one exists already), and a role, a policy and a user without app
access (no seat) for the app's own authentication; deletes them all at the end.

Needs Directus >= 11: the app's reader role gets its permissions through a policy (/policies arrived in 11).

It serves the relay mounted in a FastAPI app with uvicorn on a free loopback port, connects a client with
the token in a header, subscribes, writes a row over REST and prints what the client got; then a relay
whose clients are authenticated by the app's own session cookie, each reading as its plan's Directus user.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from pydantic import Field
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

import directus_orm
from directus_orm import DirectusModel, connections
from directus_orm.schema import SchemaTools

DIRECTUS_URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]


class Author(DirectusModel):
    id: int | None = None
    name: str
    articles: list[Article | int] = Field(default_factory=list)

    class Meta:
        collection = "docs_relay_authors"


class Article(DirectusModel):
    id: int | None = None
    title: str
    status: str = "draft"
    internal: str | None = None
    author: Author | int | None = None

    class Meta:
        collection = "docs_relay_articles"


class Comment(DirectusModel):
    id: int | None = None
    text: str

    class Meta:
        collection = "docs_relay_comments"


COLLECTIONS = ["docs_relay_comments", "docs_relay_articles", "docs_relay_authors"]


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """The app served by uvicorn on a free loopback port (as `directus-orm relay` or a deployment would);
    yields its ws:// address."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    serving = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        yield f"ws://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await serving


async def mounted_in_fastapi() -> None:
    # --8<-- [start:mounted]
    from fastapi import FastAPI

    from directus_orm.contrib.relay import Relay, RelayConfig

    relay = Relay(RelayConfig(
        url=DIRECTUS_URL,
        collections={"docs_relay_articles": ["id", "title", "status", "author.name"],
                     "docs_relay_comments": None},
        origins=["https://app.example.com"],
    ))
    app = FastAPI(lifespan=relay.lifespan)      # or: await relay.aclose() in your own lifespan
    relay.mount(app, "/realtime")               # ws://host/realtime (with or without the slash)
    # --8<-- [end:mounted]

    async with serve(app) as address:
        url = f"{address}/realtime/"
        try:
            await connect(url, additional_headers={"Origin": "https://evil.example"})
        except InvalidStatus as exc:
            print(f"a foreign origin is refused before any socket: HTTP {exc.response.status_code}")
        headers = {"Authorization": f"Bearer {TOKEN}", "Origin": "https://app.example.com"}
        async with connect(url, additional_headers=headers) as ws:
            await ws.send(json.dumps({"type": "subscribe", "collection": "docs_relay_articles", "uid": "a",
                                      "query": {"fields": ["id", "title", "author.name"]}}))
            print("init:", json.loads(await ws.recv()))
            ada = await Author.objects.create(name="Ada")
            await Article.objects.create(title="hello", author=ada.id, internal="not relayed")
            print("event:", json.loads(await asyncio.wait_for(ws.recv(), 15)))
            await ws.send(json.dumps({"type": "subscribe", "collection": "docs_relay_articles", "uid": "b",
                                      "query": {"fields": ["internal"]}}))
            print("a field off the allow-list:", json.loads(await ws.recv())["error"])
            await ws.send(json.dumps({"type": "logs"}))
            print("refused:", json.loads(await ws.recv())["error"])
            print("metrics:", relay.metrics.as_dict())


@dataclass
class SessionUser:
    plan: str


SESSIONS = {"s-free": SessionUser("free"), "s-paid": SessionUser("paid")}


async def my_app_session(cookie: str | None) -> SessionUser | None:
    """The app's own session store, as the relay's callback sees it."""
    return SESSIONS.get(cookie or "")


async def with_the_apps_own_auth(FREE_TOKEN: str, PAID_TOKEN: str) -> None:
    # --8<-- [start:authenticate]
    from directus_orm import Directus
    from directus_orm.contrib.relay import Identity

    base = Directus(DIRECTUS_URL)
    readers = {"free": base.with_auth(token=FREE_TOKEN), "paid": base.with_auth(token=PAID_TOKEN)}

    async def authenticate(request):
        user = await my_app_session(request.cookies.get("session"))     # your own auth
        if user is None:
            return None
        return Identity(key=f"plan:{user.plan}", connection=readers[user.plan])
    # --8<-- [end:authenticate]

    from directus_orm.contrib.relay import Relay, RelayConfig

    relay = Relay(RelayConfig(url=DIRECTUS_URL, collections={"docs_relay_comments": None},
                              origins=["https://app.example.com"], authenticate=authenticate))
    async with serve(relay.app) as address:
        origin = {"Origin": "https://app.example.com"}
        try:
            await connect(f"{address}/", additional_headers={**origin, "Cookie": "session=unknown"})
        except InvalidStatus as exc:
            print(f"no session: HTTP {exc.response.status_code}")
        await Comment.objects.create(text="first!")
        for cookie in ("s-free", "s-paid"):
            headers = {**origin, "Cookie": f"session={cookie}"}
            async with connect(f"{address}/", additional_headers=headers) as ws:
                await ws.send(json.dumps({"type": "subscribe", "collection": "docs_relay_comments",
                                          "uid": "c"}))
                print(f"{cookie} reads as its plan's user:", json.loads(await ws.recv())["data"])
    await base.aclose()


async def free_reader(conn: directus_orm.Directus) -> tuple[str, list[tuple[str, str]]]:
    """A Directus user for the free plan: reads the comments, has no app access (so takes no seat)."""
    tag = uuid.uuid4().hex[:8]
    policy = (await conn.post("/policies", json={"name": f"docs_relay free {tag}",
                                                 "app_access": False}))["data"]
    made = [("policies", policy["id"])]
    await conn.post("/permissions", json={"policy": policy["id"], "collection": "docs_relay_comments",
                                          "action": "read", "fields": ["*"]})
    role = (await conn.post("/roles", json={"name": f"docs_relay free {tag}",
                                            "policies": [{"policy": policy["id"]}]}))["data"]
    made.append(("roles", role["id"]))
    token = uuid.uuid4().hex
    user = (await conn.post("/users", json={"email": f"docs-relay-{tag}@example.com", "role": role["id"],
                                            "token": token}))["data"]
    made.append(("users", user["id"]))
    return token, made


async def main() -> None:
    conn = connections["default"]
    taken = set(COLLECTIONS) & {c["collection"] for c in (await conn.get("/collections"))["data"]}
    if taken:
        raise SystemExit(f"{sorted(taken)} exist already: this example leaves them alone")
    made: list[tuple[str, str]] = []
    try:
        await SchemaTools().migrate([Author, Article, Comment])
        await mounted_in_fastapi()
        free_token, made = await free_reader(conn)
        await with_the_apps_own_auth(FREE_TOKEN=free_token, PAID_TOKEN=TOKEN)
    finally:
        for endpoint, key in reversed(made):
            await conn.delete(f"/{endpoint}/{key}")
        for name in COLLECTIONS:
            await conn.delete(f"/collections/{name}")
        await connections.aclose_all()


if __name__ == "__main__":
    directus_orm.configure({"default": {"url": DIRECTUS_URL, "token": TOKEN}})
    asyncio.run(main())
