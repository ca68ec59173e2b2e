"""``ModelAdapter``: the QuerySet's view of a model (rows -> instances, instances -> payloads)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ..exceptions import FieldError, ImproperlyConfigured
from ..query.adapter import RowAdapter
from ..query.sendable import refuse_unsendable
from .related import mark_partial

if TYPE_CHECKING:
    from .base import DirectusModel

__all__ = ["ModelAdapter"]

M = TypeVar("M", bound="DirectusModel")


class ModelAdapter(RowAdapter[M]):
    """QuerySet rows as instances of a model."""

    def __init__(self, model: type[M]) -> None:
        meta = model.__dict__.get("_meta")
        if meta is None or meta.abstract:
            raise ImproperlyConfigured(f"{model.__name__} is abstract: it has no collection to query")
        self.model = model
        self.schema = meta
        self.default_alias = meta.connection
        self.default_ordering = meta.ordering
        self.get_latest_by = meta.get_latest_by
        self.does_not_exist = model.DoesNotExist
        self.multiple_objects_returned = model.MultipleObjectsReturned

    @classmethod
    def for_model(cls, model: type[M]) -> ModelAdapter[M]:
        cached = model.__dict__.get("_adapter")
        if cached is None:
            cached = cls(model)
            type.__setattr__(model, "_adapter", cached)
        return cast("ModelAdapter[M]", cached)

    def load(self, row: Mapping[str, Any], alias: str) -> M:
        obj = self.model._from_db(row, alias)
        for path in self.partial:
            mark_partial([obj], path)
        return obj

    def load_page(self, rows: Sequence[Mapping[str, Any]], alias: str) -> list[M]:
        objs = self.model._from_db_page(rows, alias)
        for path in self.partial:
            mark_partial(objs, path)
        return objs

    def build(self, values: Mapping[str, Any]) -> M:
        return self.model(**values)

    async def insert(self, obj: M, alias: str) -> M:
        await obj.save(force_insert=True, using=alias)
        return obj

    async def update(self, obj: M, values: Mapping[str, Any], alias: str) -> M:
        for key, value in values.items():
            setattr(obj, key, value)
        await obj.save(update_fields=list(values), using=alias)
        return obj

    def insert_payload(self, obj: M) -> dict[str, Any]:
        return obj._insert_payload(generate_pk=True)

    def after_insert(self, obj: M, row: Mapping[str, Any], alias: str) -> M:
        obj._apply_row(row, alias)
        return obj

    def after_insert_page(self, objs: Sequence[M], rows: Sequence[Mapping[str, Any]], alias: str) -> list[M]:
        self.model._apply_rows(objs, rows, alias)
        return list(objs)

    def value_of(self, obj: M, field: str) -> Any:
        return getattr(obj, field)

    def prepare_values(self, values: Mapping[str, Any], context: str) -> dict[str, Any]:
        meta = self.model._meta
        out: dict[str, Any] = {}
        refuse_unsendable(meta.label, (), values, values)  # integers Directus cannot hold exactly
        for name, value in values.items():
            info = meta.get_field(meta.pk_name if name == "pk" else name)
            if info is None:
                raise FieldError(f"{context}: {meta.label} has no field {name!r}; fields: "
                                 f"{', '.join(meta.field_names())}")
            if info.relation is not None and info.relation.many:
                raise FieldError(f"{context}: {meta.label}.{info.name} is a to-many relation; set it on an "
                                 "instance and save() it (Directus writes the related rows)")
            if value is None:
                if not info.nullable:
                    raise FieldError(f"{context}: {meta.label}.{info.name} is not nullable")
                out[info.name] = None
                continue
            try:
                out[info.name] = (info.validate_write or info.validate)(value)
            except ValueError as exc:
                raise FieldError(
                    f"{context}: invalid value {value!r} for {meta.label}.{info.name}: {exc}"
                ) from None
        return out

    def not_written(self, obj: M, fields: Collection[str]) -> None:
        obj._loaded = {k: v for k, v in (obj._loaded or {}).items() if k not in fields}

    def after_update(self, obj: M, fields: Sequence[str], alias: str) -> None:
        snap = obj._snapshot()
        obj._loaded = {**(obj._loaded or snap), **{f: snap[f] for f in fields}}
