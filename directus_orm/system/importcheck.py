"""What ``conn.utils.import_file()`` checks before ``POST /utils/import/<collection>`` and of its answer.

Directus drops columns the collection lacks and (on SQLite) stores ``"many"`` in an integer column, so
a file held in memory or on disk is read once and checked first: JSON is a list of objects, CSV a header
row; names are fields of the collection, values fit their types (and the model, when one is given). A
stream (an async iterable, an unseekable file object) or a file over ``MAX_CHECKED_BYTES`` is sent as it
is, unchecked: reading it whole would defeat streaming."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ..connection.client import Directus
from ..exceptions import InvalidArgument, UnexpectedResponse
from .fieldcheck import server_fields

__all__ = ["MAX_CHECKED_BYTES", "check_import_answer", "checked_content"]

MAX_CHECKED_BYTES = 64 * 1024 * 1024
"""The largest file ``import_file()`` reads whole to check."""


def _content(source: Any) -> bytes | None:
    """The source's bytes when they can be read without consuming a stream; else None."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if isinstance(path, str) and os.path.isfile(path) and os.path.getsize(path) <= MAX_CHECKED_BYTES:
            with open(path, "rb") as file:
                return file.read()
        return None
    read, seek = getattr(source, "read", None), getattr(source, "seek", None)
    seekable = getattr(source, "seekable", None)
    if callable(read) and callable(seek) and callable(seekable) and seekable():
        start = source.tell()
        data = read(MAX_CHECKED_BYTES + 1)
        if isinstance(data, bytes) and len(data) <= MAX_CHECKED_BYTES:
            return data
        seek(start)
    return None


async def checked_content(conn: Directus, collection: str, fmt: str, source: Any,
                          model_row: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None) -> bytes | None:
    """The file's bytes, checked (``InvalidArgument``: not JSON / CSV of rows; ``FieldError``: a name
    the collection lacks, a value of the wrong type; ``model_row``: a JSON row as the model takes it);
    None when the source is sent unchecked."""
    content = _content(source)
    if content is None:
        return None
    context = f"import_file({collection!r})"
    fields = await server_fields(conn, collection)
    if fmt == "json":
        try:
            rows = json.loads(content)
        except ValueError as exc:
            raise InvalidArgument(f"{context}: the file is not JSON ({exc}); nothing was sent") from None
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise InvalidArgument(f"{context}: a JSON import is a list of objects; nothing was sent")
        for row in rows:
            fields.check_json(model_row(row) if model_row is not None else row, context)
        return content
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidArgument(f"{context}: the CSV file is not UTF-8; nothing was sent") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is not None:
        fields.check_names(header, context)
        for cells in reader:
            fields.check_csv(header, cells, context)
    return content


def check_import_answer(response: httpx.Response, path: str) -> None:
    """Directus answers a done import with 200 (or 204) and no body: anything else is not its answer."""
    kind = response.headers.get("content-type", "")
    if response.status_code not in (200, 204) or (response.content and "json" not in kind):
        raise UnexpectedResponse(f"POST {path} answered {response.status_code} "
                                 f"{kind or 'without a type'}, not Directus's answer to an import",
                                 status=response.status_code,
                                 content_type=kind, method="POST", path=path)
