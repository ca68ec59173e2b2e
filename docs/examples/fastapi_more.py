"""The FastAPI router's further routes and options, in-process. Needs DIRECTUS_URL and DIRECTUS_TOKEN (admin).

Expand / wildcards / deferred fields, the aggregate route, page links and cursors, PUT, bulk routes, soft
delete, ETags, current_user with a token cache, and the realtime websocket. Creates and drops its own
docs_fastapi_more_* collections.

    python -m directus_orm.testing run        # in another terminal; it prints the two variables
    .venv/bin/python docs/examples/fastapi_more.py
"""

import asyncio
import json
import os
from typing import Any

import httpx
import uvicorn
import websockets
from fastapi import Depends, FastAPI

import directus_orm
from directus_orm import Directus, DirectusModel
from directus_orm.contrib.fastapi import (
    ALL_ROUTE_NAMES,
    DirectusDependency,
    DirectusRouter,
    TokenCache,
    UserInfo,
    install_exception_handlers,
)

URL = os.environ["DIRECTUS_URL"]
TOKEN = os.environ["DIRECTUS_TOKEN"]
STARS, PLANETS = "docs_fastapi_more_stars", "docs_fastapi_more_planets"


class Star(DirectusModel):
    id: int | None = None
    name: str
    notes: str | None = None                      # long text: deferred, sent only when asked for

    class Meta:
        collection = STARS


class Planet(DirectusModel):
    id: int | None = None
    name: str
    moons: int = 0
    status: str | None = None                     # the collection's archive field
    star: Star | int | None = None

    class Meta:
        collection = PLANETS
        ordering = ["id"]


directus = DirectusDependency(token_cache=TokenCache(ttl=30))   # one /users/me per token and 30 s
app = FastAPI(lifespan=directus.lifespan)
install_exception_handlers(app)
app.include_router(DirectusRouter(Planet, directus=directus, routes=ALL_ROUTE_NAMES, archive=True,
                                  realtime=True, page_size=2))
app.include_router(DirectusRouter(Star, directus=directus, deferred_fields=["notes"]))


@app.get("/whoami")
async def whoami(user: UserInfo = Depends(directus.current_user())) -> dict[str, Any]:  # noqa: B008
    return {"email": user.email, "role": user.role}


async def create_schema(admin: Directus) -> None:
    taken = {PLANETS, STARS} & {c["collection"] for c in (await admin.get("/collections"))["data"]}
    if taken:
        raise SystemExit(f"{sorted(taken)} exist already: this example leaves them alone")
    pk = {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}}
    await admin.post("/collections", json={"collection": STARS, "schema": {}, "meta": {}, "fields": [
        pk, {"field": "name", "type": "string", "schema": {"is_nullable": False}},
        {"field": "notes", "type": "text", "schema": {}}]})
    await admin.post("/collections", json={
        "collection": PLANETS, "schema": {},
        "meta": {"archive_field": "status", "archive_value": "archived", "unarchive_value": "active"},
        "fields": [pk,
                   {"field": "name", "type": "string", "schema": {"is_nullable": False, "is_unique": True}},
                   {"field": "moons", "type": "integer", "schema": {"default_value": 0}},
                   {"field": "status", "type": "string", "schema": {"default_value": "active"}},
                   {"field": "star", "type": "integer", "schema": {}}]})
    await admin.post("/relations", json={"collection": PLANETS, "field": "star", "related_collection": STARS})
    await admin.post(f"/items/{STARS}", json=[{"name": "Sun", "notes": "G2V, 4.6 billion years"}])
    await admin.post(f"/items/{PLANETS}", json=[
        {"name": "Mercury", "moons": 0, "star": 1}, {"name": "Earth", "moons": 1, "star": 1},
        {"name": "Mars", "moons": 2, "star": 1}, {"name": "Jupiter", "moons": 95, "star": 1}])


async def drop_schema(admin: Directus) -> None:
    made = {c["collection"] for c in (await admin.get("/collections"))["data"]}
    for name in (PLANETS, STARS):
        if name in made:
            await admin.delete(f"/collections/{name}")


async def realtime(port: int, admin: Directus) -> None:
    """The websocket route, served by uvicorn: the snapshot, then a create made through Directus."""
    url = f"ws://127.0.0.1:{port}/{PLANETS}/subscribe?moons__gte=10"
    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {TOKEN}"},
                                  proxy=None) as ws:
        first = json.loads(await asyncio.wait_for(ws.recv(), 10))
        print("websocket init:", [p["name"] for p in first["data"]])
        await admin.post(f"/items/{PLANETS}", json={"name": "Saturn", "moons": 146, "star": 1})
        event = json.loads(await asyncio.wait_for(ws.recv(), 10))
        print("websocket event:", event["type"], [p["name"] for p in event["data"]])


async def main() -> None:
    directus_orm.configure({"default": {"url": URL, "token": TOKEN}})
    async with Directus(URL, token=TOKEN) as admin:
        await create_schema(admin)
        auth = {"Authorization": f"Bearer {TOKEN}"}
        try:
            async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver", headers=auth
            ) as http:
                print("stars (notes deferred):", (await http.get(f"/{STARS}")).json()["results"])
                print("fields=*:", (await http.get(f"/{STARS}/1", params={"fields": "*"})).json())
                r = await http.get(f"/{PLANETS}/2", params={"expand": "star", "fields!": "status"})
                print("expand=star:", r.json())
                r = await http.get(f"/{PLANETS}", params={"fields": ""})
                print("fields= (none):", r.json()["results"])
                r = await http.get(f"/{PLANETS}/aggregate",
                                   params={"count": "id", "sum": "moons", "max": "moons"})
                print("aggregate:", r.json())
                page = (await http.get(f"/{PLANETS}", params={"fields": "name"})).json()
                print("page 1:", page["results"], "next:", page["next"])
                page = (await http.get(page["next"])).json()
                print("page 2:", page["results"], "previous:", page["previous"])
                first = {"fields": "name", "cursor": "", "count": "false"}    # "": the first keyset page
                page = (await http.get(f"/{PLANETS}", params=first)).json()
                print("cursor page 1:", page["results"], "count:", page["count"])
                page = (await http.get(f"/{PLANETS}", params={"fields": "name",
                                                               "cursor": page["next_cursor"]})).json()
                print("cursor page 2:", page["results"])
                r = await http.get(f"/{PLANETS}/2")
                etag = r.headers["etag"]
                await admin.patch(f"/items/{PLANETS}/2", json={"moons": 3})      # someone else writes
                r = await http.patch(f"/{PLANETS}/2", json={"name": "Terra"}, headers={"If-Match": etag})
                print("stale If-Match:", r.status_code, r.json()["code"])
                r = await http.put(f"/{PLANETS}/2", json={"name": "Earth", "star": 1},
                                   headers={"If-Match": r.headers["etag"]})
                print("PUT (moons back to its default):", r.status_code, r.json())
                r = await http.post(f"/{PLANETS}/bulk", json=[{"name": "Venus"}, {"name": "Mars"}])
                print("bulk create with a duplicate:", r.status_code, r.json()["code"],
                      "- stored:", [p["name"] for p in (await admin.get(f"/items/{PLANETS}"))["data"]])
                r = await http.post(f"/{PLANETS}/bulk",
                                    json=[{"name": "Venus"}, {"name": "Uranus", "moons": 28}])
                keys = [p["id"] for p in r.json()]
                print("bulk create:", r.status_code, [p["name"] for p in r.json()])
                r = await http.patch(f"/{PLANETS}/bulk", json=[{"id": keys[1], "moons": 27}])
                print("bulk update:", r.status_code, r.json())
                r = await http.delete(f"/{PLANETS}/bulk", params={"keys": ",".join(map(str, keys))})
                stored = (await admin.get(f"/items/{PLANETS}",
                                          params={"filter": {"id": {"_in": keys}}}))["data"]
                print("bulk delete (archived):", r.status_code, [(p["name"], p["status"]) for p in stored])
                print("whoami:", (await http.get("/whoami")).json())
            server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                                   ws="websockets-sansio"))
            task = asyncio.ensure_future(server.serve())
            while not server.started:
                await asyncio.sleep(0.05)
            try:
                await realtime(server.servers[0].sockets[0].getsockname()[1], admin)
            finally:
                server.should_exit = True
                await task
        finally:
            await drop_schema(admin)
    await directus_orm.connections.aclose_all()


if __name__ == "__main__":
    asyncio.run(main())
