"""What a QuerySet needs from its rows' type: models and plain dicts both implement this."""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Generic, TypeVar

from typing_extensions import Self

from ..exceptions import MultipleObjectsReturned, ObjectDoesNotExist
from .query import Query
from .schema import Schema

__all__ = ["RowAdapter"]

T = TypeVar("T")


class RowAdapter(Generic[T]):
    """Turns server rows into ``T`` and ``T`` back into payloads. Subclasses: ``ModelAdapter`` (models)
    and ``DictAdapter`` (``directus_orm.collection(...)``)."""

    schema: Schema
    default_alias: str = "default"
    default_ordering: Sequence[str] = ()
    get_latest_by: Sequence[str] = ()
    does_not_exist: type[ObjectDoesNotExist] = ObjectDoesNotExist
    multiple_objects_returned: type[MultipleObjectsReturned] = MultipleObjectsReturned

    _base_query: Query | None = None
    partial: tuple[tuple[str, ...], ...] = ()
    """Relation paths (``("orders",)``) loaded through a filtered or sliced ``Prefetch``: the loaded lists
    lack rows, and the results must say so (a save must not treat them as whole)."""

    def with_partial(self, paths: tuple[tuple[str, ...], ...]) -> Self:
        """This adapter, loading results whose lists at ``paths`` lack rows."""
        if paths == self.partial:
            return self
        clone = copy.copy(self)
        clone.partial = paths
        return clone

    def base_query(self) -> Query:
        """A query with the default ordering, what every QuerySet starts from: built once when the
        schema can no longer change (a Query is immutable)."""
        query = self._base_query
        if query is None:
            query = Query(self.schema).with_default_ordering(self.default_ordering)
            if self.schema.resolution_is_final:
                self._base_query = query
        return query

    @property
    def label(self) -> str:
        return self.schema.label

    def load(self, row: Mapping[str, Any], alias: str) -> T:
        """A server row -> a result."""
        raise NotImplementedError

    def load_page(self, rows: Sequence[Mapping[str, Any]], alias: str) -> list[T]:
        """The rows of one answer -> results (adapters may load them together)."""
        return [self.load(row, alias) for row in rows]

    def build(self, values: Mapping[str, Any]) -> T:
        """A new, unsaved result from keyword arguments (``create()``)."""
        raise NotImplementedError

    async def insert(self, obj: T, alias: str) -> T:
        """Store a new result (POST) and return it with the server's values."""
        raise NotImplementedError

    async def update(self, obj: T, values: Mapping[str, Any], alias: str) -> T:
        """Set ``values`` on a stored result and save only them."""
        raise NotImplementedError

    def insert_payload(self, obj: T) -> dict[str, Any]:
        """The JSON body inserting ``obj``."""
        raise NotImplementedError

    def after_insert(self, obj: T, row: Mapping[str, Any], alias: str) -> T:
        """``obj`` was stored as ``row``: the result to hand back."""
        raise NotImplementedError

    def after_insert_page(self, objs: Sequence[T], rows: Sequence[Mapping[str, Any]], alias: str) -> list[T]:
        """``after_insert`` for each object of one insert and the row stored for it."""
        return [self.after_insert(obj, row, alias) for obj, row in zip(objs, rows, strict=True)]

    def value_of(self, obj: T, field: str) -> Any:
        raise NotImplementedError

    def prepare_values(self, values: Mapping[str, Any], context: str) -> dict[str, Any]:
        """Validate and serialise ``field=value`` pairs for a write (``update()``, ``bulk_update()``)."""
        raise NotImplementedError

    def not_written(self, obj: T, fields: Collection[str]) -> None:
        """``fields`` of ``obj`` were sent but the server dropped them: they stay changes."""

    def after_update(self, obj: T, fields: Sequence[str], alias: str) -> None:
        """``fields`` of ``obj`` were written by ``bulk_update()``."""
