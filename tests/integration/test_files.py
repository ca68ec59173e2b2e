"""Files and assets against a real Directus: streamed uploads and downloads (byte-exact), transforms,
several files in one request, replace, import from a URL, folders, limits, permissions, the raw
escape hatch, the sync face and the FastAPI helpers.

The module runs its own server: imports from loopback need ``IMPORT_IP_DENY_LIST`` to allow them, and
``FILES_MAX_UPLOAD_SIZE`` gives the 413. Each test deletes the files, folders, users and roles it made.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Form, Request, UploadFile
from fastapi.testclient import TestClient

from directus_orm import Directus, Sum, connections
from directus_orm.contrib.fastapi import (
    DirectusDependency,
    file_response,
    install_exception_handlers,
    upload_file,
)
from directus_orm.exceptions import (
    ContentTooLarge,
    Forbidden,
    InvalidArgument,
    InvalidUsage,
    NotStored,
    RangeNotSatisfiable,
    UnexpectedResponse,
)
from directus_orm.files import File, Folder, SourceChanged, Transform, Upload
from tests.support import ServerInfo, raw_bigint, server_version
from tests.support.images import image_info, png
from tests.support.roles import drop_role, make_role
from tests.support.server import another_server

pytestmark = pytest.mark.live_only  # a second server, and uploads carry fresh keys

MAX_UPLOAD = 5 * 1024 * 1024


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def files_server() -> Iterator[ServerInfo]:
    with another_server(
        IMPORT_IP_DENY_LIST="169.254.169.254", FILES_MAX_UPLOAD_SIZE="5MB",
        PRESSURE_LIMITER_ENABLED="false",  # a busy test machine must not turn uploads into 503s
    ) as server:
        yield server


@pytest.fixture
async def conn(files_server: ServerInfo) -> AsyncIterator[Directus]:
    """The registry's default alias is the files server's admin; every file and folder made is deleted."""
    connections.configure({"default": {"url": files_server.url, "token": files_server.token}})
    yield connections["default"]
    admin = Directus(files_server.url, token=files_server.token)  # an app's lifespan may have closed the pool
    # Rows without content (an upload cut short) cannot be deleted through the API.
    body = await admin.get("/files", params={"fields": "id", "limit": -1,
                                             "filter": {"filename_disk": {"_nnull": True}}})
    keys = [row["id"] for row in body["data"]]
    if keys:
        await admin.delete("/files", json=keys)
    # Leaves first: MariaDB checks the parent foreign key row by row within one DELETE.
    for _ in range(20):
        body = await admin.get("/folders", params={"fields": "id,parent", "limit": -1})
        parents = {row["parent"] for row in body["data"]}
        keys = [row["id"] for row in body["data"] if row["id"] not in parents]
        if not keys:
            break
        await admin.delete("/folders", json=keys)
    await admin.aclose()
    connections.reset()


async def server_bytes(conn: Directus, key: Any) -> bytes:
    """The stored content, read with raw httpx (not the library's download path)."""
    async with httpx.AsyncClient(auth=conn.auth) as http:
        answer = await http.get(f"{conn.url}/assets/{key}")
    assert answer.status_code == 200
    return answer.content


async def named(conn: Directus, filename: str) -> list[dict[str, Any]]:
    """The rows of files stored under ``filename`` (raw REST)."""
    body = await conn.get("/files", params={"filter": {"filename_download": {"_eq": filename}}})
    return list(body["data"])


# --- uploads and downloads, byte-exact ----------------------------------------------------------------
async def test_text_upload_round_trips_and_the_row_is_on_the_server(conn: Directus) -> None:
    text = "naïve café\nline two\n".encode()
    stored = await File.objects.upload(text, filename="notes.txt", title="Notes", description="café")
    assert isinstance(stored.id, uuid.UUID) and stored.filesize == len(text)
    row = (await conn.get(f"/files/{stored.id}"))["data"]
    assert (row["title"], row["description"], row["filename_download"], row["type"]) == (
        "Notes", "café", "notes.txt", "text/plain")
    assert sha(await server_bytes(conn, stored.id)) == sha(text)
    assert sha(await stored.read()) == sha(text)


async def test_binary_from_a_path_streams_both_ways(conn: Directus, tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)  # several chunks, not a multiple of the chunk size
    source = tmp_path / "blob.bin"
    source.write_bytes(data)
    stored = await File.objects.upload(source)
    assert stored.filename_download == "blob.bin" and stored.filesize == len(data)
    assert sha(await server_bytes(conn, stored.id)) == sha(data)
    target = tmp_path / "out.bin"
    assert await stored.download(target) == len(data)
    assert sha(target.read_bytes()) == sha(data)
    chunks = [chunk async for chunk in stored.stream()]
    assert len(chunks) > 1 and sha(b"".join(chunks)) == sha(data)
    sink = io.BytesIO()
    await stored.download(sink)
    assert sha(sink.getvalue()) == sha(data)


async def test_sources_file_objects_and_async_iterators(conn: Directus, tmp_path: Path) -> None:
    data = os.urandom(300_000)
    with io.BytesIO(data) as handle:
        handle.name = "from-handle.bin"
        one = await File.objects.upload(handle)

    async def pieces() -> AsyncIterator[bytes]:  # no size known: sent chunked
        for offset in range(0, len(data), 65536):
            yield data[offset:offset + 65536]

    two = await File.objects.upload(pieces(), filename="from-iterator.bin")
    from starlette.datastructures import UploadFile

    spooled = io.BytesIO(data)
    three = await File.objects.upload(UploadFile(spooled, filename="from-upload.bin", size=len(data)))
    for stored, name in ((one, "from-handle.bin"), (two, "from-iterator.bin"), (three, "from-upload.bin")):
        row = (await conn.get(f"/files/{stored.id}"))["data"]
        assert row["filename_download"] == name and raw_bigint(row["filesize"]) == len(data)
        assert sha(await server_bytes(conn, stored.id)) == sha(data)


async def test_a_source_that_lies_about_its_size_stores_nothing(conn: Directus) -> None:
    source = io.BytesIO(b"0123456789")

    class Liar:  # announces 1000 bytes, gives 10
        name = "short.bin"

        def seekable(self) -> bool:
            return True

        def tell(self) -> int:
            return 0

        def seek(self, offset: int, whence: int = 0) -> int:
            return 1000 if whence == os.SEEK_END else 0

        def read(self, n: int = -1) -> bytes:
            return source.read(n)

    with pytest.raises(SourceChanged, match="gave 10 bytes, 1,000 were announced"):
        await File.objects.upload(Liar())
    # The request was cut short: no content was stored. Directus may keep the row it had begun (it
    # waits for the rest of the body), without content: reported in the message, never a file.
    rows = await named(conn, "short.bin")
    assert [(raw_bigint(r["filesize"]), r["filename_disk"]) for r in rows] in ([], [(None, None)])


# --- several files, metadata, replace ------------------------------------------------------------------
async def test_several_files_in_one_request_keep_their_own_metadata(conn: Directus) -> None:
    stored = await File.objects.upload_many([
        Upload(b"first", filename="a.txt", title="First", description="one"),
        Upload(b"second!", filename="b.txt", title="Second", tags=["x", "y"]),
        Upload(png(8, 8), filename="c.png", title="Third"),
    ])
    assert [f.title for f in stored] == ["First", "Second", "Third"]
    rows = {r["id"]: r for r in (await conn.get("/files", params={"fields": "*", "limit": -1}))["data"]}
    first, second, third = (rows[str(f.id)] for f in stored)
    assert (first["title"], first["description"], raw_bigint(first["filesize"])) == ("First", "one", 5)
    assert (second["title"], second["description"], second["tags"]) == ("Second", None, ["x", "y"])
    assert (third["title"], third["type"], third["width"]) == ("Third", "image/png", 8)


async def test_replace_keeps_the_id_and_changes_the_content(conn: Directus) -> None:
    stored = await File.objects.upload(b"old content", filename="old.txt", title="Kept")
    key = stored.id
    stored.description = "unsaved"
    await stored.replace(b"new, longer content", filename="new.txt")
    assert stored.id == key and stored.filesize == 19 and stored.filename_download == "new.txt"
    assert stored.title == "Kept" and stored.description == "unsaved"
    assert stored.get_changed_fields() == ["description"]
    row = (await conn.get(f"/files/{key}"))["data"]
    assert (row["filename_download"], row["title"], row["description"], raw_bigint(row["filesize"])) == (
        "new.txt", "Kept", None, 19)
    assert await server_bytes(conn, key) == b"new, longer content"


async def test_replace_of_a_file_deleted_elsewhere_raises_and_stores_nothing(conn: Directus) -> None:
    stored = await File.objects.upload(b"old content", filename="gone.txt", title="Gone")
    key = stored.id
    await conn.delete(f"/files/{key}")
    with pytest.raises(NotStored, match="no longer exists"):
        await stored.replace(b"new content", filename="new.txt", title="New")
    assert (stored.filesize, stored.filename_download, stored.title) == (11, "gone.txt", "Gone")
    assert (await conn.get("/files", params={"filter": {"id": {"_eq": str(key)}}}))["data"] == []
    assert await named(conn, "new.txt") == []


async def test_save_of_a_file_deleted_elsewhere_does_not_insert_a_bare_row(conn: Directus) -> None:
    stored = await File.objects.upload(b"content", filename="vanished.txt")
    key = stored.id
    await conn.delete(f"/files/{key}")
    stored.title = "Changed"
    with pytest.raises(NotStored, match="cannot be recreated"):
        await stored.save()
    assert (await conn.get("/files", params={"filter": {"id": {"_eq": str(key)}}}))["data"] == []
    assert stored.get_changed_fields() == ["title"]


async def test_metadata_is_checked_before_any_request(conn: Directus) -> None:
    with pytest.raises(InvalidArgument, match="null"):
        await File.objects.upload(b"x", filename="x.txt", title="null")
    from directus_orm.exceptions import FieldError

    with pytest.raises(FieldError):
        await File.objects.upload(b"x", filename="x.txt", nope=1)
    with pytest.raises(InvalidArgument):
        await File.objects.upload(12345)
    assert await named(conn, "x.txt") == []


async def test_metadata_saves_and_queries_like_any_model(conn: Directus) -> None:
    for size in (10, 20, 30):
        await File.objects.upload(b"x" * size, filename=f"f{size}.txt", title=f"T{size}")
    mine = File.objects.filter(title__startswith="T")
    assert [f.filesize async for f in mine.order_by("-filesize")] == [30, 20, 10]
    assert (await mine.aggregate(total=Sum("filesize")))["total"] == 60
    small = await File.objects.get(filesize=10)
    small.title = "renamed"
    await small.save()
    assert (await conn.get(f"/files/{small.id}"))["data"]["title"] == "renamed"


# --- import, limits, permissions ----------------------------------------------------------------------
@pytest.fixture
def loopback_site() -> Iterator[str]:
    body = b"served from loopback\n" * 100

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/report.txt"
    finally:
        server.shutdown()
        server.server_close()


async def test_import_from_a_url(conn: Directus, loopback_site: str) -> None:
    stored = await File.objects.import_url(loopback_site, title="Imported")
    row = (await conn.get(f"/files/{stored.id}"))["data"]
    assert (row["title"], row["type"], row["filename_download"]) == ("Imported", "text/plain", "report.txt")
    assert await server_bytes(conn, stored.id) == b"served from loopback\n" * 100
    with pytest.raises(InvalidArgument):
        await File.objects.import_url("file:///etc/passwd")


async def test_over_the_upload_limit_is_content_too_large_and_leaves_nothing(conn: Directus) -> None:
    with pytest.raises(ContentTooLarge):
        await File.objects.upload(b"x" * (MAX_UPLOAD + 1024), filename="big.bin")
    assert await named(conn, "big.bin") == []


@pytest.fixture
async def reader_token(files_server: ServerInfo) -> AsyncIterator[str]:
    """The static token of a user whose role may not create files (nor read them)."""
    async with Directus(files_server.url, token=files_server.token) as admin:
        role = await make_role(admin, f"files-reader-{uuid.uuid4().hex[:6]}")
        token = uuid.uuid4().hex
        user = (await admin.post("/users", json={
            "email": f"r{uuid.uuid4().hex[:8]}@example.com", "password": "pw-123456", "role": role.id,
            "status": "active", "token": token}))["data"]
        try:
            yield token
        finally:
            await admin.delete(f"/users/{user['id']}")
            await drop_role(admin, role)


@pytest.fixture
def reader(conn: Directus, reader_token: str) -> Directus:
    return conn.with_auth(token=reader_token)


async def test_a_role_without_create_on_files_gets_forbidden(conn: Directus, reader: Directus) -> None:
    with connections.override(reader), pytest.raises(Forbidden):
        await File.objects.upload(b"nope", filename="nope.txt")
    assert await named(conn, "nope.txt") == []
    stored = await File.objects.upload(b"secret", filename="secret.txt")
    with connections.override(reader), pytest.raises(Forbidden):
        await stored.read()


# --- ranges and transforms ----------------------------------------------------------------------------
async def test_range_reads(conn: Directus) -> None:
    data = bytes(range(256)) * 40
    stored = await File.objects.upload(data, filename="r.bin")
    assert await stored.read(start=100, end=110) == data[100:110]
    assert await stored.read(start=5, end=6) == data[5:6]  # one byte: Directus refuses bytes=5-5
    assert await stored.read(start=0, end=1) == data[:1]
    assert await stored.read(start=len(data) - 1) == data[-1:]
    assert await stored.read(start=len(data) - 1, end=len(data)) == data[-1:]
    assert await stored.read(start=10_000) == data[10_000:]
    assert await stored.read(start=7, end=7) == b""
    assert await stored.read(start=len(data) - 3, end=len(data) + 100) == data[-3:]  # like a slice
    with pytest.raises(RangeNotSatisfiable):
        await stored.read(start=len(data) + 5)
    with pytest.raises(InvalidArgument):
        await stored.read(Transform(width=10), start=3)
    for start, end in ((0, -1), (-1, None), (3, -2)):
        with pytest.raises(InvalidArgument, match="negative"):
            await stored.read(start=start, end=end)


async def test_wrong_argument_types_are_typed_errors(conn: Directus) -> None:
    stored = await File.objects.upload(b"0123456789", filename="types.txt")
    with pytest.raises(InvalidArgument, match="chunk_size"):
        [chunk async for chunk in stored.stream(chunk_size=0)]
    with pytest.raises(InvalidUsage, match="start"):
        await stored.read(start="a")  # type: ignore[arg-type]
    with pytest.raises(InvalidUsage, match="end"):
        await stored.read(end=2.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidUsage, match="content_type"):
        await File.objects.upload(b"x", filename="typed.txt", content_type=5)  # type: ignore[arg-type]
    with pytest.raises(InvalidUsage, match="filename"):
        await File.objects.upload(b"x", filename=7)  # type: ignore[arg-type]
    assert await named(conn, "typed.txt") == []


async def test_a_transformed_image_has_the_asked_size_and_format(conn: Directus) -> None:
    original = png(64, 48)
    stored = await File.objects.upload(original, filename="pic.png")
    assert (stored.width, stored.height, stored.type) == (64, 48, "image/png")
    assert image_info(await stored.read()) == ("png", 64, 48)
    assert sha(await stored.read()) == sha(original)
    jpg = await stored.read(Transform(width=32, height=16, fit="cover", format="jpg", quality=80))
    assert image_info(jpg) == ("jpg", 32, 16)
    webp = await stored.read({"width": 20, "format": "webp"})
    assert image_info(webp) == ("webp", 20, 15)
    rotated = await stored.read(Transform(transforms=[["rotate", 90]], format="png"))
    assert image_info(rotated) == ("png", 48, 64)
    small = await stored.read("system-small-cover")
    assert image_info(small)[0] == "png"
    assert image_info(await stored.read(Transform(width=200, without_enlargement=True, format="png"))) == (
        "png", 64, 48)


def test_transforms_are_checked_before_any_request() -> None:
    with pytest.raises(InvalidArgument, match="5"):
        Transform(transforms=[["blur", 1]] * 6)
    with pytest.raises(InvalidArgument, match="6000"):
        Transform(width=7000)
    with pytest.raises(InvalidArgument):
        Transform(fit="stretch")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        Transform(quality=0)
    with pytest.raises(InvalidArgument):
        Transform(transforms=["rotate"])
    assert Transform(width=10, format="auto", without_enlargement=True).params() == {
        "width": "10", "format": "auto", "withoutEnlargement": "true"}


async def test_urls_carry_no_token_unless_asked(conn: Directus, files_server: ServerInfo) -> None:
    stored = await File.objects.upload(png(10, 10), filename="u.png")
    url = stored.url(Transform(width=5, format="png"))
    assert url == f"{files_server.url}/assets/{stored.id}?width=5&format=png"
    async with httpx.AsyncClient() as http:
        assert (await http.get(url)).status_code == 403  # no credentials in it
        tokened = stored.url(Transform(width=5, format="png"), access_token=files_server.token)
        answer = await http.get(tokened)
        assert answer.status_code == 200 and image_info(answer.content) == ("png", 5, 5)
        saved = stored.url(download=True, filename="saved.png", access_token=files_server.token)
        answer = await http.get(saved)
        assert answer.headers["content-disposition"] == 'attachment; filename="saved.png"'


# --- folders ------------------------------------------------------------------------------------------
async def test_folders_by_name_and_instance(conn: Directus) -> None:
    top = await Folder.objects.create(name="Invoices")
    year = await Folder.objects.create(name="2026", parent=top)
    by_name = await File.objects.upload(b"a", filename="a.txt", folder="Invoices/2026")
    by_instance = await File.objects.upload(b"b", filename="b.txt", folder=top)
    assert (await conn.get(f"/files/{by_name.id}"))["data"]["folder"] == str(year.id)
    assert (await conn.get(f"/files/{by_instance.id}"))["data"]["folder"] == str(top.id)
    loaded = await File.objects.select_related("folder").get(id=by_name.id)
    assert isinstance(loaded.folder, Folder) and loaded.folder.name == "2026"
    assert [f.filename_download async for f in File.objects.filter(folder__name="Invoices")] == ["b.txt"]
    with pytest.raises(Folder.DoesNotExist):
        await File.objects.upload(b"c", filename="c.txt", folder="Invoices/2027")
    by_text_key = await File.objects.upload(b"k", filename="k.txt", folder=str(year.id))
    assert (await conn.get(f"/files/{by_text_key.id}"))["data"]["folder"] == str(year.id)
    moved = await File.objects.upload(b"d", filename="d.txt")
    await moved.replace(b"dd", folder=year)
    assert (await conn.get(f"/files/{moved.id}"))["data"]["folder"] == str(year.id)


async def test_folder_type_is_read_only_from_servers_that_have_it(conn: Directus) -> None:
    """``directus_folders.type`` is new in Directus 12; naming it in ``fields`` on 11 is a 403."""
    top = await Folder.objects.create(name="Typed")
    stored = await File.objects.upload(b"t", filename="t.txt", folder=top)
    raw = (await conn.get(f"/folders/{top.id}"))["data"]
    has_type = server_version() >= (12, 0, 0)
    assert ("type" in raw) is has_type
    expected = raw.get("type")
    loaded = await File.objects.select_related("folder").get(id=stored.id)
    assert isinstance(loaded.folder, Folder) and loaded.folder.name == "Typed"
    assert loaded.folder.type == expected
    assert (await Folder.objects.defer("parent").get(id=top.id)).type == expected
    assert (await Folder.objects.get(id=top.id)).type == expected
    row = await Folder.objects.filter(id=top.id).values().get()
    assert row["name"] == "Typed" and row.get("type") == expected
    over_graphql = await Folder.objects.using_graphql().get(id=top.id)
    assert over_graphql.name == "Typed" and over_graphql.type == expected
    renamed = await Folder.objects.get(id=top.id)
    renamed.name = "Typed2"
    await renamed.save()
    assert (await conn.get(f"/folders/{top.id}"))["data"]["name"] == "Typed2"


async def test_a_subclass_keeps_the_collection_and_reads_custom_fields(conn: Directus) -> None:
    await conn.post("/fields/directus_files", json={"field": "license", "type": "string"})
    try:
        class LicensedFile(File):
            license: str | None = None

        assert LicensedFile._meta.collection == "directus_files"
        stored = await LicensedFile.objects.upload(b"x", filename="l.txt", license="CC-BY")
        assert isinstance(stored, LicensedFile) and stored.license == "CC-BY"
        assert (await conn.get(f"/files/{stored.id}"))["data"]["license"] == "CC-BY"
    finally:
        await conn.delete("/fields/directus_files/license")
        from directus_orm.models.registry import models

        models.register(File)  # the next tests read directus_files with the plain model


# --- the raw escape hatch -----------------------------------------------------------------------------
async def test_raw_answers_are_bytes_and_json_stays_typed(conn: Directus) -> None:
    data = bytes(range(256))
    stored = await File.objects.upload(data, filename="raw.bin")
    assert await conn.get(f"/assets/{stored.id}") == data  # bytes, never a mis-decoded str
    assert await conn.request("GET", "/server/ping", raw=True) == b"pong"
    with pytest.raises(UnexpectedResponse):
        await conn.request("GET", "/server/ping")  # a JSON request answered with text
    async with conn.stream("GET", f"/assets/{stored.id}") as answer:
        assert b"".join([c async for c in answer.aiter_bytes()]) == data
    with pytest.raises(Forbidden):
        await conn.get(f"/assets/{uuid.uuid4()}")


# --- the sync face ------------------------------------------------------------------------------------
def test_the_sync_face(conn: Directus, tmp_path: Path) -> None:
    data = os.urandom(200_000)
    stored = File.objects.sync.upload(data, filename="sync.bin", title="Sync")
    assert stored.sync.read() == data
    assert b"".join(stored.sync.stream()) == data
    assert stored.sync.download(tmp_path / "s.bin") == len(data)
    stored.sync.replace(b"replaced", filename="sync2.bin")
    assert stored.sync.read() == b"replaced"
    many = File.objects.sync.upload_many([Upload(b"1", filename="1.txt"), Upload(b"2", filename="2.txt")])
    assert [f.filename_download for f in many] == ["1.txt", "2.txt"]


# --- FastAPI --------------------------------------------------------------------------------------------
def files_app() -> Any:
    directus = DirectusDependency()
    app = FastAPI(lifespan=directus.lifespan)
    install_exception_handlers(app)

    @app.post("/upload")
    async def upload(file: UploadFile, title: str | None = Form(None),
                     conn: Directus = Depends(directus)) -> dict[str, Any]:  # noqa: B008
        stored = await upload_file(file, title=title)
        return {"id": str(stored.id), "size": stored.filesize, "title": stored.title}

    @app.get("/content/{key}")
    async def content(key: uuid.UUID, request: Request, download: bool = False, width: int | None = None,
                      name: str | None = None, conn: Directus = Depends(directus)) -> Any:  # noqa: B008
        return await file_response(key, request=request, download=download, filename=name,
                                   transform=Transform(width=width, format="png") if width else None)

    return app


def test_fastapi_upload_and_download_as_the_caller(conn: Directus, files_server: ServerInfo) -> None:
    data = os.urandom(1_500_000)
    bearer = {"Authorization": f"Bearer {files_server.token}"}
    with TestClient(files_app()) as client:
        answer = client.post("/upload", files={"file": ("up.bin", data, "application/octet-stream")},
                             data={"title": "Via FastAPI"}, headers=bearer)
        assert answer.status_code == 200, answer.text
        key = answer.json()["id"]
        assert answer.json()["size"] == len(data) and answer.json()["title"] == "Via FastAPI"
        whole = client.get(f"/content/{key}", headers=bearer)
        assert whole.status_code == 200 and sha(whole.content) == sha(data)
        assert whole.headers["content-type"] == "application/octet-stream"
        assert whole.headers["content-length"] == str(len(data))
        assert whole.headers["content-disposition"] == 'inline; filename="up.bin"'
        part = client.get(f"/content/{key}", headers={**bearer, "Range": "bytes=100-199"})
        assert part.status_code == 206 and part.content == data[100:200]
        assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
        saved = client.get(f"/content/{key}?download=true", headers=bearer)
        assert saved.headers["content-disposition"] == 'attachment; filename="up.bin"'
        assert client.get(f"/content/{key}").status_code == 401  # no credentials
        assert client.get(f"/content/{uuid.uuid4()}", headers=bearer).status_code == 403
    row = httpx.get(f"{files_server.url}/files/{key}", headers=bearer).json()["data"]
    assert (row["title"], raw_bigint(row["filesize"])) == ("Via FastAPI", len(data))


def test_fastapi_transforms_and_refusals(conn: Directus, files_server: ServerInfo, reader_token: str) -> None:
    bearer = {"Authorization": f"Bearer {files_server.token}"}
    with TestClient(files_app()) as client:
        answer = client.post("/upload", files={"file": ("p.png", png(40, 20), "image/png")}, headers=bearer)
        key = answer.json()["id"]
        small = client.get(f"/content/{key}?width=10", headers=bearer)
        assert small.status_code == 200 and image_info(small.content) == ("png", 10, 5)
        refused = client.post("/upload", files={"file": ("r.txt", b"no", "text/plain")},
                              headers={"Authorization": f"Bearer {reader_token}"})
        assert refused.status_code == 403
        too_big = client.post("/upload", files={"file": ("big.bin", b"x" * (MAX_UPLOAD + 1), "text/plain")},
                              headers=bearer)
        assert too_big.status_code == 413


def test_fastapi_one_byte_ranges_are_correct_206s(conn: Directus, files_server: ServerInfo) -> None:
    data = bytes(range(10))
    bearer = {"Authorization": f"Bearer {files_server.token}"}
    with TestClient(files_app()) as client:
        key = client.post("/upload", files={"file": ("b.bin", data, "application/octet-stream")},
                          headers=bearer).json()["id"]
        for first in (0, 5, 9):
            part = client.get(f"/content/{key}", headers={**bearer, "Range": f"bytes={first}-{first}"})
            assert part.status_code == 206, part.text
            assert part.content == data[first:first + 1]
            assert part.headers["content-range"] == f"bytes {first}-{first}/10"
            assert part.headers["content-length"] == "1"
        two = client.get(f"/content/{key}", headers={**bearer, "Range": "bytes=3-4"})
        assert (two.status_code, two.content) == (206, data[3:5])
        assert two.headers["content-range"] == "bytes 3-4/10"
    assert httpx.get(f"{files_server.url}/assets/{key}", headers=bearer).content == data


def test_fastapi_answers_304_when_the_validator_matches(conn: Directus, files_server: ServerInfo) -> None:
    bearer = {"Authorization": f"Bearer {files_server.token}"}
    with TestClient(files_app()) as client:
        key = client.post("/upload", files={"file": ("e.txt", b"etag me", "text/plain")},
                          headers=bearer).json()["id"]
        first = client.get(f"/content/{key}", headers=bearer)
        modified = first.headers["last-modified"]
        if server_version() < (11, 0, 0):  # Directus 10's assets carry Last-Modified but no ETag
            assert "etag" not in first.headers
            unknown = client.get(f"/content/{key}", headers={**bearer, "If-None-Match": '"any"'})
            assert (unknown.status_code, unknown.content) == (200, b"etag me")
        else:
            etag = first.headers["etag"]
            again = client.get(f"/content/{key}", headers={**bearer, "If-None-Match": etag})
            assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
            other = client.get(f"/content/{key}", headers={**bearer, "If-None-Match": '"other"'})
            assert (other.status_code, other.content) == (200, b"etag me")
        since = client.get(f"/content/{key}", headers={**bearer, "If-Modified-Since": modified})
        assert since.status_code == 304
        long_ago = "Thu, 01 Jan 2015 00:00:00 GMT"
        old = client.get(f"/content/{key}", headers={**bearer, "If-Modified-Since": long_ago})
        assert old.status_code == 200 and old.content == b"etag me"


def test_fastapi_invalid_form_values_are_422(conn: Directus, files_server: ServerInfo) -> None:
    bearer = {"Authorization": f"Bearer {files_server.token}"}
    with TestClient(files_app()) as client:
        answer = client.post("/upload", files={"file": ("n.txt", b"null title", "text/plain")},
                             data={"title": "null"}, headers=bearer)
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == "INVALID_ARGUMENT"
    assert httpx.get(f"{files_server.url}/files", headers=bearer,
                     params={"filter[filename_download][_eq]": "n.txt"}).json()["data"] == []


def test_fastapi_non_ascii_download_names_use_rfc_5987(conn: Directus, files_server: ServerInfo) -> None:
    bearer = {"Authorization": f"Bearer {files_server.token}"}
    with TestClient(files_app()) as client:
        key = client.post("/upload", files={"file": ("plain.txt", b"report", "text/plain")},
                          headers=bearer).json()["id"]
        saved = client.get(f"/content/{key}", params={"download": "true", "name": "report é.txt"},
                           headers=bearer)
        assert saved.status_code == 200 and saved.content == b"report"
        assert saved.headers["content-disposition"] == (
            "attachment; filename=\"report e.txt\"; filename*=UTF-8''report%20%C3%A9.txt")
        plain = client.get(f"/content/{key}", params={"download": "true"}, headers=bearer)
        assert plain.headers["content-disposition"] == 'attachment; filename="plain.txt"'
        stored_name = client.post("/upload", files={"file": ("résumé.txt", b"cv", "text/plain")},
                                  headers=bearer).json()["id"]
        inline = client.get(f"/content/{stored_name}", headers=bearer)
        assert inline.headers["content-disposition"] == (
            "inline; filename=\"resume.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt")
