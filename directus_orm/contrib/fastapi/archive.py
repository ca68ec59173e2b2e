"""Soft delete through Directus's archive setting (collection meta ``archive_field`` /
``archive_value``, what the Data Studio's "Archive" uses).

With ``DirectusRouter(..., archive=True)`` the collection's own setting is read (once, with the first
caller's connection: ``GET /collections/<name>``); ``archive=("status", "archived")`` names it
instead. Then ``DELETE`` (and the bulk delete) ``PATCH`` the field to the archive value rather than
deleting, and every route leaves archived rows out, as the Data Studio does: they answer 404 and are
not listed, updated or deleted again. Directus's REST API itself does not hide them: ``/items``
still lists them, so a client reading Directus directly sees archived rows.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from ...connection.client import Directus
from ...connection.paths import collection_settings_path
from ...exceptions import ImproperlyConfigured
from ...query import Q
from ...query.schema import Schema

__all__ = ["Archive", "ArchiveRule", "ArchiveSetting"]

ArchiveSetting = bool | tuple[str, Any] | None
"""``True`` (read the collection's setting), ``(field, value)``, or ``False`` / None: delete for real."""


@dataclass(frozen=True)
class Archive:
    """The archive field and the value that marks a row archived (typed as the field stores it)."""

    field: str
    value: Any

    def visible(self) -> Q:
        """Rows not archived (a NULL archive field is not archived)."""
        return ~Q(**{self.field: self.value})

    def changes(self) -> dict[str, Any]:
        return {self.field: self.value}


class ArchiveRule:
    """Resolves a router's ``archive=`` setting to an :class:`Archive` (None: no soft delete)."""

    def __init__(self, schema: Schema, setting: ArchiveSetting) -> None:
        self.schema = schema
        self.setting = setting
        self._found: Archive | None = None
        self._lock = asyncio.Lock()
        if isinstance(setting, tuple):
            self._found = self._typed(*setting)

    @property
    def enabled(self) -> bool:
        return bool(self.setting)

    def _typed(self, field: str, value: Any) -> Archive:
        info = self.schema.get_field(field)
        if info is None:
            raise ImproperlyConfigured(f"archive: {self.schema.label} has no field {field!r} (fields: "
                                       f"{', '.join(self.schema.field_names())})")
        if info.validate is not None and value is not None:
            try:
                value = info.validate(_from_meta(value, info.kind))
            except ValueError as exc:
                raise ImproperlyConfigured(
                    f"archive value {value!r} does not fit field {field!r}: {exc}") from None
        return Archive(field, value)

    async def get(self, conn: Directus) -> Archive | None:
        """The archive rule (read from the collection's meta the first time when ``archive=True``)."""
        if not self.setting:
            return None
        if self._found is None:
            async with self._lock:
                if self._found is None:
                    body = await conn.get(collection_settings_path(self.schema.collection))
                    meta = ((body or {}).get("data") or {}).get("meta") or {}
                    field, value = meta.get("archive_field"), meta.get("archive_value")
                    if not isinstance(field, str) or not field:
                        raise ImproperlyConfigured(
                            f"archive=True: collection {self.schema.collection!r} has no archive_field "
                            "in its Directus settings; set it there or pass archive=(field, value)")
                    self._found = self._typed(field, value)
        return self._found


def _from_meta(value: Any, kind: str) -> Any:
    """Directus keeps ``archive_value`` as text (``"true"``, ``"3"``): as the field's kind."""
    if isinstance(value, str) and kind == "boolean":
        return value.strip().lower() in ("true", "1")
    if isinstance(value, str) and kind == "integer":
        try:
            return int(value)
        except ValueError:
            return value
    return value
