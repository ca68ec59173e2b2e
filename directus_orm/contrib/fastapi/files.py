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
from collections.abc import AsyncIterator, Mapping
from typing import Any, TypeVar, overload

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

#: Answer headers handed on from Directus's asset endpoint (the body is passed on as it came, encoded
#: or not, so its Content-Encoding and Content-Length go with it).
PASSED_HEADERS = ("content-type", "content-length", "content-encoding", "content-range",
                  "content-disposition", "accept-ranges", "etag", "last-modified", "cache-control", "vary")
#: Request headers handed on to it (a Range read, revalidation, ``format=auto``'s Accept).
FORWARDED_HEADERS = ("range", "if-none-match", "if-modified-since", "accept")


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
    stack = contextlib.AsyncExitStack()
    try:
        answer = await stack.enter_async_context(connection.stream(
            "GET", asset_path(key, filename), headers=headers,
            params=asset_params(transform_from(transform), download) or None))
    except BaseException:
        await stack.aclose()
        raise
    passed = {name: answer.headers[name] for name in PASSED_HEADERS if name in answer.headers}
    return StreamingResponse(_body(answer, asset_path(key)), status_code=answer.status_code, headers=passed,
                             background=BackgroundTask(stack.aclose))


async def _body(answer: httpx.Response, path: str) -> AsyncIterator[bytes]:
    try:
        async for chunk in answer.aiter_raw(READ_CHUNK):
            yield chunk
    except httpx.HTTPError as exc:  # the answer has started: the client sees a cut-short body
        raise NetworkError(f"network error reading the file: {type(exc).__name__}", method="GET",
                           path=path) from None
