"""Realtime: follow a QuerySet over Directus's websocket (async and sync). Needs DIRECTUS_URL and
DIRECTUS_TOKEN (admin) and a server with WEBSOCKETS_ENABLED=true; creates its own docs_realtime_*
collection and drops it at the end."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading

import httpx

from directus_orm import Directus, DirectusModel, connections
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
    if COLLECTION in {c["collection"] for c in (await conn.get("/collections"))["data"]}:
        raise SystemExit(f"{COLLECTION} exists already: this example leaves it alone")
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


async def keep_a_cache() -> None:
    """The page's first example: a cache of the published articles, kept up to date by the events."""
    async def follow() -> None:
        # --8<-- [start:cache]
        async with Article.objects.filter(status="published").subscribe() as sub:
            async for event in sub:
                if event.type == "init":            # the matching rows when the subscription started
                    cache = {a.id: a for a in event.instances}
                elif event.type in ("create", "update"):
                    cache.update({a.id: a for a in event.instances})
                elif event.type == "delete":
                    for key in event.keys:          # keys, in the primary key's type
                        cache.pop(key, None)
                elif event.type == "reconnected":   # events may have been missed: an "init" follows
                    cache.clear()
                # --8<-- [end:cache]
                shown.clear()
                shown.update(cache)
                changed.set()

    shown: dict[int | None, Article] = {}
    changed = asyncio.Event()
    following = asyncio.create_task(follow())
    async with httpx.AsyncClient(base_url=URL, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        await asyncio.wait_for(changed.wait(), 30)  # the init: the subscription is in place
        rows = [{"title": "Kept", "status": "published"}, {"title": "Gone", "status": "published"}]
        created = (await http.post(f"/items/{COLLECTION}", json=rows)).json()["data"]
        await http.delete(f"/items/{COLLECTION}/{created[1]['id']}")
        for _ in range(300):  # until the cache holds what the server holds
            changed.clear()
            if [a.title for a in shown.values()] == ["Kept"]:
                break
            await asyncio.wait_for(changed.wait(), 30)
        print("cache after creating two articles and deleting one:", [a.title for a in shown.values()])
        await http.delete(f"/items/{COLLECTION}/{created[0]['id']}")
    following.cancel()  # leaving the loop (here by cancellation) unsubscribes
    with contextlib.suppress(asyncio.CancelledError):
        await following


def follow_from_sync_code() -> None:
    """The sync face: plain for loops (leaving one unsubscribes, unless the subscription is held open)."""
    stop = threading.Event()

    def write_until_stopped() -> None:  # another process, as far as the subscription knows
        with httpx.Client(base_url=URL, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
            for _ in range(120):
                if stop.wait(0.5):
                    return
                http.post(f"/items/{COLLECTION}", json={"title": "From a thread", "status": "published"})

    thread = threading.Thread(target=write_until_stopped)
    thread.start()
    try:
        # --8<-- [start:sync]
        for event in Article.objects.filter(status="published").sync.subscribe(events="create"):
            print(f"sync {event.type}: {[a.title for a in event.instances][:1]}")
            if event.type == "create":
                break                           # leaving the loop unsubscribes
        # --8<-- [end:sync]
    finally:
        stop.set()
        thread.join()
    # --8<-- [start:sync-held]
    with Article.objects.subscribe() as sub:    # or keep it open across several loops
        for event in sub:
            print("first loop:", event.type)
            break
        Article.objects.sync.create(title="Between the loops")
        for event in sub:
            print("second loop:", event.type, [a.title for a in event.instances][:1])
            break
    # --8<-- [end:sync-held]


async def main() -> None:
    connections.configure({"default": {"url": URL, "token": TOKEN}})
    admin = connections["default"]
    await create_schema(admin)
    try:
        await keep_a_cache()
        await follow_published()
        await follow_one_row()
        await asyncio.to_thread(follow_from_sync_code)
    finally:
        await admin.delete(f"/collections/{COLLECTION}")
        await connections.aclose_all()


if __name__ == "__main__":
    asyncio.run(main())
