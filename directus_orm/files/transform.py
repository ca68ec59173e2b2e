"""``Transform``: an image transformation of ``/assets/<key>``, checked before any request."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from ..exceptions import InvalidArgument

__all__ = ["Fit", "Format", "Transform", "transform_from"]

Fit = Literal["cover", "contain", "inside", "outside"]
Format = Literal["jpg", "png", "webp", "tiff", "avif", "auto"]
_FITS = ("cover", "contain", "inside", "outside")
_FORMATS = ("jpg", "png", "webp", "tiff", "avif", "auto")
FORMAT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "tiff": "image/tiff",
                "avif": "image/avif"}
"""The content types Directus answers for each format (``auto`` follows the Accept header)."""


@dataclass(frozen=True)
class Transform:
    """What Directus's asset endpoint does to an image before sending it.

    ``width`` / ``height`` (pixels), ``fit`` (``cover`` ``contain`` ``inside`` ``outside``),
    ``quality`` (1-100), ``format`` (``jpg`` ``png`` ``webp`` ``tiff`` ``avif``, or ``auto``: AVIF or
    WebP when the client accepts them, else the original type), ``without_enlargement`` (never upscale),
    ``focal_point_x`` / ``focal_point_y`` (the point a ``cover`` crop keeps), ``transforms`` (raw sharp
    operations, ``[["rotate", 90], ["blur", 2]]``), ``key`` (a preset: ``system-small-cover`` ... or one
    of the project's ``storage_asset_presets``).

    The server's limits are checked here, before any request: at most :attr:`max_operations` raw
    operations (``ASSETS_TRANSFORM_MAX_OPERATIONS``, 5) and sizes up to :attr:`max_dimension` pixels
    (``ASSETS_TRANSFORM_IMAGE_MAX_OUTPUT_DIMENSION``, 6000). A server configured otherwise: subclass and
    set these class attributes.
    """

    width: int | None = None
    height: int | None = None
    fit: Fit | None = None
    quality: int | None = None
    format: Format | None = None
    without_enlargement: bool | None = None
    focal_point_x: int | None = None
    focal_point_y: int | None = None
    transforms: Sequence[Sequence[Any]] | None = field(default=None)
    key: str | None = None

    max_operations: ClassVar[int] = 5
    max_dimension: ClassVar[int] = 6000

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if value is not None and (not _is_int(value) or not 1 <= value <= self.max_dimension):
                raise InvalidArgument(f"Transform.{name} must be 1 to {self.max_dimension} pixels "
                                      f"(the server's limit), got {value!r}")
        for name in ("focal_point_x", "focal_point_y"):
            value = getattr(self, name)
            if value is not None and (not _is_int(value) or value < 0):
                raise InvalidArgument(f"Transform.{name} must be a pixel position (int >= 0), got {value!r}")
        if self.quality is not None and (not _is_int(self.quality) or not 1 <= self.quality <= 100):
            raise InvalidArgument(f"Transform.quality must be 1 to 100, got {self.quality!r}")
        if self.fit is not None and self.fit not in _FITS:
            raise InvalidArgument(f"Transform.fit must be one of {', '.join(_FITS)}, got {self.fit!r}")
        if self.format is not None and self.format not in _FORMATS:
            raise InvalidArgument(f"Transform.format must be one of {', '.join(_FORMATS)}, "
                                  f"got {self.format!r}")
        if self.without_enlargement is not None and not isinstance(self.without_enlargement, bool):
            raise InvalidArgument("Transform.without_enlargement must be a bool")
        if self.key is not None and (not isinstance(self.key, str) or not self.key):
            raise InvalidArgument(f"Transform.key must be a preset's name, got {self.key!r}")
        if self.transforms is not None:
            ops = [list(op) if isinstance(op, (list, tuple)) else op for op in self.transforms]
            if isinstance(self.transforms, (str, bytes)) or not all(
                    isinstance(op, list) and op and isinstance(op[0], str) for op in ops):
                raise InvalidArgument('Transform.transforms is a list of operations, each a list whose first '
                                      'item is a sharp method name: [["rotate", 90], ["blur", 2]]')
            if len(ops) > self.max_operations:
                raise InvalidArgument(f"Transform.transforms has {len(ops)} operations; the server allows "
                                      f"{self.max_operations} (ASSETS_TRANSFORM_MAX_OPERATIONS)")
            try:
                json.dumps(ops)
            except (TypeError, ValueError):
                raise InvalidArgument("Transform.transforms must hold JSON values only") from None
            object.__setattr__(self, "transforms", tuple(tuple(op) for op in ops))

    def params(self) -> dict[str, str]:
        """The asset endpoint's query parameters."""
        out: dict[str, str] = {}
        if self.key is not None:
            out["key"] = self.key
        for name in ("width", "height", "fit", "quality", "format", "focal_point_x", "focal_point_y"):
            value = getattr(self, name)
            if value is not None:
                out[name] = str(value)
        if self.without_enlargement is not None:
            out["withoutEnlargement"] = "true" if self.without_enlargement else "false"
        if self.transforms:
            out["transforms"] = json.dumps([list(op) for op in self.transforms], separators=(",", ":"))
        return out

    def __bool__(self) -> bool:
        return bool(self.params())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def transform_from(value: Transform | str | Mapping[str, Any] | None) -> Transform | None:
    """A ``transform=`` argument: a :class:`Transform`, a preset key, or Transform's keyword arguments."""
    if value is None or isinstance(value, Transform):
        return value or None
    if isinstance(value, str):
        return Transform(key=value)
    if isinstance(value, Mapping):
        try:
            return Transform(**value)
        except TypeError as exc:
            raise InvalidArgument(f"transform: {exc}") from None
    raise InvalidArgument(f"transform must be a Transform, a preset key or a dict, "
                          f"got {type(value).__name__}")
