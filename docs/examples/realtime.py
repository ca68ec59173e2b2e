"""Realtime: follow a QuerySet over Directus's websocket (async and sync). Needs DIRECTUS_URL and
DIRECTUS_TOKEN (admin) and a server with WEBSOCKETS_ENABLED=true; creates its own docs_realtime_*
collection and drops it at the end."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time

import httpx

from directus_orm import Directus, DirectusModel, connections
from directus_orm.exceptions import APIError
from directus_orm.realtime import Backoff, SubscriptionEvent

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]
COLLECTION = "docs_realtime_articles"


class Article(DirectusModel):
    id: int | None = None
    title: str
    status: str = "draft"

    class Meta:
        collection = COLLECTION


async def create_schema(conn: Directus) -> None:
    with contextlib.suppress(APIError):
        await conn.delete(f"/collections/{COLLECTION}")
    await conn.post("/collections", json={"collection": COLLECTION, "schema": {}, "meta": {}, "fields": [
        {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
        {"field": "title", "type": "string", "schema": {}},
        {"field": "status", "type": "string", "schema": {}},
    ]})


async def writer() -> None:
    """Another process, as far as the subscription knows: plain REST writes."""
    async with httpx.AsyncClient(base_url=URL, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        await asyncio.sleep(0.5)
        created = (await http.post(f"/items/{COLLECTION}", json=[
            {"title": "Hello", "status": "published"},
            {"title": "Not yet", "status": "draft"},  # does not match the filter: no event
        ])).json()["data"]
        await http.patch(f"/items/{COLLECTION}/{created[0]['id']}", json={"title": "Hello, world"})
        await http.delete(f"/items/{COLLECTION}/{created[0]['id']}")


async def follow_published() -> None:
    await Article.objects.create(title="Already there", status="published")
    published = Article.objects.filter(status="published")
    # disconnected=True: also told the moment the socket is lost, before "reconnected"
    async with published.subscribe(reconnect=Backoff(initial=0.5, max_delay=30), disconnected=True) as sub:
        task = asyncio.create_task(writer())
        async for event in sub:
            describe(event)
            if event.type == "delete":
                break
        await task


def describe(event: SubscriptionEvent[Article]) -> None:
    if event.type == "delete":
        print(f"delete: keys {event.keys}")
    elif event.type == "disconnected":
        print(f"disconnected ({event.reason}): events are missed until 'reconnected'")
    elif event.type == "reconnected":
        print(f"reconnected ({event.reason}): a fresh init follows")
    else:
        print(f"{event.type}: {[(a.id, a.title) for a in event.instances]}")


async def follow_one_row() -> None:
    """item=: one row, whichever way it is written (update() included); a missing row is DoesNotExist."""
    row = await Article.objects.create(title="Followed", status="draft")
    async with Article.objects.subscribe(item=row.id, events="update", init=False) as sub:
        await Article.objects.filter(pk=row.id).update(status="published")
        event = await asyncio.wait_for(sub.__anext__(), 30)
        print(f"item {row.id} {event.type}: {[(a.title, a.status) for a in event.instances]}")
    missing = (row.id or 0) + 1000
    try:
        async with Article.objects.subscribe(item=missing):
            pass
    except Article.DoesNotExist as exc:
        print(f"item {missing}: {type(exc).__name__}")


def follow_from_sync_code() -> None:
    """The sync face: a plain for loop (leaving it unsubscribes)."""

    def write_later() -> None:
        time.sleep(0.5)
        with httpx.Client(base_url=URL, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
            http.post(f"/items/{COLLECTION}", json={"title": "From a thread", "status": "published"})

    thread = threading.Thread(target=write_later)
    thread.start()
    for event in Article.objects.filter(status="published").sync.subscribe(events="create", init=False):
        print(f"sync {event.type}: {[a.title for a in event.instances]}")
        break
    thread.join()


async def main() -> None:
    connections.configure({"default": {"url": URL, "token": TOKEN}})
    admin = connections["default"]
    await create_schema(admin)
    try:
        await follow_published()
        await follow_one_row()
        await asyncio.to_thread(follow_from_sync_code)
    finally:
        await admin.delete(f"/collections/{COLLECTION}")
        await connections.aclose_all()


if __name__ == "__main__":
    asyncio.run(main())
