"""The files layer without a server: the multipart body, sources, ranges, transforms."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from email.parser import BytesParser
from email.policy import HTTP

import pytest

from directus_orm.exceptions import InvalidArgument, InvalidUsage
from directus_orm.files.assets import _range_header, asset_path, check_read_options
from directus_orm.files.multipart import FilePart, MultipartBody, field_text
from directus_orm.files.sources import SourceChanged, source_from
from directus_orm.files.transform import Transform, transform_from


async def encoded(body: MultipartBody) -> bytes:
    return b"".join([chunk async for chunk in body])


def parts(body: MultipartBody, data: bytes) -> list[tuple[str, str | None, bytes]]:
    head = f"Content-Type: {body.content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + data)
    return [(p.get_param("name", header="content-disposition"), p.get_filename(), p.get_payload(decode=True))
            for p in message.iter_parts()]


def test_fields_precede_their_file_and_the_length_is_exact() -> None:
    body = MultipartBody([
        FilePart(source_from(b"first", filename="a.txt"), {"title": "First", "id": "k1"}),
        FilePart(source_from(b"\x00second\r\n--", filename='q"uo\\te.bin'), {"title": "Second"}),
    ])
    data = asyncio.run(encoded(body))
    assert body.length == len(data)
    assert parts(body, data) == [
        ("title", None, b"First"), ("id", None, b"k1"), ("file", "a.txt", b"first"),
        ("title", None, b"Second"), ("file", 'q"uo\\te.bin', b"\x00second\r\n--"),
    ]
    assert asyncio.run(encoded(body)) == data  # iterable again (an auth flow may resend it)


def test_an_async_iterator_has_no_length_and_is_one_shot() -> None:
    async def pieces() -> AsyncIterator[bytes]:
        yield b"ab"
        yield b"cd"

    body = MultipartBody([FilePart(source_from(pieces(), filename="x"), {})])
    assert body.length is None and "Content-Length" not in body.headers()
    assert parts(body, asyncio.run(encoded(body)))[-1] == ("file", "x", b"abcd")
    with pytest.raises(SourceChanged):
        asyncio.run(encoded(body))


def test_sources() -> None:
    handle = io.BytesIO(b"0123456789")
    handle.seek(4)
    source = source_from(handle, filename="tail.bin")
    assert source.size == 6 and source.content_type == "application/octet-stream"
    assert asyncio.run(encoded(MultipartBody([FilePart(source, {})]))).count(b"456789") == 1
    assert source_from(b"x", filename="a.png").content_type == "image/png"
    with pytest.raises(InvalidArgument, match="filename"):
        source_from(b"x")
    with pytest.raises(InvalidArgument):
        source_from(b"x", filename="bad\r\nname")
    with pytest.raises(InvalidArgument):
        source_from(3.5)
    with pytest.raises(InvalidArgument):
        source_from("/no/such/file")


def test_field_values() -> None:
    assert field_text("tags", ["a", "b"]) == '["a","b"]'
    assert (field_text("x", None), field_text("x", True), field_text("x", 3)) == ("null", "true", "3")
    for value in ("null", "true", "false"):
        with pytest.raises(InvalidArgument):
            field_text("title", value)


def test_range_headers() -> None:
    assert _range_header(0, None, None, None) == ({}, None)
    assert _range_header(10, None, None, None) == ({"Range": "bytes=10-"}, None)
    assert _range_header(10, 20, None, None) == ({"Range": "bytes=10-19"}, 10)
    assert _range_header(5, 6, None, None) == ({"Range": "bytes=5-6"}, 1)  # never bytes=5-5
    assert _range_header(0, 1, None, 100) == ({"Range": "bytes=0-1"}, 1)
    assert _range_header(99, 100, None, 100) == ({"Range": "bytes=-1"}, 1)  # the last byte
    with pytest.raises(InvalidArgument):
        _range_header(1, 5, Transform(width=3), None)

def test_read_options_are_checked() -> None:
    check_read_options(0, None)
    check_read_options(3, 0, 1)  # an empty range is not an error
    for start, end in ((-1, None), (0, -1), (5, -2)):
        with pytest.raises(InvalidArgument, match="negative"):
            check_read_options(start, end)
    with pytest.raises(InvalidArgument, match="chunk_size"):
        check_read_options(0, None, 0)
    for args in (("a", None), (0, 1.5), (True, None), (0, None, "big")):
        with pytest.raises(InvalidUsage):
            check_read_options(*args)


def test_transforms() -> None:
    assert Transform(key="system-small-cover").params() == {"key": "system-small-cover"}
    assert Transform(transforms=[("rotate", 90)]).params() == {"transforms": '[["rotate",90]]'}
    assert transform_from("k") == Transform(key="k")
    assert transform_from({"width": 3}) == Transform(width=3)
    assert transform_from(Transform()) is None
    with pytest.raises(InvalidArgument):
        transform_from({"size": 3})
    with pytest.raises(InvalidArgument):
        Transform(width=True)
    with pytest.raises(InvalidArgument):
        Transform(transforms=[["x", object()]])

    class Bigger(Transform):
        max_dimension = 9000

    assert Bigger(width=8000).params() == {"width": "8000"}


def test_asset_paths_quote_keys() -> None:
    assert asset_path("a/b") == "/assets/a%2Fb"
    assert asset_path("k", "my file.png") == "/assets/k/my%20file.png"
    with pytest.raises(InvalidArgument):
        asset_path("..")
