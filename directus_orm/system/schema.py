"""Schema metadata as the endpoints answer it: ``/collections``, ``/fields``, ``/relations`` (and
``/extensions``). Each answers its whole list whatever the query: the QuerySet reads it in one request
and applies equality filters and slices client-side; sorting, searching, aggregating and writing are
refused (``UnsupportedOperation``); schema changes go through ``directus_orm.schema``.

Rows carry the database side under ``schema`` (a name pydantic models reserve): read it as
``obj.table`` / ``obj.column`` / ``obj.foreign_key`` (also in ``obj.model_extra["schema"]``).
"""

from __future__ import annotations

import uuid
from typing import Any

from ..models.system import SystemModel
from ..sync import SyncFace

__all__ = ["DirectusCollection", "DirectusExtension", "DirectusField", "DirectusRelation"]


class DirectusCollection(SystemModel, SyncFace):
    """A collection (``/collections``): ``meta`` (Directus's settings, None for a table Directus does
    not manage) and ``table`` (the database table, None for a folder)."""

    collection: str
    meta: dict[str, Any] | None = None

    class Meta:
        collection = "directus_collections"
        pk = "collection"

    @property
    def table(self) -> dict[str, Any] | None:
        """The ``schema`` part of the answer: the database table."""
        return self.model_extra.get("schema")


class DirectusField(SystemModel, SyncFace):
    """A field of a collection (``/fields``): its ``type``, ``meta`` (interface, special ...) and
    ``column`` (the database column; None for an alias). ``filter(collection="x")`` is evaluated
    client-side over the whole list."""

    collection: str
    field: str
    type: str | None = None
    meta: dict[str, Any] | None = None

    class Meta:
        collection = "directus_fields"
        pk = "field"  # unique only within a collection: filter on both

    @property
    def column(self) -> dict[str, Any] | None:
        """The ``schema`` part of the answer: the database column."""
        return self.model_extra.get("schema")


class DirectusRelation(SystemModel, SyncFace):
    """A relation (``/relations``): the many side (``collection``, ``field``) and the one side
    (``related_collection``), its ``meta`` and ``foreign_key`` (the database constraint)."""

    collection: str
    field: str
    related_collection: str | None = None
    meta: dict[str, Any] | None = None

    class Meta:
        collection = "directus_relations"
        pk = "field"  # unique only within a collection: filter on both

    @property
    def foreign_key(self) -> dict[str, Any] | None:
        """The ``schema`` part of the answer: the foreign key constraint."""
        return self.model_extra.get("schema")


class DirectusExtension(SystemModel, SyncFace):
    """An installed extension (``/extensions``): ``meta`` holds ``enabled``, ``folder``, ``source``;
    saving a changed ``meta`` PATCHes it (enable/disable)."""

    id: uuid.UUID
    bundle: str | None = None
    meta: dict[str, Any] | None = None

    class Meta:
        collection = "directus_extensions"

    @property
    def manifest(self) -> dict[str, Any] | None:
        """The ``schema`` part of the answer: the extension's type and entries."""
        return self.model_extra.get("schema")
