"""``DirectusModel``: a pydantic model that knows its Directus collection, with Django's model API.

Instances remember the values they were loaded with (a JSON-mode snapshot): ``save()`` inserts (POST)
when the instance is not stored yet, and otherwise PATCHes only the fields that differ from the
snapshot. Every write validates the server's answer before touching the instance, so a failed save
leaves it exactly as it was (unsaved changes included). Keys the server returns that the model does
not declare are kept in ``obj.model_extra`` (never fields, never lost, never sent back).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, PrivateAttr
from pydantic._internal._model_construction import ModelMetaclass
from typing_extensions import Self

from ..connection.client import Directus, collection_path
from ..connection.registry import connections
from ..exceptions import FieldError, ImproperlyConfigured, MultipleObjectsReturned, ObjectDoesNotExist
from ..query.adapter import RowAdapter
from .manager import BaseManager, Manager, ManagerDescriptor
from .options import Options

if TYPE_CHECKING:
    from ..sync import SyncProxy

__all__ = ["DirectusModel", "ModelAdapter", "ModelBase", "get_model", "registered_models"]

M = TypeVar("M", bound="DirectusModel")

_registry: dict[str, type[DirectusModel]] = {}


def get_model(collection: str) -> type[DirectusModel]:
    """The model registered for ``collection`` (the last one defined, if several)."""
    try:
        return _registry[collection]
    except KeyError:
        raise LookupError(f"no model is registered for collection {collection!r}") from None


def registered_models() -> dict[str, type[DirectusModel]]:
    return dict(_registry)


class ModelBase(ModelMetaclass):
    """Reads ``Meta``, attaches managers and per-model exceptions, registers the model."""

    def __new__(
        mcs, name: str, bases: tuple[type[Any], ...], namespace: dict[str, Any], **kwargs: Any
    ) -> type:
        meta = namespace.pop("Meta", None)
        # Managers are not pydantic fields: take them out before pydantic looks at the namespace.
        declared: dict[str, BaseManager[Any]] = {
            k: v for k, v in namespace.items() if isinstance(v, BaseManager)
        }
        for key in declared:
            del namespace[key]
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        if not any(isinstance(b, ModelBase) for b in bases):
            return cls  # DirectusModel itself
        model = cast("type[DirectusModel]", cls)
        parent = next((b.__dict__["_meta"] for b in cls.__mro__[1:] if "_meta" in b.__dict__), None)
        opts = Options(model, meta, parent)
        type.__setattr__(cls, "_meta", opts)
        for exc_name, root in (("DoesNotExist", ObjectDoesNotExist),
                               ("MultipleObjectsReturned", MultipleObjectsReturned)):
            parents = tuple(getattr(b, exc_name) for b in bases if isinstance(b, ModelBase)
                            and hasattr(b, exc_name)) or (root,)
            exc = type(exc_name, parents,
                       {"__module__": cls.__module__, "__qualname__": f"{name}.{exc_name}"})
            type.__setattr__(cls, exc_name, exc)
        if not declared and parent is not None:
            declared = {k: m.copy() for k, m in parent.managers.items()}
        if opts.abstract:
            opts.managers = declared  # handed down to concrete children
            return cls
        if not declared:
            declared = {"objects": Manager()}
        for key, manager in declared.items():
            if manager.model is not None:
                manager = manager.copy()
            manager.contribute_to_class(model, key)
            type.__setattr__(cls, key, manager)
            opts.managers[key] = manager
        opts.default_manager_name = next(iter(declared))
        _registry[opts.collection] = model
        return cls


class DirectusModel(BaseModel, metaclass=ModelBase):
    """Base class of Directus models. Declare fields as pydantic fields and a ``class Meta`` with
    ``collection``, optionally ``pk``, ``ordering``, ``get_latest_by``, ``connection`` (alias),
    ``abstract`` and ``field_kinds`` (``{"geo": "geometry"}`` where the annotation cannot tell)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    objects: ClassVar[ManagerDescriptor] = ManagerDescriptor()
    _meta: ClassVar[Options]
    DoesNotExist: ClassVar[type[ObjectDoesNotExist]] = ObjectDoesNotExist
    MultipleObjectsReturned: ClassVar[type[MultipleObjectsReturned]] = MultipleObjectsReturned

    _loaded: dict[str, Any] | None = PrivateAttr(default=None)  # JSON snapshot; None: not stored yet
    _extra: dict[str, Any] = PrivateAttr(default_factory=dict)
    _using: str | None = PrivateAttr(default=None)

    # -- state --------------------------------------------------------------------------------------
    @property
    def pk(self) -> Any:
        """The primary key's value (whatever the pk field is called)."""
        return getattr(self, self._meta.pk_name)

    @pk.setter
    def pk(self, value: Any) -> None:
        setattr(self, self._meta.pk_name, value)

    @property
    def model_extra(self) -> dict[str, Any]:
        """Keys the server returned that this model does not declare (kept, never sent back)."""
        return self._extra

    @property
    def is_stored(self) -> bool:
        """True once loaded from or saved to the server (Django: ``not obj._state.adding``)."""
        return self._loaded is not None

    @property
    def sync(self) -> SyncProxy[Self]:
        """Blocking forms of save / delete / refresh_from_db: ``obj.sync.save()``."""
        from ..sync import SyncProxy

        return SyncProxy(self)

    def _snapshot(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def get_changed_fields(self) -> list[str]:
        """Fields whose value differs from what was loaded (all set fields when not stored)."""
        current = self._snapshot()
        if self._loaded is None:
            return [f for f in current if f in self._insert_payload()]
        return [f for f, v in current.items() if self._loaded.get(f) != v]

    @classmethod
    def _from_db(cls, row: Mapping[str, Any], alias: str | None = None) -> Self:
        fields = cls.model_fields
        obj = cls.model_validate({k: v for k, v in row.items() if k in fields})
        obj._extra = {k: v for k, v in row.items() if k not in fields}
        obj._loaded = obj._snapshot()
        obj._using = alias
        return obj

    def _apply_row(
        self, row: Mapping[str, Any], alias: str | None, only: Collection[str] | None = None
    ) -> None:
        """Take the server's values for ``only`` (default: every field in ``row``). Validates first,
        so an invalid answer changes nothing."""
        fields = type(self).model_fields
        take = [f for f in row if f in fields and (only is None or f in only)]
        merged = {**{f: getattr(self, f) for f in fields}, **{f: row[f] for f in take}}
        new = type(self).model_validate(merged)
        snap = new._snapshot()
        self._loaded = {**(self._loaded or snap), **{f: snap[f] for f in take}}
        for f in take:
            self.__dict__[f] = new.__dict__[f]
        self.__pydantic_fields_set__.update(take)
        self._extra.update({k: v for k, v in row.items() if k not in fields})
        self._using = alias

    def _insert_payload(self, generate_pk: bool = False) -> dict[str, Any]:
        """Fields sent on insert: everything set or with a non-None default (a None default leaves the
        value to the server's default); the pk only when it has a value."""
        meta, data = self._meta, self._snapshot()
        fields = type(self).model_fields
        pk = meta.pk_name
        if data.get(pk) is None and generate_pk and meta.fields[pk].kind == "uuid":
            # Bulk inserts are read back in key order, not input order: choose the keys ourselves.
            setattr(self, pk, uuid.uuid4())
            data = self._snapshot()
        return {
            f: v for f, v in data.items()
            if (f in self.model_fields_set or fields[f].default is not None or fields[f].default_factory)
            and not (f == pk and v is None)
        }

    # -- persistence --------------------------------------------------------------------------------
    def _conn(self, using: str | None) -> tuple[str, Directus]:
        alias = using or self._using or self._meta.connection
        return alias, connections[alias]

    def _item_path(self) -> str:
        key = (self._loaded or {}).get(self._meta.pk_name, self.pk)
        if key is None:
            raise FieldError(f"{type(self).__name__} has no primary key value")
        return f"{collection_path(self._meta.collection)}/{quote(str(key), safe='')}"

    async def save(
        self,
        update_fields: Iterable[str] | None = None,
        *,
        force_insert: bool = False,
        using: str | None = None,
    ) -> None:
        """Insert (POST) when not stored yet, else PATCH only the changed fields (or ``update_fields``).
        The server's answer (pk, defaults, computed values) is read back into the instance."""
        alias, conn = self._conn(using)
        meta = self._meta
        if force_insert or self._loaded is None:
            body = await conn.post(collection_path(meta.collection), json=self._insert_payload())
            row = (body or {}).get("data")
            if row:
                self._apply_row(row, alias)
            else:  # the role may create but not read: keep what we sent
                self._loaded, self._using = self._snapshot(), alias
            return
        current = self._snapshot()
        if update_fields is not None:
            names = list(dict.fromkeys(update_fields))
            unknown = [f for f in names if f not in current]
            if unknown:
                raise FieldError(
                    f"{type(self).__name__} has no field(s) {unknown}; fields: {', '.join(current)}"
                )
        else:
            names = [f for f, v in current.items() if self._loaded.get(f) != v]
        if not names:
            return  # nothing changed: no request
        body = await conn.patch(self._item_path(), json={f: current[f] for f in names})
        row = (body or {}).get("data")
        if row:
            # Fields changed locally but not saved (update_fields) stay as they are, and stay changed.
            keep = set(names) | {f for f, v in current.items() if self._loaded.get(f) == v}
            self._apply_row(row, alias, only=keep)
        else:
            self._loaded = {**self._loaded, **{f: current[f] for f in names}}

    async def delete(self, *, using: str | None = None) -> tuple[int, dict[str, int]]:
        """DELETE this row. The instance keeps its values and counts as not stored afterwards."""
        _, conn = self._conn(using)
        await conn.delete(self._item_path())
        self._loaded = None
        return 1, {self._meta.collection: 1}

    async def refresh_from_db(self, fields: Sequence[str] | None = None, *, using: str | None = None) -> None:
        """Reload the fields (all, or ``fields``) from the server; raises ``DoesNotExist`` if gone."""
        alias, conn = self._conn(using)
        meta = self._meta
        if fields is not None:
            unknown = [f for f in fields if f not in meta.fields]
            if unknown:
                raise FieldError(f"{type(self).__name__} has no field(s) {unknown}")
        key = (self._loaded or {}).get(meta.pk_name, self.pk)
        params: dict[str, Any] = {"filter": {meta.pk_name: {"_eq": key}}, "limit": 1}
        if fields is not None:
            params["fields"] = list(fields)
        body = await conn.get(collection_path(meta.collection), params=params)
        rows = (body or {}).get("data") or []
        if not rows:
            raise self.DoesNotExist(f"{type(self).__name__} with pk {key!r} no longer exists")
        self._apply_row(rows[0], alias, only=fields)

    def __repr__(self) -> str:
        fields = " ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"<{type(self).__name__} {fields}>"


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
        return self.model._from_db(row, alias)

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

    def value_of(self, obj: M, field: str) -> Any:
        return getattr(obj, field)

    def prepare_values(self, values: Mapping[str, Any], context: str) -> dict[str, Any]:
        meta = self.model._meta
        out: dict[str, Any] = {}
        for name, value in values.items():
            info = meta.get_field(meta.pk_name if name == "pk" else name)
            if info is None:
                raise FieldError(f"{context}: {meta.label} has no field {name!r}; fields: "
                                 f"{', '.join(meta.field_names())}")
            if value is None:
                if not info.nullable:
                    raise FieldError(f"{context}: {meta.label}.{info.name} is not nullable")
                out[info.name] = None
                continue
            try:
                out[info.name] = info.validate(value)
            except ValueError as exc:
                raise FieldError(
                    f"{context}: invalid value {value!r} for {meta.label}.{info.name}: {exc}"
                ) from None
        return out

    def after_update(self, obj: M, fields: Sequence[str], alias: str) -> None:
        snap = obj._snapshot()
        obj._loaded = {**(obj._loaded or snap), **{f: snap[f] for f in fields}}
