"""Values checked against a collection's fields (``GET /fields/<collection>``) before writes Directus
does not check itself: a version's delta (it keeps any name and any value there, and answers as if
stored a field it then drops) and an import file's rows (it drops unknown columns, and SQLite stores
``"many"`` in an integer column)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..connection.client import Directus
from ..connection.paths import check_collection_name, path_segment
from ..exceptions import FieldError
from .endpoints import data_of

__all__ = ["ServerFields", "server_fields"]

_INTEGER = re.compile(r"-?\d+")
_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_CSV_BOOLEANS = frozenset({"true", "false", "1", "0"})


def _fits_json(typ: str, value: Any) -> bool:
    """Whether a JSON value can be stored in a field of Directus type ``typ`` (None: the server's
    nullability check decides); types not named here are not checked."""
    if value is None:
        return True
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if typ == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if typ == "bigInteger":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and _INTEGER.fullmatch(value) is not None)
    if typ in ("float", "decimal"):
        return number or (isinstance(value, str) and _NUMBER.fullmatch(value) is not None)
    if typ == "boolean":
        return isinstance(value, bool)
    if typ in ("string", "text", "hash", "uuid"):
        return isinstance(value, str)
    return True


def _fits_csv(typ: str, cell: str) -> bool:
    """Whether a CSV cell (text; empty: no value) reads as a value of Directus type ``typ``."""
    if cell == "":
        return True
    if typ in ("integer", "bigInteger"):
        return _INTEGER.fullmatch(cell.strip()) is not None
    if typ in ("float", "decimal"):
        return _NUMBER.fullmatch(cell.strip()) is not None
    if typ == "boolean":
        return cell.strip().lower() in _CSV_BOOLEANS
    return True


class ServerFields:
    """A collection's fields as the server has them: name -> Directus type, and the primary key."""

    def __init__(self, collection: str, rows: Iterable[Mapping[str, Any]]) -> None:
        self.collection = collection
        self.types: dict[str, str] = {}
        self.pk: str | None = None
        for row in rows:
            name = row.get("field")
            if isinstance(name, str):
                self.types[name] = str(row.get("type") or "unknown")
                if (row.get("schema") or {}).get("is_primary_key"):
                    self.pk = name

    def check_names(self, names: Iterable[str], context: str) -> None:
        unknown = [n for n in names if n not in self.types]
        if unknown:
            raise FieldError(f"{context}: {self.collection!r} has no field {', '.join(map(repr, unknown))} "
                             f"(fields: {', '.join(self.types)}); nothing was sent")

    def check_json(self, row: Mapping[str, Any], context: str) -> None:
        """``row``'s names are fields and its values fit their types (else ``FieldError``)."""
        self.check_names(row, context)
        for name, value in row.items():
            if not _fits_json(self.types[name], value):
                raise FieldError(f"{context}: {value!r} does not fit the {self.types[name]} field "
                                 f"{name!r} of {self.collection!r}; nothing was sent")

    def check_csv(self, header: list[str], cells: list[str], context: str) -> None:
        for name, cell in zip(header, cells, strict=False):
            if not _fits_csv(self.types[name], cell):
                raise FieldError(f"{context}: {cell!r} does not read as the {self.types[name]} field "
                                 f"{name!r} of {self.collection!r}; nothing was sent")


async def server_fields(conn: Directus, collection: str) -> ServerFields:
    """``GET /fields/<collection>``."""
    path = f"/fields/{path_segment(check_collection_name(collection))}"
    return ServerFields(collection, data_of(await conn.get(path), "GET", path, list))
