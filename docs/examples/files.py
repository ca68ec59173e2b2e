"""Files: streamed uploads (one file, several with their own metadata), folders, transforms, range reads,
downloads, replace, URLs, a subclass with a project's field, the FastAPI helpers and the sync face. Needs
DIRECTUS_URL and DIRECTUS_TOKEN (admin). Its folders are named docs_files_*, its files' titles end with this
run's tag; it deletes them at the end. It adds directus_files.license only when the project lacks it, and
removes it again."""

# The sections the page shows carry their own imports; FastAPI's Depends(...) defaults are its style.
# ruff: noqa: B007, B008, I001
# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations at run time, and the
# names they use are imported inside the function that defines them.

import asyncio
import hashlib
import os
import struct
import tempfile
import uuid
import zlib
from pathlib import Path

import httpx

from directus_orm import Sum, configure, connections
from directus_orm.files import File, Folder, Transform, Upload

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]
TAG = uuid.uuid4().hex[:8]  # this run's files and folders carry it


def png(width: int, height: int) -> bytes:
    """A small RGB PNG (no imaging library needed)."""
    rows = b"".join(b"\x00" + bytes(v for x in range(width) for v in (x * 4 % 256, y * 4 % 256, 128))
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


async def prepare_overview(workdir: Path) -> File:
    """What the page's first example finds: report.pdf in the current directory, the folder, a photo."""
    os.chdir(workdir)
    Path("report.pdf").write_bytes(b"%PDF-1.4 a quarterly report\n")
    reports = await Folder.objects.create(name="docs_files_reports")
    await Folder.objects.create(name="2026", parent=reports)
    return await File.objects.upload(png(64, 48), filename="photo.png", title=f"Photo {TAG}")


async def overview(workdir: Path) -> File:
    photo = await prepare_overview(workdir)
    # --8<-- [start:overview]
    from directus_orm.files import File, Transform

    stored = await File.objects.upload("report.pdf", title="Q3 report", folder="docs_files_reports/2026")
    async for chunk in stored.stream():
        ...
    await stored.download("copy.pdf")
    thumb = await photo.read(Transform(width=200, height=200, fit="cover", format="webp"))
    # --8<-- [end:overview]
    stored.title = f"Q3 report {TAG}"
    await stored.save()
    folder = (await File.objects.select_related("folder").get(id=stored.id)).folder
    same = Path("copy.pdf").read_bytes() == Path("report.pdf").read_bytes()
    print("uploaded", stored.filename_download, "into", folder, "- copy identical:", same,
          "- thumbnail:", thumb[8:12], len(thumb), "bytes")
    return photo


async def main(workdir: Path) -> None:
    photo = await overview(workdir)

    # One file from a path: read and sent chunk by chunk, never whole.
    report = workdir / "report.csv"
    report.write_text("month,total\n2026-10,120\n2026-11,135\n")
    stored = await File.objects.upload(report, title=f"Report {TAG}", tags=["finance", TAG])
    print("uploaded", stored.filename_download, stored.type, stored.filesize, "bytes")

    # --8<-- [start:folders]
    top = await Folder.objects.create(name="docs_files_invoices")
    year = await Folder.objects.create(name="2026", parent=top)
    files = File.objects.filter(folder__name="2026").select_related("folder")
    # --8<-- [end:folders]
    invoice = await File.objects.upload(b"%PDF-1.4 ...", filename="inv-001.pdf", title=f"Invoice {TAG}",
                                        folder="docs_files_invoices/2026")
    print("in folder:", (await files.get(id=invoice.id)).folder)

    # Several files in one request, each with its own metadata; returned in the order given.
    album, png_bytes = year, png(320, 240)  # the transform below crops around a point of it
    Path("notes.txt").write_text("from the trip\n")
    # --8<-- [start:upload-many]
    photo, notes = await File.objects.upload_many([
        Upload(png_bytes, filename="photo.png", title="Photo", folder=album),
        Upload("notes.txt", title="Notes", description="from the trip"),
    ])
    # --8<-- [end:upload-many]
    for each in (photo, notes):
        each.title = f"{each.title} {TAG}"
        await each.save()
    hello = await File.objects.upload(b"hello\n", filename="hello.txt", title=f"Hello {TAG}")
    print("uploaded together:", [(f.filename_download, f.type, f.folder == album.id) for f in (photo, notes)])

    # Metadata queries like any model.
    mine = File.objects.filter(title__endswith=TAG)
    total = (await mine.aggregate(total=Sum("filesize")))["total"]
    print("my files:", await mine.count(), "total bytes:", total)

    # Downloads: streamed, to a path, or read whole (small files); byte ranges; transformed images.
    chunks = [chunk async for chunk in stored.stream()]
    print("streamed", sum(map(len, chunks)), "bytes in", len(chunks), "chunk(s)")
    written = await stored.download(workdir / "copy.csv")
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (report, workdir / "copy.csv")}
    same = len(digests) == 1
    print("downloaded", written, "bytes, identical:", same)
    print("bytes 0-10:", await stored.read(start=0, end=11))
    # --8<-- [start:transform]
    transform = Transform(width=240, height=180, fit="cover", quality=80, format="webp",
                          without_enlargement=True, focal_point_x=120, focal_point_y=80,
                          transforms=[["grayscale"], ["blur", 2]], key=None)
    # --8<-- [end:transform]
    thumb = await photo.read(transform)
    print("transformed:", thumb[:4], thumb[8:12], len(thumb), "bytes")
    print("URL (no token in it):", photo.url(Transform(width=32, format="png")).replace(URL, "<server>"))

    # Replace the content, keeping the id (and the metadata not given).
    await hello.replace(b"hello again\n")
    print("replaced:", hello.id, hello.filesize, "bytes, title", hello.title)

    # The raw escape hatch: asset paths answer bytes, never a mis-decoded str.
    print("raw:", await connections["default"].get(f"/assets/{hello.id}"))


def sync_part() -> None:
    note = File.objects.sync.upload(b"written from sync code\n", filename="sync.txt", title=f"Sync {TAG}")
    print("sync:", note.sync.read(), b"".join(note.sync.stream()) == note.sync.read())


async def with_the_fastapi_helpers() -> None:
    """The page's FastAPI app, served in-process (httpx's ASGI transport) as the admin."""
    # --8<-- [start:fastapi]

    from fastapi import Depends, FastAPI, Form, Request, UploadFile
    from directus_orm.contrib.fastapi import (
        DirectusDependency, file_response, install_exception_handlers, upload_file,
    )

    directus = DirectusDependency()
    app = FastAPI(lifespan=directus.lifespan)
    install_exception_handlers(app)

    @app.post("/files")
    async def upload(file: UploadFile, title: str | None = Form(None), conn=Depends(directus)):
        stored = await upload_file(file, title=title)      # streamed; the caller's permissions apply
        return {"id": str(stored.id)}

    @app.get("/files/{key}/content")
    async def content(key: uuid.UUID, request: Request, conn=Depends(directus)):
        return await file_response(key, request=request)   # a StreamingResponse
    # --8<-- [end:fastapi]

    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://app", headers=auth) as http:
        upload = {"file": ("via-app.txt", b"uploaded through the app\n", "text/plain")}
        r = await http.post("/files", files=upload, data={"title": f"Via the app {TAG}"})
        key = r.json()["id"]
        print("uploaded through the app:", r.status_code)
        r = await http.get(f"/files/{key}/content", headers={"Range": "bytes=0-7"})
        print("a range through the app:", r.status_code, r.headers["content-range"], r.content)
        served = (await http.get(f"/files/{key}/content")).headers
        # Directus 10 sends Last-Modified but no ETag with a file's content.
        ask = {"If-None-Match": served["etag"]} if "etag" in served else \
            {"If-Modified-Since": served["last-modified"]}
        r = await http.get(f"/files/{key}/content", headers=ask)
        print("revalidated:", r.status_code)


async def custom_fields() -> None:
    """A project's own field on directus_files, read through a subclass (the field made here)."""
    conn = connections["default"]
    if "license" in {f["field"] for f in (await conn.get("/fields/directus_files"))["data"]}:
        return print("directus_files.license exists already: the subclass part is left out")
    await conn.post("/fields/directus_files", json={"field": "license", "type": "string"})
    try:
        import directus_orm.files

        # --8<-- [start:subclass]
        class File(directus_orm.files.File):
            license: str | None = None          # a field the project added to directus_files
        # --8<-- [end:subclass]

        licensed = await File.objects.upload(b"CC BY 4.0\n", filename="licensed.txt",
                                             title=f"Licensed {TAG}", license="CC-BY-4.0")
        print("a subclass:", type(licensed).__name__, licensed.license,
              await File.objects.filter(license="CC-BY-4.0", title__endswith=TAG).count())
    finally:
        await conn.delete("/fields/directus_files/license")


FOLDERS = ["docs_files_reports", "docs_files_invoices"]


async def cleanup() -> None:
    async for stored in File.objects.filter(title__endswith=TAG):
        await stored.delete()
    async for stored in File.objects.filter(folder__name__in=FOLDERS):
        await stored.delete()
    async for stored in File.objects.filter(folder__parent__name__in=FOLDERS):
        await stored.delete()
    async for folder in Folder.objects.filter(name__in=FOLDERS):
        for child in await Folder.objects.filter(parent=folder):
            await child.delete()
        await folder.delete()
    await connections.aclose_all()


async def refuse_existing_folders() -> None:
    if await Folder.objects.filter(name__in=FOLDERS).exists():
        raise SystemExit(f"folders named {FOLDERS} exist already: this example leaves them alone")
    await connections.aclose_all()


async def run(workdir: Path) -> None:
    await main(workdir)
    await with_the_fastapi_helpers()
    configure({"default": {"url": URL, "token": TOKEN}})  # the app's lifespan closed the registry's
    await custom_fields()


if __name__ == "__main__":
    configure({"default": {"url": URL, "token": TOKEN}})
    asyncio.run(refuse_existing_folders())
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            asyncio.run(run(Path(tmp)))
            sync_part()
        finally:
            os.chdir(here)
            asyncio.run(cleanup())
    print("cleaned up")
