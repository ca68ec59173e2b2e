"""Upload sources: whatever the caller hands over (a path, bytes, a file object, an async iterator of
bytes, a FastAPI ``UploadFile``), read as chunks without ever holding the whole file.

Blocking reads (a path, a sync file object) run in a worker thread, one chunk at a time, so the event
loop keeps serving other requests while a large file uploads.
"""

from __future__ import annotations

import asyncio
import inspect
import mimetypes
import os
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Union

from ..exceptions import InvalidArgument, InvalidUsage, SourceChanged

__all__ = ["CHUNK_SIZE", "Source", "SourceChanged", "UploadSource", "source_from"]

CHUNK_SIZE = 1024 * 1024
"""Bytes read per chunk from a file: large enough that the per-chunk cost (a thread hop) vanishes next to
the transfer, small enough to stay out of the memory budget."""

UploadSource = Union[
    str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes], AsyncIterable[bytes], Any
]
"""What ``upload()`` / ``replace()`` accept (a ``str`` is a path; content is ``bytes``)."""


@dataclass
class Source:
    """One file's content, name, type and (when knowable) size; ``chunks()`` reads it."""

    filename: str
    content_type: str
    size: int | None
    open: Callable[[], AsyncIterator[bytes]]
    replayable: bool = True
    _used: bool = False

    async def chunks(self) -> AsyncIterator[bytes]:
        """The content, checked against ``size``."""
        if self._used and not self.replayable:
            raise SourceChanged(f"{self.filename!r}: a one-shot source (an async iterator) cannot be "
                                "sent twice")
        self._used = True
        sent = 0
        async for chunk in self.open():
            if chunk:
                sent += len(chunk)
                if self.size is not None and sent > self.size:
                    raise SourceChanged(f"{self.filename!r} grew while it was uploaded (over "
                                        f"{self.size:,} bytes)")
                yield bytes(chunk) if not isinstance(chunk, bytes) else chunk
        if self.size is not None and sent != self.size:
            raise SourceChanged(f"{self.filename!r} gave {sent:,} bytes, {self.size:,} were announced")


def _guess_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _path_source(path: Path, chunk_size: int) -> tuple[int, Callable[[], AsyncIterator[bytes]]]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidArgument(f"cannot read {str(path)!r}: {exc.strerror or type(exc).__name__}") from None
    if not path.is_file():
        raise InvalidArgument(f"{str(path)!r} is not a file")

    async def read() -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(path.open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, chunk_size):
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    return size, read


Opener = Callable[[], AsyncIterator[bytes]]


def _sync_file_source(fileobj: Any, chunk_size: int) -> tuple[int | None, bool, Opener]:
    seekable = bool(getattr(fileobj, "seekable", lambda: False)())
    start = fileobj.tell() if seekable else 0
    size = None
    if seekable:
        end = fileobj.seek(0, os.SEEK_END)
        fileobj.seek(start)
        size = end - start

    async def read() -> AsyncIterator[bytes]:
        if seekable:
            await asyncio.to_thread(fileobj.seek, start)
        while chunk := await asyncio.to_thread(fileobj.read, chunk_size):
            if isinstance(chunk, str):
                raise InvalidArgument("the file object gives str: open it in binary mode ('rb')")
            yield chunk

    return size, seekable, read


def _async_file_source(fileobj: Any, chunk_size: int) -> tuple[int | None, bool, Opener]:
    # A FastAPI/Starlette UploadFile, aiofiles, anyio's AsyncFile ...: async read(n), maybe async seek().
    size = getattr(fileobj, "size", None)
    seek: Any = getattr(fileobj, "seek", None)
    replayable = seek is not None and inspect.iscoroutinefunction(seek)
    first = True

    async def read() -> AsyncIterator[bytes]:
        nonlocal first
        if replayable and not first:
            await seek(0)
        first = False
        while chunk := await fileobj.read(chunk_size):
            yield chunk

    return (size if isinstance(size, int) else None), replayable, read


def source_from(
    source: Any,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    default_name: str | None = None,
) -> Source:
    """The :class:`Source` for one upload. ``filename`` defaults to the path's or file object's name
    (``UploadFile.filename``), then ``default_name``; ``content_type`` to the ``UploadFile``'s or a guess
    from the name."""
    for label, value in (("filename", filename), ("content_type", content_type)):
        if value is not None and not isinstance(value, str):
            raise InvalidUsage(f"{label} must be a str, got {type(value).__name__}")
    name: str | None = filename
    ctype: str | None = content_type
    size: int | None
    replayable = True
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = name or path.name
        size, opener = _path_source(path, chunk_size)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        size = len(data)

        async def opener() -> AsyncIterator[bytes]:
            for offset in range(0, len(data), chunk_size):
                yield data[offset:offset + chunk_size]
    elif callable(getattr(source, "read", None)):
        read = source.read
        given_name = getattr(source, "filename", None) or getattr(source, "name", None)
        if isinstance(given_name, str) and not name:
            name = os.path.basename(given_name)
        ctype = ctype or getattr(source, "content_type", None) or None
        if inspect.iscoroutinefunction(read):
            size, replayable, opener = _async_file_source(source, chunk_size)
        else:
            size, replayable, opener = _sync_file_source(source, chunk_size)
    elif isinstance(source, AsyncIterable):
        size, replayable = None, False
        iterable = source

        async def opener() -> AsyncIterator[bytes]:
            async for chunk in iterable:
                if not isinstance(chunk, (bytes, bytearray, memoryview)):
                    raise InvalidArgument(f"an upload's async iterator gave {type(chunk).__name__}, "
                                          "not bytes")
                yield bytes(chunk)
    else:
        raise InvalidArgument(
            f"cannot upload a {type(source).__name__}: give a path (str or Path), bytes, a file object "
            "opened in binary mode, an async file (UploadFile) or an async iterator of bytes"
        )
    name = name or default_name
    if not name:
        raise InvalidArgument("this source has no name: pass filename=... (Directus needs one per file)")
    for text, what in ((name, "filename"), (ctype or "", "content_type")):
        if any(c in text for c in "\r\n\0"):
            raise InvalidArgument(f"{what} {text[:60]!r} contains a line break or NUL")
    return Source(name, ctype or _guess_type(name), size, opener, replayable)
