"""The endpoints that are not collections: the server's health and specifications, utilities (random
strings, manual sort, import, export to a file, reverting a revision, the cache) and webhook flows
triggered with a body and with GET. Needs DIRECTUS_URL and DIRECTUS_TOKEN (admin). Creates its own
docs_endpoints_* collections (it stops if one exists already), two flows and an export file, and deletes
them at the end.
Needs Directus >= 12: the batch import (POST /utils/import) arrived in Directus 12."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from directus_orm import Directus, DirectusModel, configure, connections

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]
TASKS, AUTHORS, BOOKS = "docs_endpoints_tasks", "docs_endpoints_authors", "docs_endpoints_books"


class Task(DirectusModel):
    id: int | None = None
    title: str | None = None
    done: bool = False
    sort: int | None = None

    class Meta:
        collection = TASKS


async def server(conn: Directus) -> None:
    # --8<-- [start:server]
    await conn.server.ping()             # True / False (never raises)
    info = await conn.server.info()      # ServerInfo: .version (12, 4, 0), .query_limit_max, .data
    health = await conn.server.health()  # Health: .status "ok" | "warn" | "error", .ok, .checks
    spec = await conn.server.openapi()   # the OpenAPI 3 document (dict), as the caller may use the API
    sdl = await conn.server.graphql_sdl()             # /graphql's schema as SDL text
    sdl = await conn.server.graphql_sdl(system=True)  # /graphql/system's
    # --8<-- [end:server]
    print(f"server: ping={await conn.server.ping()} health={health.status} version={info.version}")
    print(f"OpenAPI {spec['openapi']} with {len(spec['paths'])} paths; "
          f"system SDL of {len(sdl.splitlines())} lines")


async def utils(conn: Directus, workdir: Path) -> None:
    await Task.objects.bulk_create([Task(id=i, title=f"task {i}", sort=i) for i in range(1, 9)])
    await Task.objects.filter(pk=3).update(title="task 3, renamed")
    revision_id = (await conn.get("/revisions", params={
        "filter": {"collection": {"_eq": TASKS}, "item": {"_eq": "3"}}, "sort": ["id"], "fields": ["id"]}
    ))["data"][0]["id"]  # task 3 as it was created
    os.chdir(workdir)
    Path("tasks.csv").write_text("id,title,done\n9,task 9,false\n10,task 10,true\n")
    # --8<-- [start:utils]
    token = await conn.utils.random_string(32)        # 1..500 characters, made by the server
    await conn.utils.sort(Task, item=7, to=2)          # manual order: 7 takes 2's place, the rest shift
    await conn.utils.clear_cache(system=True)          # admin only
    await conn.utils.revert(revision_id)               # the item back to that revision's data

    await conn.utils.import_file(Task, "tasks.csv")    # JSON or CSV (format from the name, or format=)
    result = await conn.utils.import_items({
        "docs_endpoints_authors": [{"id": 1, "name": "Ursula K. Le Guin"}],
        "docs_endpoints_books": [{"id": 1, "title": "The Dispossessed", "author": 1}],
    }, mode="merge", dry_run=True)
    file = await conn.utils.export(Task.objects.filter(done=False), format="csv")  # a directus_files row
    # --8<-- [end:utils]
    try:
        print("random string:", len(token), "characters")
        print("after sort:", await Task.objects.order_by("sort").values_list("id", flat=True))
        print("reverted:", (await Task.objects.get(pk=3)).title, "- imported:",
              await Task.objects.filter(id__gt=8).values_list("title", flat=True))
        print("dry run: applied", result.applied, "new authors", result.collections[AUTHORS]["new"],
              "- nothing written:", (await conn.get(f"/items/{BOOKS}"))["data"])
        print("exported to file", file["filename_download"], f"({file['filesize']} bytes)")
    finally:
        await conn.delete(f"/files/{file['id']}")


async def make_flow(conn: Directus, method: str) -> str:
    """A webhook flow answering {"hello": <the body's name, or the query's lang>}."""
    flow = (await conn.post("/flows", json={
        "name": f"docs_endpoints {method}", "status": "active", "trigger": "webhook",
        "options": {"method": method, "async": False, "return": "$last"}}))["data"]
    code = ("module.exports = async function(data) { "
            "return {hello: (data.$trigger.body || {}).name, lang: data.$trigger.query.lang}; }")
    operation = (await conn.post("/operations", json={
        "name": "greet", "key": "greet", "type": "exec", "flow": flow["id"], "position_x": 19,
        "position_y": 1, "options": {"code": code}}))["data"]
    await conn.patch(f"/flows/{flow['id']}", json={"operation": operation["id"]})
    return str(flow["id"])


async def flows(conn: Directus) -> None:
    post_flow = await make_flow(conn, "POST")
    try:
        flow_id = post_flow
        # --8<-- [start:flows]
        answer = await conn.flows.trigger(flow_id, {"name": "Ada"}, params={"lang": "el"})
        # --8<-- [end:flows]
        print("POST flow answered:", answer)
        flow_id = get_flow = await make_flow(conn, "GET")
        try:
            # --8<-- [start:flows-get]
            answer = await conn.flows.trigger(flow_id, method="GET")
            # --8<-- [end:flows-get]
            print("GET flow answered:", answer)
        finally:
            await conn.delete(f"/flows/{get_flow}")
    finally:
        await conn.delete(f"/flows/{post_flow}")


async def main(workdir: Path) -> None:
    conn = connections["default"]
    await server(conn)
    taken = {TASKS, AUTHORS, BOOKS} & {c["collection"] for c in (await conn.get("/collections"))["data"]}
    if taken:
        raise SystemExit(f"{sorted(taken)} exist already: this example leaves them alone")
    pk = {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}}
    made = []
    try:
        done = {"field": "done", "type": "boolean", "meta": {"special": ["cast-boolean"]},
                "schema": {"default_value": False}}
        for name, fields in ((TASKS, [{"field": "title", "type": "string"}, done,
                                      {"field": "sort", "type": "integer"}]),
                             (AUTHORS, [{"field": "name", "type": "string"}]),
                             (BOOKS, [{"field": "title", "type": "string"},
                                      {"field": "author", "type": "integer"}])):
            await conn.post("/collections", json={"collection": name, "schema": {},
                                                  "meta": {"sort_field": "sort"} if name == TASKS else {},
                                                  "fields": [pk, *fields]})
            made.append(name)
        await utils(conn, workdir)
    finally:
        for name in reversed(made):
            await conn.delete(f"/collections/{name}")
    await flows(conn)
    await connections.aclose_all()


def blocking() -> None:
    """The same calls from plain synchronous code: put .sync before the call."""
    conn = Directus(URL, token=TOKEN)
    print("sync ping:", conn.server.sync.ping(), "- random:", len(conn.utils.sync.random_string(8)))
    conn.sync.aclose()


if __name__ == "__main__":
    configure({"default": {"url": URL, "token": TOKEN}})
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            asyncio.run(main(Path(tmp)))
        finally:
            os.chdir(here)
    blocking()
