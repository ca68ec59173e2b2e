"""``conn.utils``: random strings, manual sorting, the cache, import (file and batch, with its modes),
export to a file and reverting a revision, each checked through raw REST."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from directus_orm import Directus, DirectusModel
from directus_orm.connection.serverinfo import server_info
from directus_orm.exceptions import (
    FieldError,
    Forbidden,
    InvalidArgument,
    InvalidPayload,
    InvalidQuery,
    UnexpectedResponse,
    UnsupportedByServer,
)
from directus_orm.system import ImportResult
from tests.support import ServerInfo, create_collection
from tests.support.fault_proxy import FaultProxy

pytestmark = [pytest.mark.integration, pytest.mark.live_only]

NOTES = "endpoints_utils_notes"


class Note(DirectusModel):
    id: int | None = None
    title: str | None = None
    body: str | None = None
    sort: int | None = None

    class Meta:
        collection = NOTES


@pytest.fixture
async def notes(admin: Directus) -> AsyncIterator[str]:
    await create_collection(admin, NOTES, [
        {"field": "title", "type": "string"}, {"field": "body", "type": "text"},
        {"field": "sort", "type": "integer", "meta": {"hidden": True}}])
    await admin.patch(f"/collections/{NOTES}", json={"meta": {"sort_field": "sort"}})
    yield NOTES
    await admin.delete(f"/collections/{NOTES}")


async def rows(admin: Directus, *fields: str) -> list[dict[str, object]]:
    body = await admin.get(f"/items/{NOTES}", params={"fields": list(fields) or ["*"], "sort": ["id"],
                                                      "limit": -1})
    return list(body["data"])


async def test_random_string(admin: Directus) -> None:
    first, second = await admin.utils.random_string(40), await admin.utils.random_string(40)
    assert len(first) == len(second) == 40 and first != second
    assert len(await admin.utils.random_string()) == 32
    async with Directus("http://127.0.0.1:9") as nobody:  # refused before any request
        for bad in (0, 501, -1, True, "8"):
            with pytest.raises(InvalidArgument):
                await nobody.utils.random_string(bad)  # type: ignore[arg-type]


async def test_manual_sort(admin: Directus, notes: str) -> None:
    await admin.post(f"/items/{NOTES}", json=[{"title": t, "sort": i} for i, t in enumerate("abcd", 1)])
    ids = {r["title"]: r["id"] for r in await rows(admin, "id", "title")}
    await admin.utils.sort(NOTES, ids["d"], ids["a"])  # d takes a's place, the others shift down
    ordered = await admin.get(f"/items/{NOTES}", params={"fields": ["title"], "sort": ["sort"]})
    assert [r["title"] for r in ordered["data"]] == ["d", "a", "b", "c"]
    await admin.utils.sort(Note, ids["a"], ids["c"])  # a model class names its collection
    ordered = await admin.get(f"/items/{NOTES}", params={"fields": ["title"], "sort": ["sort"]})
    assert [r["title"] for r in ordered["data"]] == ["d", "b", "c", "a"]
    with pytest.raises(Forbidden):  # no such collection
        await admin.utils.sort(NOTES + "_missing", 1, 2)
    await admin.patch(f"/collections/{NOTES}", json={"meta": {"sort_field": None}})
    with pytest.raises(InvalidPayload):  # a collection without a sort field
        await admin.utils.sort(NOTES, ids["a"], ids["b"])
    async with Directus("http://127.0.0.1:9") as nobody:  # refused before any request
        with pytest.raises(InvalidArgument):
            await nobody.utils.sort(NOTES, None, 1)
        with pytest.raises(InvalidArgument):
            await nobody.utils.sort("", 1, 2)


async def test_cache_clear(admin: Directus, directus_server: ServerInfo) -> None:
    await admin.utils.clear_cache()
    await admin.utils.clear_cache(system=True)
    async with Directus(directus_server.url) as public:
        with pytest.raises(Forbidden):  # admins only
            await public.utils.clear_cache()


async def test_import_file_json_and_csv(admin: Directus, notes: str, tmp_path: Path) -> None:
    await admin.utils.import_file(NOTES, json.dumps([{"title": "j1", "body": "x"}, {"title": "j2"}]).encode(),
                                  format="json")
    path = tmp_path / "notes.csv"
    path.write_text("title,body\nc1,first\nc2,\"with, comma\"\n", encoding="utf-8")
    await admin.utils.import_file(Note, path)  # the format from the file name
    got = await rows(admin, "id", "title", "body")
    assert [(r["title"], r["body"]) for r in got] == [
        ("j1", "x"), ("j2", None), ("c1", "first"), ("c2", "with, comma")]
    # a row with an existing key updates it
    update = io.BytesIO(json.dumps([{"id": got[0]["id"], "title": "j1!"}]).encode())
    await admin.utils.import_file(NOTES, update, format="json")
    assert (await rows(admin, "title"))[0]["title"] == "j1!"
    with pytest.raises(InvalidArgument):  # no format, no telling name
        await admin.utils.import_file(NOTES, b"[]")


async def test_import_file_is_checked_before_sending(admin: Directus, notes: str, tmp_path: Path) -> None:
    # Directus would drop the unknown column and (SQLite) store "many" in the integer one
    for content, fmt, error in ((b'[{"title": "x", "nope": 1}]', "json", FieldError),
                                (b'[{"title": "x", "sort": "many"}]', "json", FieldError),
                                (b'{"title": "x"}', "json", InvalidArgument),
                                (b"not json", "json", InvalidArgument),
                                (b"title,nope\nx,1\n", "csv", FieldError),
                                (b"title,sort\nx,many\n", "csv", FieldError)):
        with pytest.raises(error):
            await admin.utils.import_file(NOTES, content, format=fmt)
        with pytest.raises(error):
            await admin.utils.import_file(NOTES, io.BytesIO(content), format=fmt)
    with pytest.raises(FieldError):  # the model's own check
        await admin.utils.import_file(Note, b'[{"title": ["not", "text"]}]', format="json")
    path = tmp_path / "bad.csv"
    path.write_text("title,nope\nx,1\n", encoding="utf-8")
    with pytest.raises(FieldError):
        await admin.utils.import_file(NOTES, path)
    assert await rows(admin) == []
    path.write_text("title,sort\nok,7\n", encoding="utf-8")
    await admin.utils.import_file(NOTES, path)
    assert [(r["title"], r["sort"]) for r in await rows(admin, "title", "sort")] == [("ok", 7)]


async def test_import_file_answer_is_checked(admin: Directus, notes: str,
                                             directus_server: ServerInfo) -> None:
    async with FaultProxy(directus_server.url) as proxy, \
            Directus(proxy.url, token=directus_server.token) as conn:
        proxy.add("fake", lambda r: r.path.startswith("/utils/import/"), status=200,
                  headers={"content-type": "text/html"}, body=b"<html>a login page</html>")
        with pytest.raises(UnexpectedResponse):
            await conn.utils.import_file(NOTES, b'[{"title": "x"}]', format="json")


async def test_import_items_modes(admin: Directus, notes: str) -> None:
    if (await server_info(admin)).at_least((12, 0, 0)) is False:  # POST /utils/import is new in 12
        with pytest.raises(UnsupportedByServer, match=r"Directus >= 12\.0\.0"):
            await admin.utils.import_items({NOTES: [{"title": "b1"}]})
        assert await rows(admin, "id") == []
        return
    added = await admin.utils.import_items({NOTES: [{"title": "b1"}, {"title": "b2"}]})
    assert isinstance(added, ImportResult) and added.applied and added.mode == "add"
    keys = added.created(NOTES)
    assert sorted(r["id"] for r in await rows(admin, "id")) == sorted(keys)
    dry = await admin.utils.import_items({NOTES: [{"id": keys[0], "title": "dry"}]}, mode="merge",
                                         dry_run=True)
    assert not dry.applied and dry.collections[NOTES]["existing"] == [keys[0]]
    assert (await rows(admin, "title"))[0]["title"] == "b1"  # nothing written
    merged = await admin.utils.import_items({NOTES: [{"id": keys[0], "title": "merged"}]}, mode="merge")
    assert merged.applied and merged.collections[NOTES]["existing"] == [keys[0]]
    assert [r["title"] for r in await rows(admin, "title")] == ["merged", "b2"]
    # "add" gives an item whose key exists a new key (mapped)
    again = await admin.utils.import_items({NOTES: [{"id": keys[1], "title": "copy"}]}, mode="add")
    new = again.created(NOTES)
    assert len(new) == 1 and new[0] not in keys
    assert [r["title"] for r in await rows(admin, "title")] == ["merged", "b2", "copy"]
    async with Directus("http://127.0.0.1:9") as nobody:
        with pytest.raises(InvalidArgument):
            await nobody.utils.import_items({NOTES: []}, mode="upsert")  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument):
            await nobody.utils.import_items({})


async def test_export_to_a_file(admin: Directus, notes: str, registry: None) -> None:
    await admin.post(f"/items/{NOTES}",
                     json=[{"title": f"n{i}", "body": "b" if i % 2 else None} for i in range(7)])
    file = await admin.utils.export(NOTES, format="json", file={"title": "endpoints export"})
    try:
        assert file["title"] == "endpoints export" and file["type"] == "application/json"
        exported = json.loads(await admin.get(f"/assets/{file['id']}"))
        assert [r["title"] for r in exported] == [f"n{i}" for i in range(7)]
    finally:
        await admin.delete(f"/files/{file['id']}")
    # a QuerySet is the export's query: filter, ordering, fields and slice
    qs = Note.objects.filter(body="b").order_by("-title").only("title")[:2]
    file = await admin.utils.export(qs, format="csv")
    try:
        text = (await admin.get(f"/assets/{file['id']}")).decode("utf-8")
        table = list(csv.DictReader(io.StringIO(text)))
        assert [r["title"] for r in table] == ["n5", "n3"]
    finally:
        await admin.delete(f"/files/{file['id']}")
    # a QuerySet matching nothing exports no row (Directus reads "limit": 0 as no limit)
    file = await admin.utils.export(Note.objects.none(), format="json")
    try:
        content = await admin.get(f"/assets/{file['id']}")
        assert not content.strip() or json.loads(content) == []
    finally:
        await admin.delete(f"/files/{file['id']}")
    files_before = (await admin.get("/files", params={"aggregate": {"count": "*"}}))["data"]
    with pytest.raises(InvalidQuery):  # the query is checked first: Directus would fail in the background
        await admin.utils.export(NOTES, query={"filter": {"title": {"_gt": 1}}})
    assert (await admin.get("/files", params={"aggregate": {"count": "*"}}))["data"] == files_before


async def test_revert_a_revision(admin: Directus, notes: str) -> None:
    created = (await admin.post(f"/items/{NOTES}", json={"title": "v1", "body": "first"}))["data"]
    await admin.patch(f"/items/{NOTES}/{created['id']}", json={"title": "v2"})
    await admin.patch(f"/items/{NOTES}/{created['id']}", json={"title": "v3", "body": "third"})
    revisions = (await admin.get("/revisions", params={
        "filter": {"_and": [{"collection": {"_eq": NOTES}}, {"item": {"_eq": str(created["id"])}}]},
        "sort": ["id"], "fields": ["id", "data"]}))["data"]
    assert len(revisions) == 3
    await admin.utils.revert(revisions[1]["id"])  # back to v2
    row = (await admin.get(f"/items/{NOTES}/{created['id']}"))["data"]
    assert (row["title"], row["body"]) == ("v2", "first")
    with pytest.raises(Forbidden):  # no such revision
        await admin.utils.revert(10**9)


def test_sync_face(directus_server: ServerInfo) -> None:
    conn = Directus(directus_server.url, token=directus_server.token)
    try:
        assert len(conn.utils.sync.random_string(12)) == 12
        conn.utils.sync.clear_cache()
    finally:
        conn.sync.aclose()
