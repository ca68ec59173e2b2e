"""Files: streamed uploads (one file, several with their own metadata), folders, transforms, range reads,
downloads, replace, URLs and the sync face. Needs DIRECTUS_URL and DIRECTUS_TOKEN (admin); deletes the
files and folders it creates."""

from __future__ import annotations

import asyncio
import hashlib
import os
import struct
import tempfile
import uuid
import zlib
from pathlib import Path

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


async def main(workdir: Path) -> None:
    # One file from a path: read and sent chunk by chunk, never whole.
    report = workdir / "report.csv"
    report.write_text("month,total\n2026-10,120\n2026-11,135\n")
    stored = await File.objects.upload(report, title=f"Report {TAG}", tags=["finance", TAG])
    print("uploaded", stored.filename_download, stored.type, stored.filesize, "bytes")

    # Folders: create a tree, then upload into it by name ("parent/child") or by instance.
    top = await Folder.objects.create(name=f"Invoices {TAG}")
    year = await Folder.objects.create(name="2026", parent=top)
    invoice = await File.objects.upload(b"%PDF-1.4 ...", filename="inv-001.pdf", title=f"Invoice {TAG}",
                                        folder=f"Invoices {TAG}/2026")
    print("in folder:", (await File.objects.select_related("folder").get(id=invoice.id)).folder)

    # Several files in one request, each with its own metadata; returned in the order given.
    many = await File.objects.upload_many([
        Upload(png(64, 48), filename="photo.png", title=f"Photo {TAG}", folder=year),
        Upload(b"hello\n", filename="hello.txt", title=f"Hello {TAG}", description="a greeting"),
    ])
    photo, hello = many
    print("uploaded together:", [(f.title, f.type) for f in many])

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
    thumb = await photo.read(Transform(width=32, height=32, fit="cover", format="webp", quality=80))
    print("thumbnail:", thumb[:4], thumb[8:12], len(thumb), "bytes")
    print("URL (no token in it):", photo.url(Transform(width=32, format="png")).replace(URL, "<server>"))

    # Replace the content, keeping the id (and the metadata not given).
    await hello.replace(b"hello again\n")
    print("replaced:", hello.id, hello.filesize, "bytes, title", hello.title)

    # The raw escape hatch: asset paths answer bytes, never a mis-decoded str.
    print("raw:", await connections["default"].get(f"/assets/{hello.id}"))


def sync_part() -> None:
    note = File.objects.sync.upload(b"written from sync code\n", filename="sync.txt", title=f"Sync {TAG}")
    print("sync:", note.sync.read(), b"".join(note.sync.stream()) == note.sync.read())


async def cleanup() -> None:
    async for stored in File.objects.filter(title__endswith=TAG):
        await stored.delete()
    async for folder in Folder.objects.filter(name__endswith=TAG):
        for child in await Folder.objects.filter(parent=folder):
            await child.delete()
        await folder.delete()


if __name__ == "__main__":
    configure({"default": {"url": URL, "token": TOKEN}})
    with tempfile.TemporaryDirectory() as tmp:
        try:
            asyncio.run(main(Path(tmp)))
            sync_part()
        finally:
            asyncio.run(cleanup())
    print("cleaned up")
