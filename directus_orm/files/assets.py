"""Reading a file's content from ``/assets/<key>``: streamed chunk by chunk, a byte range, or written
to a path or file object, never held whole (except by :func:`read_asset`, for small files)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any, Union
from urllib.parse import quote, urlencode

import httpx

from ..connection import Directus
from ..exceptions import InvalidArgument, InvalidUsage, NetworkError, RequestTimeout, UnexpectedResponse
from .transform import Transform

__all__ = ["DownloadTarget", "asset_params", "asset_path", "asset_url", "download_asset", "stream_asset"]

READ_CHUNK = 1024 * 1024
"""Bytes per chunk handed to the caller (httpx may give fewer)."""

DownloadTarget = Union[str, "os.PathLike[str]", IO[bytes], Any]


def asset_path(key: Any, filename: str | None = None) -> str:
    """``/assets/<key>`` (the key quoted: data, never a path), ``/<filename>`` naming the download."""
    text = str(key)
    if not text or text in (".", ".."):
        raise InvalidArgument(f"{text!r} is not a file key")
    path = f"/assets/{quote(text, safe='')}"
    if filename is not None:
        if not filename or filename in (".", ".."):
            raise InvalidArgument(f"{filename!r} is not a file name")
        path += f"/{quote(filename, safe='')}"
    return path


def asset_params(transform: Transform | None, download: bool = False) -> dict[str, str]:
    params = transform.params() if transform is not None else {}
    if download:
        params["download"] = ""
    return params


def asset_url(conn: Directus, key: Any, transform: Transform | None = None, *, download: bool = False,
              filename: str | None = None, access_token: str | None = None) -> str:
    """The asset's absolute URL. ``access_token`` puts a token in the query string: anyone holding the
    URL (logs, browser history, a Referer header) can then use it."""
    params = asset_params(transform, download)
    if access_token is not None:
        params["access_token"] = access_token
    query = urlencode(params)
    return f"{conn.url}{asset_path(key, filename)}{'?' + query if query else ''}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_read_options(start: Any, end: Any, chunk_size: Any = READ_CHUNK) -> None:
    """Offsets are from the file's beginning: a negative one (which a slice would count from the end,
    needing the size first) is refused, as is anything not an int."""
    for label, value in (("start", start), ("end", end), ("chunk_size", chunk_size)):
        if not (_is_int(value) or (label == "end" and value is None)):
            raise InvalidUsage(f"{label} must be an int, got {type(value).__name__}")
    if start < 0 or (end is not None and end < 0):
        raise InvalidArgument("start and end are byte offsets from the file's beginning (>= 0); "
                              "negative offsets are not supported")
    if chunk_size < 1:
        raise InvalidArgument(f"chunk_size must be at least 1, got {chunk_size}")


def _range_header(start: int, end: int | None, transform: Transform | None,
                  size: int | None) -> tuple[dict[str, str], int | None]:
    """The Range header for bytes ``[start, end)`` and how many bytes to keep (None: all)."""
    if start == 0 and end is None:
        return {}, None
    if transform:
        raise InvalidArgument("a byte range cannot be combined with a transform (Directus then sends the "
                              "whole transformed image)")
    if end is None:
        return {"Range": f"bytes={start}-"}, None
    want = end - start
    # Directus refuses a range whose last byte is its first (bytes=5-5, and bytes=0-0): ask one more
    # byte and keep what was asked for.
    last = max(end - 1, start + 1)
    if size is not None and last >= size:
        last = size - 1
        if last <= start:  # the file's very last byte: a suffix range
            return {"Range": f"bytes=-{max(size - start, 1)}"}, want
    return {"Range": f"bytes={start}-{last}"}, want


def _read_error(exc: Exception, path: str) -> NetworkError:
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeout(f"timed out reading the file: {type(exc).__name__}", method="GET", path=path)
    return NetworkError(f"network error reading the file: {type(exc).__name__}: {exc}", method="GET",
                        path=path)


async def stream_asset(
    conn: Directus,
    key: Any,
    transform: Transform | None = None,
    *,
    start: int = 0,
    end: int | None = None,
    size: int | None = None,
    chunk_size: int = READ_CHUNK,
    headers: dict[str, str] | None = None,
) -> AsyncIterator[bytes]:
    """The asset's content (bytes ``[start, end)`` when given), chunk by chunk. ``size``: the file's
    size when known (a range over its last byte needs it)."""
    check_read_options(start, end, chunk_size)
    if end is not None and end <= start:
        return
    range_headers, keep = _range_header(start, end, transform, size)
    path = asset_path(key)
    async with conn.stream("GET", path, params=asset_params(transform) or None,
                           headers={**(headers or {}), **range_headers}) as response:
        skip = 0
        if range_headers and response.status_code != 206:
            # The server ignored the range (a storage that cannot seek): skip to it ourselves.
            skip = start
        elif range_headers:
            content_range = response.headers.get("content-range", "")
            first = content_range.removeprefix("bytes ").split("-", 1)[0]
            if not first.isdigit():
                raise UnexpectedResponse(f"a 206 answer without a readable Content-Range ({content_range!r})",
                                         status=206, method="GET", path=path)
            skip = start - int(first)  # a suffix range may start before ``start``
        left = keep
        try:
            async for chunk in response.aiter_bytes(chunk_size):
                if skip:
                    dropped = min(skip, len(chunk))
                    chunk, skip = chunk[dropped:], skip - dropped
                if left is not None:
                    chunk, left = chunk[:left], left - min(left, len(chunk))
                if chunk:
                    yield chunk
                if left == 0:
                    return
        except httpx.HTTPError as exc:
            raise _read_error(exc, path) from None


async def download_asset(conn: Directus, key: Any, target: DownloadTarget, transform: Transform | None = None,
                         **options: Any) -> int:
    """Write the asset to ``target`` (a path, or a binary file object, sync or async); returns the
    number of bytes written. A path is written to a temporary name beside it and renamed when
    complete, so a failed download never leaves a truncated file under the name."""
    written = 0
    if isinstance(target, (str, os.PathLike)):
        final = Path(target)
        partial = final.with_name(f".{final.name}.part")
        handle = await asyncio.to_thread(partial.open, "wb")
        try:
            async for chunk in stream_asset(conn, key, transform, **options):
                await asyncio.to_thread(handle.write, chunk)
                written += len(chunk)
            await asyncio.to_thread(handle.close)
            await asyncio.to_thread(os.replace, partial, final)
        except BaseException:
            handle.close()
            with contextlib.suppress(OSError):
                partial.unlink()
            raise
        return written
    write = getattr(target, "write", None)
    if write is None:
        raise InvalidArgument(f"cannot download into a {type(target).__name__}: give a path or a binary "
                              "file object")
    is_async = asyncio.iscoroutinefunction(write)
    async for chunk in stream_asset(conn, key, transform, **options):
        if is_async:
            await write(chunk)
        else:
            await asyncio.to_thread(write, chunk)
        written += len(chunk)
    return written
