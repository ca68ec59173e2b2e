"""Images for file tests, without an imaging library: a PNG written with zlib, and the size and
format read from the headers of PNG, JPEG, WebP and AVIF answers."""

from __future__ import annotations

import struct
import zlib


def png(width: int, height: int) -> bytes:
    """An RGB PNG with a gradient (not blank: encoders would make a blank one trivially small)."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 7 % 256, y * 5 % 256, (x + y) % 256))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def image_info(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) from the image's header."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i < len(data):
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):  # start of frame: precision, height, width
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                return "jpg", width, height
            i += 2 + length
        raise ValueError("JPEG without a frame header")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = data[12:16]
        if kind == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return "webp", width & 0x3FFF, height & 0x3FFF
        if kind == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return "webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if kind == b"VP8X":
            width, height = int.from_bytes(data[24:27], "little"), int.from_bytes(data[27:30], "little")
            return "webp", width + 1, height + 1
    if data[4:12] == b"ftypavif":
        at = data.find(b"ispe")
        if at > 0:
            width, height = struct.unpack(">II", data[at + 8:at + 16])
            return "avif", width, height
    raise ValueError(f"unknown image header {data[:16]!r}")
