"""A streaming ``multipart/form-data`` body for Directus's ``POST /files`` and ``PATCH /files/<key>``.

Directus (busboy) reads the fields *before* each file part and resets them after it, so each file's
metadata precedes it (``fields1 file1 fields2 file2``); httpx's own ``data=`` + ``files=`` puts all
fields first, which gives the metadata to the first file only. The body is an async iterable that
reads each file chunk by chunk, and can be iterated again (an auth retry) when its sources can.
The Content-Length is known whenever every source's size is (some proxies refuse chunked uploads).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from ..exceptions import InvalidArgument
from .sources import Source

__all__ = ["FilePart", "MultipartBody", "field_text"]

_COERCED = frozenset({"null", "true", "false"})
"""Field values Directus's upload reads as null / booleans whatever the field's type."""


def field_text(name: str, value: Any) -> str:
    """A JSON-ready metadata value as the text of its form field (Directus parses JSON fields)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if value in _COERCED:
            raise InvalidArgument(
                f"{name}={value!r}: Directus reads the form value {value!r} as "
                f"{'null' if value == 'null' else 'a boolean'}; upload without it and set it with save()"
            )
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _quoted(text: str) -> str:
    # busboy reads backslash escapes in quoted parameters; line breaks are refused earlier.
    return text.replace("\\", "\\\\").replace('"', '\\"')


class FilePart:
    """One file and the metadata fields sent before it."""

    __slots__ = ("fields", "source")

    def __init__(self, source: Source, fields: Mapping[str, str]) -> None:
        self.source = source
        self.fields = dict(fields)


class MultipartBody:
    """``async for chunk in body`` gives the encoded request body; ``content_type`` and ``length``
    (None when a source's size is unknown: the body goes chunked) describe it."""

    def __init__(self, parts: Sequence[FilePart]) -> None:
        if not parts:
            raise InvalidArgument("nothing to upload: give at least one file")
        self.parts = list(parts)
        self.boundary = secrets.token_hex(16)
        texts = [v for p in self.parts for v in (*p.fields, *p.fields.values())]
        while any(self.boundary in t for t in texts):  # a value may not contain the delimiter
            self.boundary = secrets.token_hex(16)
        self._heads = [self._head(part) for part in self.parts]
        self._tail = f"--{self.boundary}--\r\n".encode()

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    @property
    def length(self) -> int | None:
        sizes = [part.source.size for part in self.parts]
        if any(size is None for size in sizes):
            return None
        return sum(len(h) + 2 for h in self._heads) + sum(s or 0 for s in sizes) + len(self._tail)

    def headers(self) -> dict[str, str]:
        out = {"Content-Type": self.content_type}
        length = self.length
        if length is not None:
            out["Content-Length"] = str(length)
        return out

    def _head(self, part: FilePart) -> bytes:
        lines = []
        for name, value in part.fields.items():
            lines.append(f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"'
                         f"\r\n\r\n{value}\r\n")
        source = part.source
        lines.append(f'--{self.boundary}\r\nContent-Disposition: form-data; name="file"; '
                     f'filename="{_quoted(source.filename)}"\r\nContent-Type: {source.content_type}\r\n\r\n')
        return "".join(lines).encode()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for head, part in zip(self._heads, self.parts, strict=True):
            yield head
            async for chunk in part.source.chunks():
                yield chunk
            yield b"\r\n"
        yield self._tail
