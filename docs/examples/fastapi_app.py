"""The FastAPI integration, end to end, in-process. Needs DIRECTUS_URL and DIRECTUS_TOKEN (an admin token).

Needs Directus >= 11: require_permission reads /permissions/me, which Directus 10 answers empty (204).

    python -m directus_orm.testing run        # in another terminal; it prints the two variables
    .venv/bin/python docs/examples/fastapi_app.py
"""

import asyncio
import os
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI, Request

import directus_orm
from directus_orm import Directus, DirectusModel, Q
from directus_orm.contrib.fastapi import DirectusDependency, DirectusRouter, install_exception_handlers

URL = os.environ["DIRECTUS_URL"]
TOKEN = os.environ["DIRECTUS_TOKEN"]
COLLECTION = "docs_fastapi_planets"
MOONS = "docs_fastapi_moons"


class Planet(DirectusModel):
    id: int | None = None
    name: str
    moons: int = 0
    rocky: bool | None = None

    class Meta:
        collection = COLLECTION
        ordering = ["name"]


class Moon(DirectusModel):
    id: int | None = None
    name: str
    planet: Planet | int | None = None          # many-to-one: ?fields=planet.name, ?planet__rocky=true

    class Meta:
        collection = MOONS
        ordering = ["name"]


directus = DirectusDependency()                     # Bearer header or directus_session_token cookie
app = FastAPI(lifespan=directus.lifespan)
install_exception_handlers(app)                     # 403 stays 403, unique -> 409, validation -> 422
app.include_router(DirectusRouter(
    Planet, directus=directus,
    dependencies_for={"delete": [directus.require_permission(COLLECTION, "delete")]},
))
app.include_router(DirectusRouter(Moon, directus=directus, routes=("list", "retrieve"),
                                  filter_fields=["name", "planet", "planet__name", "planet__rocky"]))


def giants_only(request: Request) -> Q:
    # The row rule: reads see only these rows, and writes may not put a row outside them.
    return Q(rocky=False, moons__gte=1)


# /gas-giants: the same collection under a row rule; "rocky" is set by the server, never by the client.
app.include_router(DirectusRouter(Planet, directus=directus, prefix="/gas-giants", objects_filter=giants_only,
                                  server_values={"rocky": lambda request: False}))


@app.get("/moons")
async def moons(conn: Annotated[Directus, Depends(directus)]) -> dict[str, Any]:
    # ORM calls run as the caller; the connection is there for explicit use too.
    total = sum(p.moons for p in await Planet.objects.filter(moons__gt=0))
    return {"total": total, "asked_by": (await conn.me(fields="email"))["email"]}


async def create_schema(admin: Directus) -> None:
    taken = {MOONS, COLLECTION} & {c["collection"] for c in (await admin.get("/collections"))["data"]}
    if taken:
        raise SystemExit(f"{sorted(taken)} exist already: this example leaves them alone")
    await admin.post("/collections", json={"collection": COLLECTION, "schema": {}, "meta": {}, "fields": [
        {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
        {"field": "name", "type": "string", "schema": {"is_unique": True, "is_nullable": False}},
        {"field": "moons", "type": "integer", "schema": {"default_value": 0}},
        {"field": "rocky", "type": "boolean", "schema": {}},
    ]})
    await admin.post(f"/items/{COLLECTION}", json=[
        {"name": "Mercury", "moons": 0, "rocky": True}, {"name": "Earth", "moons": 1, "rocky": True},
        {"name": "Mars", "moons": 2, "rocky": True}, {"name": "Jupiter", "moons": 95, "rocky": False},
        {"name": "Saturn", "moons": 146, "rocky": False},
    ])
    await admin.post("/collections", json={"collection": MOONS, "schema": {}, "meta": {}, "fields": [
        {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
        {"field": "name", "type": "string", "schema": {"is_nullable": False}},
        {"field": "planet", "type": "integer", "schema": {}},
    ]})
    await admin.post("/relations", json={"collection": MOONS, "field": "planet",
                                         "related_collection": COLLECTION})
    planets = {p["name"]: p["id"] for p in (await admin.get(f"/items/{COLLECTION}"))["data"]}
    await admin.post(f"/items/{MOONS}", json=[
        {"name": "Moon", "planet": planets["Earth"]}, {"name": "Phobos", "planet": planets["Mars"]},
        {"name": "Deimos", "planet": planets["Mars"]}, {"name": "Io", "planet": planets["Jupiter"]},
        {"name": "Titan", "planet": planets["Saturn"]},
    ])


async def main() -> None:
    directus_orm.configure({"default": {"url": URL, "token": TOKEN}})  # URL + service connection
    async with Directus(URL, token=TOKEN) as admin:
        await create_schema(admin)
        try:
            auth = {"Authorization": f"Bearer {TOKEN}"}
            async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://example"
            ) as http:
                r = await http.get(f"/{COLLECTION}")
                print("no credentials:", r.status_code, r.headers["www-authenticate"], r.json()["code"])

                r = await http.get(f"/{COLLECTION}", headers=auth,
                                   params={"rocky": "true", "sort": "-moons", "fields": "name,moons"})
                print("rocky planets by moons:", r.json()["count"], r.json()["results"])

                r = await http.get(f"/{COLLECTION}", headers=auth, params={"limit": 2, "page": 2})
                print("page 2, two per page:", [p["name"] for p in r.json()["results"]],
                      "of", r.json()["count"])

                r = await http.get(f"/{COLLECTION}", headers=auth, params={"fields": "name,mass"})
                print("unknown field:", r.status_code, r.json()["detail"], "valid:", r.json()["valid"])

                r = await http.get(f"/{MOONS}", headers=auth,
                                   params={"planet__rocky": "true", "fields": "name,planet.name"})
                print("moons of rocky planets:", r.json()["results"])

                r = await http.get(f"/{MOONS}", headers=auth, params={"fields": "name,planet.mass"})
                print("unknown nested field:", r.status_code, r.json()["detail"], "valid:", r.json()["valid"])

                r = await http.get(f"/{MOONS}", headers=auth, params={"planet__moons__gt": "2"})
                print("filter not allowed:", r.status_code, r.json()["code"], "allowed:", r.json()["valid"])

                r = await http.post(f"/{COLLECTION}", headers=auth, json={"name": "Venus", "moons": 1})
                print("created:", r.status_code, r.json())
                venus = r.json()["id"]
                r = await http.post(f"/{COLLECTION}", headers=auth, json={"name": "Venus"})
                print("again:", r.status_code, r.json()["code"])
                r = await http.patch(f"/{COLLECTION}/{venus}", headers=auth, json={"moons": 0})
                print("patched:", r.status_code, r.json())
                r = await http.delete(f"/{COLLECTION}/{venus}", headers=auth)
                print("deleted:", r.status_code)

                print("hand-written endpoint:", (await http.get("/moons", headers=auth)).json())

                r = await http.get("/gas-giants", headers=auth, params={"fields": "name"})
                print("gas giants:", [p["name"] for p in r.json()["results"]])
                r = await http.post("/gas-giants", headers=auth, json={"name": "Neptune", "moons": 16})
                print("created under the rule:", r.status_code, r.json())   # rocky forced to False
                neptune = r.json()["id"]
                r = await http.post("/gas-giants", headers=auth, json={"name": "Pluto", "moons": 0})
                print("outside the rule:", r.status_code, r.json()["code"])  # refused before any write
                r = await http.post("/gas-giants", headers=auth, json={"name": "Ceres", "rocky": True})
                print("server-set field sent:", r.status_code)               # not in the schema: 422
                r = await http.patch(f"/gas-giants/{neptune}", headers=auth, json={"moons": 0})
                print("patch out of the rule:", r.status_code, r.json()["code"])
                earth = (await http.get(f"/{COLLECTION}", headers=auth, params={"name": "Earth"})).json()
                r = await http.get(f"/gas-giants/{earth['results'][0]['id']}", headers=auth)
                print("a row outside the rule:", r.status_code)
                stored = (await admin.get(f"/items/{COLLECTION}", params={"filter": {"name": {"_in": [
                    "Neptune", "Pluto"]}}, "fields": ["name", "moons", "rocky"]}))["data"]
                print("stored:", stored)
        finally:
            for name in (MOONS, COLLECTION):
                made = {c["collection"] for c in (await admin.get("/collections"))["data"]}
                if name in made:
                    await admin.delete(f"/collections/{name}")


if __name__ == "__main__":
    asyncio.run(main())
