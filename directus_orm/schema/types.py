"""Directus field types <-> Python annotations, both ways.

``inspect`` writes the Python annotation of each Directus type; ``migrate`` and ``check`` read the Directus
type a model field stands for. Where the annotation alone cannot say (``text`` and ``string`` are both
``str``), the field carries a :class:`DirectusType` marker::

    body: Annotated[str | None, DirectusType("text")] = None
"""

from __future__ import annotations

import datetime
import decimal
import enum
import types
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NamedTuple, Union, get_args, get_origin

__all__ = ["DIRECTUS_TYPES", "DirectusType", "PythonType", "canonical_type", "compatible", "default_special",
           "family", "python_type", "unwrap", "with_type_flag", "without_type_flag"]

DIRECTUS_TYPES = frozenset({
    "alias", "bigInteger", "binary", "boolean", "csv", "date", "dateTime", "decimal", "float", "hash",
    "integer", "json", "string", "text", "time", "timestamp", "uuid", "geometry", "geometry.Point",
    "geometry.LineString", "geometry.Polygon", "geometry.MultiPoint", "geometry.MultiLineString",
    "geometry.MultiPolygon",
})
"""The field types Directus accepts (``type`` of ``POST /fields``)."""


@dataclass(frozen=True)
class DirectusType:
    """Marks the Directus type (and ``meta.special`` flags) of a field where its annotation cannot tell:
    ``Annotated[str, DirectusType("text")]``, ``Annotated[datetime.datetime | None,
    DirectusType("timestamp", special=("date-created",))]``. Queries ignore it; ``migrate`` creates the
    field with it and ``check`` compares it exactly: the type, and the flags when ``special`` is given
    (``special=()``: none at all; left out: the flags ``migrate`` gives that type by default)."""

    type: str
    special: tuple[str, ...] | None = None

    def problem(self) -> str | None:
        """What is wrong with this marker (None: nothing), said before anything is sent."""
        if not isinstance(self.type, str) or self.type not in DIRECTUS_TYPES:
            return (f"DirectusType({self.type!r}) is not a Directus field type; one of: "
                    f"{', '.join(sorted(DIRECTUS_TYPES))}")
        if self.special is not None and (not isinstance(self.special, tuple)
                                         or not all(isinstance(f, str) and f for f in self.special)):
            return f"DirectusType special={self.special!r} must be a tuple of flag names, e.g. ('m2o',)"
        return None


class PythonType(NamedTuple):
    """The annotation ``inspect`` writes for a Directus type, and the imports it needs."""

    annotation: str
    imports: tuple[str, ...] = ()


_PYTHON: dict[str, PythonType] = {
    "string": PythonType("str"),
    "text": PythonType("str"),
    "hash": PythonType("str"),
    "binary": PythonType("str"),
    "integer": PythonType("int"),
    "bigInteger": PythonType("int"),
    "float": PythonType("float"),
    "decimal": PythonType("decimal.Decimal", ("import decimal",)),
    "boolean": PythonType("bool"),
    "date": PythonType("datetime.date", ("import datetime",)),
    "dateTime": PythonType("datetime.datetime", ("import datetime",)),
    "timestamp": PythonType("datetime.datetime", ("import datetime",)),
    "time": PythonType("datetime.time", ("import datetime",)),
    "uuid": PythonType("uuid.UUID", ("import uuid",)),
    "json": PythonType("Any", ("from typing import Any",)),
    "csv": PythonType("list[str]"),
}
_GEOMETRY = PythonType("dict[str, Any]", ("from typing import Any",))
_UNKNOWN = PythonType("Any", ("from typing import Any",))

_FAMILIES = {
    "string": "string", "text": "string", "hash": "string", "binary": "string",
    "integer": "integer", "bigInteger": "integer",
    "float": "float", "decimal": "float",
    "dateTime": "datetime", "timestamp": "datetime",
}
"""Types whose values a family shares: a plain ``str`` model field matches a ``text`` column."""


def python_type(directus_type: str) -> PythonType:
    if directus_type.startswith("geometry"):
        return _GEOMETRY
    return _PYTHON.get(directus_type, _UNKNOWN)


def family(directus_type: str) -> str:
    if directus_type.startswith("geometry"):
        return "geometry"
    return _FAMILIES.get(directus_type, directus_type)


def compatible(model_type: str, server_type: str, exact: bool) -> bool:
    """Whether a model field of ``model_type`` reads and writes a ``server_type`` column correctly.
    ``exact`` when the model said the type with a :class:`DirectusType` marker."""
    if exact:
        return model_type == server_type
    return family(model_type) == family(server_type)


def default_special(directus_type: str, primary_key: bool) -> tuple[str, ...]:
    """The ``meta.special`` flags ``migrate`` gives a field of this type unless a marker says others
    (what the Directus app sets, and ``json`` needs one to be created at all)."""
    if directus_type == "uuid" and primary_key:
        return ("uuid",)
    return {"boolean": ("cast-boolean",), "json": ("cast-json",), "csv": ("cast-csv",),
            "hash": ("hash",), "timestamp": ()}.get(directus_type, ())


_TYPE_FLAGS = {"timestamp": "cast-timestamp"}
"""The flag Directus gives every field of a type (it adds it on creation; a ``timestamp`` whose flags lose
``cast-timestamp`` reads as ``dateTime``): part of the type, so never declared, compared or dropped."""


def without_type_flag(directus_type: str, special: tuple[str, ...]) -> tuple[str, ...]:
    """The server's flags of a field, less the one its type implies."""
    flag = _TYPE_FLAGS.get(directus_type)
    return tuple(s for s in special if s != flag)


def with_type_flag(directus_type: str, special: tuple[str, ...]) -> tuple[str, ...]:
    """The flags to send for a field: the declared ones and the one its type needs."""
    flag = _TYPE_FLAGS.get(directus_type)
    return special if flag is None or flag in special else (*special, flag)


def unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """``Annotated[int | None, m]`` -> (int, nullable, [m]): the inner type, whether None is allowed, and
    the ``Annotated`` metadata met on the way."""
    nullable = False
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            parts = get_args(annotation)
            annotation, metadata = parts[0], [*metadata, *parts[1:]]
        elif origin is Union or origin is types.UnionType:
            args = [a for a in get_args(annotation) if a is not type(None)]
            nullable = nullable or len(args) != len(get_args(annotation))
            if len(args) != 1:
                return annotation, nullable, metadata
            annotation = args[0]
        else:
            return annotation, nullable, metadata


def canonical_type(annotation: Any) -> str | None:
    """The Directus type ``migrate`` creates for an (unwrapped) annotation; None when it cannot tell."""
    if annotation is Any:
        return "json"
    if get_origin(annotation) is Literal:
        values = get_args(annotation)
        kinds = {type(v) for v in values}
        return canonical_type(kinds.pop()) if len(kinds) == 1 else None
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            bases = [b for b in annotation.__mro__ if b in (str, int, float)]
            return canonical_type(bases[0]) if bases else None
        for typ, name in (
            (bool, "boolean"), (int, "integer"), (float, "float"), (decimal.Decimal, "decimal"),
            (str, "string"), (datetime.datetime, "dateTime"), (datetime.date, "date"),
            (datetime.time, "time"), (uuid.UUID, "uuid"), (dict, "json"), (list, "json"),
        ):
            if issubclass(annotation, typ):
                return name
    if get_origin(annotation) in (dict, list, Mapping, Sequence):
        return "json"
    return None
