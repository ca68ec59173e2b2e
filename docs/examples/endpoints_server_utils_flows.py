"""The endpoints that are not collections: the server's health and specifications, utilities (random
strings, manual sort, import, export to a file, reverting a revision, the cache) and a webhook flow
triggered with a body. Needs DIRECTUS_URL and DIRECTUS_TOKEN (admin); drops what it creates."""

from __future__ import annotations

import asyncio
import json
import os
import uuid

from directus_orm import Directus, DirectusModel
from directus_orm.exceptions import UnsupportedByServer

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]
TASKS = f"example_tasks_{uuid.uuid4().hex[:8]}"


class Task(DirectusModel):
    id: int | None = None
    title: str | None = None
    sort: int | None = None

    class Meta:
        collection = TASKS


async def server(conn: Directus) -> None:
    health = await conn.server.health()
    info = await conn.server.info()
    print(f"server: ping={await conn.server.ping()} health={health.status} version={info.version}")
    spec = await conn.server.openapi()
    sdl = await conn.server.graphql_sdl(system=True)
    print(f"OpenAPI {spec['openapi']} with {len(spec['paths'])} paths; "
          f"system SDL of {len(sdl.splitlines())} lines")


async def utils(conn: Directus) -> None:
    print("random string:", len(await conn.utils.random_string(24)), "characters")
    rows = json.dumps([{"title": t, "sort": i} for i, t in enumerate("abc", 1)]).encode()
    await conn.utils.import_file(Task, rows, format="json")  # a model class names its collection
    await conn.utils.import_file(TASKS, b"title,sort\nd,4\n", format="csv")
    rows = (await conn.get(f"/items/{TASKS}", params={"fields": ["id", "title"], "sort": ["sort"]}))["data"]
    keys = {r["title"]: r["id"] for r in rows}
    await conn.utils.sort(TASKS, keys["d"], keys["a"])  # d moves to a's place
    ordered = (await conn.get(f"/items/{TASKS}", params={"fields": ["title"], "sort": ["sort"]}))["data"]
    print("after sort:", [r["title"] for r in ordered])
    try:
        result = await conn.utils.import_items({TASKS: [{"id": keys["b"], "title": "b (merged)"}]},
                                               mode="merge")
        print("merge import: applied", result.applied, "existing", result.collections[TASKS]["existing"])
    except UnsupportedByServer as exc:  # the batch import arrived in Directus 12
        print("merge import:", exc)

    file = await conn.utils.export(TASKS, format="csv", file={"title": f"{TASKS} export"})
    print("exported to file", file["filename_download"], f"({file['filesize']} bytes)")
    await conn.delete(f"/files/{file['id']}")

    revisions = (await conn.get("/revisions", params={
        "filter": {"_and": [{"collection": {"_eq": TASKS}}, {"item": {"_eq": str(keys["b"])}}]},
        "sort": ["id"], "fields": ["id"]}))["data"]
    await conn.utils.revert(revisions[0]["id"])  # b as it was imported
    print("reverted b to:", (await conn.get(f"/items/{TASKS}/{keys['b']}"))["data"]["title"])
    await conn.utils.clear_cache()


async def flows(conn: Directus) -> None:
    flow = (await conn.post("/flows", json={
        "name": "example webhook", "status": "active", "trigger": "webhook",
        "options": {"method": "POST", "async": False, "return": "$last"}}))["data"]
    try:
        code = "module.exports = async function(data) { return {hello: data.$trigger.body.name}; }"
        operation = (await conn.post("/operations", json={
            "name": "greet", "key": "greet", "type": "exec", "flow": flow["id"], "position_x": 19,
            "position_y": 1, "options": {"code": code}}))["data"]
        await conn.patch(f"/flows/{flow['id']}", json={"operation": operation["id"]})
        print("flow answered:", await conn.flows.trigger(flow["id"], {"name": "Ada"}))
    finally:
        await conn.delete(f"/flows/{flow['id']}")


async def main() -> None:
    async with Directus(URL, token=TOKEN) as conn:
        await server(conn)
        pk = {"field": "id", "type": "integer",
              "schema": {"is_primary_key": True, "has_auto_increment": True}}
        await conn.post("/collections", json={
            "collection": TASKS, "schema": {}, "meta": {"sort_field": "sort"},
            "fields": [pk, {"field": "title", "type": "string"}, {"field": "sort", "type": "integer"}]})
        try:
            await utils(conn)
        finally:
            await conn.delete(f"/collections/{TASKS}")
        await flows(conn)


def blocking() -> None:
    """The same calls from plain synchronous code: put .sync before the call."""
    conn = Directus(URL, token=TOKEN)
    print("sync ping:", conn.server.sync.ping(), "- random:", len(conn.utils.sync.random_string(8)))
    conn.sync.aclose()


if __name__ == "__main__":
    asyncio.run(main())
    blocking()
