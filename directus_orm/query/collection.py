"""``directus_orm.collection("name")``: the QuerySet API over a collection with no model, as dicts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic_core import to_jsonable_python

from ..connection.client import collection_path
from ..connection.registry import DEFAULT_ALIAS, connections
from ..exceptions import FieldError, NotStored
from .adapter import RowAdapter
from .item_writes import patch_item
from .queryset import QuerySet
from .schema import OpenSchema
from .sendable import refuse_unsendable

__all__ = ["DictAdapter", "collection"]

Row = dict[str, Any]


class DictAdapter(RowAdapter[Row]):
    """Rows stay dicts; field names are not checked (the server checks them), every field counts as
    nullable (so ``exclude()`` keeps NULL rows, as with a model's optional fields)."""

    def __init__(self, name: str, pk: str = "id", alias: str = DEFAULT_ALIAS,
                 ordering: Sequence[str] = ()) -> None:
        self.schema = OpenSchema(name, pk)
        self.default_alias = alias
        self.default_ordering = tuple(ordering)

    def load(self, row: Mapping[str, Any], alias: str) -> Row:
        return dict(row)

    def build(self, values: Mapping[str, Any]) -> Row:
        return dict(values)

    async def insert(self, obj: Row, alias: str) -> Row:
        path = collection_path(self.schema.collection)
        body = await connections[alias].post(path, json=self.insert_payload(obj))
        return dict((body or {}).get("data") or obj)

    async def update(self, obj: Row, values: Mapping[str, Any], alias: str) -> Row:
        pk = obj.get(self.schema.pk_name)
        if pk is None:
            raise FieldError(f"row has no primary key {self.schema.pk_name!r}")
        schema = self.schema
        found, row = await patch_item(connections[alias], schema.collection, schema.pk_name, pk,
                                      self.prepare_values(values, "update"), {})
        if not found:
            raise NotStored(f"row {pk!r} no longer exists in {schema.collection!r}; nothing was written")
        return dict(row or {**obj, **values})

    def insert_payload(self, obj: Row) -> dict[str, Any]:
        refuse_unsendable(self.label, (), obj, obj)
        return dict(to_jsonable_python(obj))

    def after_insert(self, obj: Row, row: Mapping[str, Any], alias: str) -> Row:
        return dict(row)

    def value_of(self, obj: Row, field: str) -> Any:
        return obj.get(field)

    def prepare_values(self, values: Mapping[str, Any], context: str) -> dict[str, Any]:
        refuse_unsendable(self.label, (), values, values)
        return dict(to_jsonable_python(dict(values)))


def collection(
    name: str, *, pk: str = "id", using: str | None = None, ordering: Sequence[str] = ()
) -> QuerySet[Row]:
    """A QuerySet of dicts over ``name`` (system collections such as ``directus_users`` included)."""
    collection_path(name)  # refuses unknown directus_* names now, not at the first request
    return QuerySet(DictAdapter(name, pk, using or DEFAULT_ALIAS, ordering))
