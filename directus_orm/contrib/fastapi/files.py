"""Files through a FastAPI app, as the caller: upload an ``UploadFile`` to Directus without holding it,
and answer a file's content as a ``StreamingResponse`` (type, disposition, size and Range passed on).

::

    directus = DirectusDependency()

    @app.post("/files")
    async def upload(file: UploadFile, title: str | None = Form(None), conn=Depends(directus)):
        stored = await upload_file(file, title=title)          # as the caller: their permissions
        return {"id": str(stored.id)}

    @app.get("/files/{key}/content")
    async def content(key: uuid.UUID, request: Request, conn=Depends(directus)):
        return await file_response(key, request=request)       # 206 for a Range request
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import AsyncIterator, Mapping
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar, overload
from urllib.parse import quote

import httpx
from fastapi import Request, UploadFile
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from ...connection.client import Directus
from ...connection.registry import DEFAULT_ALIAS, connections
from ...exceptions import NetworkError
from ...files.assets import READ_CHUNK, asset_params, asset_path
from ...files.manager import FolderRef
from ...files.models import File
from ...files.transform import Transform, transform_from

__all__ = ["PASSED_HEADERS", "file_response", "upload_file"]

F = TypeVar("F", bound=File)

PASSED_HEADERS = ("content-type", "content-length", "content-encoding", "content-range",
                  "content-disposition", "accept-ranges", "etag", "last-modified", "cache-control", "vary")
"""Answer headers handed on from Directus's asset endpoint (the body is passed on as it came, encoded or
not, so its Content-Encoding and Content-Length go with it)."""
FORWARDED_HEADERS = ("range", "if-none-match", "if-modified-since", "accept")
"""Request headers handed on to it (a Range read, revalidation, ``format=auto``'s Accept)."""
NOT_MODIFIED_HEADERS = ("etag", "last-modified", "cache-control", "vary")
"""The headers a 304 keeps (RFC 9110 15.4.5)."""


@overload
async def upload_file(upload: UploadFile, *, model: type[F], folder: FolderRef = None,
                      filename: str | None = None, using: str | None = None, **metadata: Any) -> F: ...
@overload
async def upload_file(upload: UploadFile, *, folder: FolderRef = None, filename: str | None = None,
                      using: str | None = None, **metadata: Any) -> File: ...
async def upload_file(
    upload: UploadFile,
    *,
    model: type[File] = File,
    folder: FolderRef = None,
    filename: str | None = None,
    using: str | None = None,
    **metadata: Any,
) -> File:
    """Stream ``upload`` to Directus (its name and content type kept unless given) and return the stored
    file. Inside a request with ``Depends(DirectusDependency())`` the registry alias is the caller's
    connection, so the upload runs with the caller's permissions (a role without create on
    ``directus_files`` gets ``Forbidden``, answered 403 by the exception handlers)."""
    return await model.objects.upload(upload, filename=filename or upload.filename, folder=folder,
                                      using=using, **metadata)


async def file_response(
    file: File | Any,
    *,
    request: Request | None = None,
    transform: Transform | str | Mapping[str, Any] | None = None,
    download: bool = False,
    filename: str | None = None,
    conn: Directus | None = None,
    using: str = DEFAULT_ALIAS,
) -> StreamingResponse:
    """A ``StreamingResponse`` of the file's content (a :class:`File` or its key), read from Directus as
    the caller (``conn``, else the registry alias: the caller inside ``Depends(directus)``). The
    request's ``Range`` / ``If-None-Match`` / ``Accept`` go to Directus; its status (200, 206, 304) and
    content headers come back. ``download=True``: ``Content-Disposition: attachment``. Errors raise
    their typed exception before anything is sent (403, 416 ... through the exception handlers)."""
    key = file.pk if isinstance(file, File) else file
    connection = conn if conn is not None else connections[using]
    headers = {}
    if request is not None:
        headers = {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
    one_byte = _one_byte_range(headers.get("range"))
    if one_byte is not None:
        # Directus answers 416 to a range whose first byte is its last (bytes=5-5): ask one more byte
        # (it clamps that to the file's end) and keep the first.
        headers["range"] = f"bytes={one_byte}-{one_byte + 1}"
    stack = contextlib.AsyncExitStack()
    try:
        answer = await stack.enter_async_context(connection.stream(
            "GET", asset_path(key, filename), headers=headers,
            params=asset_params(transform_from(transform), download) or None))
    except BaseException:
        await stack.aclose()
        raise
    passed = {name: answer.headers[name] for name in PASSED_HEADERS if name in answer.headers}
    disposition = _disposition(answer, filename)
    if disposition is not None:
        passed["content-disposition"] = disposition
    if answer.status_code == 200 and request is not None and _not_modified(request, answer):
        # Directus answers 200 even when the validator matches: the 304 is answered here.
        await stack.aclose()
        kept = {k: v for k, v in passed.items() if k in NOT_MODIFIED_HEADERS}
        return StreamingResponse(iter(()), status_code=304, headers=kept)
    limit = None
    if one_byte is not None and answer.status_code == 206:
        total = answer.headers.get("content-range", "").rpartition("/")[2]
        passed["content-range"] = f"bytes {one_byte}-{one_byte}/{total}"
        passed["content-length"] = "1"
        limit = 1
    return StreamingResponse(_body(answer, asset_path(key), limit), status_code=answer.status_code,
                             headers=passed, background=BackgroundTask(stack.aclose))


def _one_byte_range(value: str | None) -> int | None:
    """The first byte of a ``Range: bytes=N-N`` header (the one form Directus refuses), else None."""
    if value is None:
        return None
    unit, _, spec = value.strip().partition("=")
    first, sep, last = spec.strip().partition("-")
    if unit.strip().lower() != "bytes" or not sep or not first.isdigit() or first != last:
        return None
    return int(first)


def _not_modified(request: Request, answer: httpx.Response) -> bool:
    """RFC 9110's conditional GET: If-None-Match against the ETag (weak comparison), else
    If-Modified-Since against Last-Modified."""
    etag = answer.headers.get("etag")
    wanted = request.headers.get("if-none-match")
    if wanted is not None:
        if etag is None:
            return False
        tags = {tag.strip().removeprefix("W/") for tag in wanted.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    since, modified = request.headers.get("if-modified-since"), answer.headers.get("last-modified")
    if since is None or modified is None:
        return False
    try:
        return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def _disposition(answer: httpx.Response, filename: str | None) -> str | None:
    """Directus's Content-Disposition with a non-ASCII name made portable: RFC 6266's ``filename*``
    (UTF-8, RFC 5987) plus an ASCII ``filename`` for old clients. None: leave the header as it came."""
    raw = next((v for k, v in answer.headers.raw if k.lower() == b"content-disposition"), None)
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    kind, _, rest = text.partition(";")
    name = filename
    if name is None:
        _, found, quoted = rest.partition('filename="')
        if not found:
            return None
        name = quoted.rsplit('"', 1)[0]
    if name.isascii():
        return None
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = fallback.replace("\\", "_").replace('"', "_").strip() or "download"
    return f"{kind.strip()}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def _body(answer: httpx.Response, path: str, limit: int | None = None) -> AsyncIterator[bytes]:
    try:
        async for chunk in answer.aiter_raw(READ_CHUNK):
            if limit is not None:
                chunk, limit = chunk[:limit], limit - min(limit, len(chunk))
            if chunk:
                yield chunk
            if limit == 0:
                return
    except httpx.HTTPError as exc:  # the answer has started: the client sees a cut-short body
        raise NetworkError(f"network error reading the file: {type(exc).__name__}", method="GET",
                           path=path) from None
