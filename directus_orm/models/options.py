"""``Meta`` -> ``Options`` (``Model._meta``): collection, pk, ordering, connection, and each field's
Directus kind derived from its annotation."""

from __future__ import annotations

import datetime
import decimal
import enum
import types
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import TypeAdapter

from ..connection.registry import DEFAULT_ALIAS
from ..exceptions import ImproperlyConfigured
from ..query.lookups import KINDS
from ..query.schema import FieldInfo

if TYPE_CHECKING:
    from .base import DirectusModel
    from .manager import BaseManager

__all__ = ["META_ATTRIBUTES", "Options", "kind_of"]

#: Attributes a model's ``class Meta`` may set.
META_ATTRIBUTES = frozenset({"collection", "pk", "ordering", "get_latest_by", "connection", "abstract",
                             "field_kinds"})


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """``Annotated[int | None, ...]`` -> (int, nullable=True)."""
    nullable = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin is Union or origin is types.UnionType:
            args = [a for a in get_args(annotation) if a is not type(None)]
            nullable = nullable or len(args) != len(get_args(annotation))
            if len(args) != 1:
                return annotation, nullable
            annotation = args[0]
        else:
            return annotation, nullable


def kind_of(annotation: Any) -> str:
    """The Directus kind of a (non-Optional) annotation; ``any`` when it cannot tell."""
    if get_origin(annotation) is Literal:
        values = get_args(annotation)
        return kind_of(type(values[0])) if values and len({type(v) for v in values}) == 1 else "any"
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            bases = [b for b in annotation.__mro__ if b in (str, int, float)]
            return kind_of(bases[0]) if bases else "any"
        for typ, kind in (
            (bool, "boolean"), (int, "integer"), (float, "float"), (decimal.Decimal, "float"),
            (str, "string"),
            (datetime.datetime, "datetime"), (datetime.date, "date"), (datetime.time, "time"),
            (uuid.UUID, "uuid"), (dict, "json"), (list, "json"),
        ):
            if issubclass(annotation, typ):
                return kind
    if get_origin(annotation) in (dict, list, Mapping, Sequence):
        return "json"
    return "any"


def _validator(annotation: Any) -> Callable[[Any], Any]:
    """Check a filter/update value against the field's type and return it JSON-ready
    (datetimes as ISO strings, UUIDs as strings ...). pydantic's ValidationError is a ValueError."""
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)

    def validate(value: Any) -> Any:
        return adapter.dump_python(adapter.validate_python(value), mode="json")

    return validate


class Options:
    """A model's options. Implements the query :class:`~directus_orm.query.schema.Schema` protocol."""

    def __init__(self, model: type[DirectusModel], meta: type | None, parent: Options | None) -> None:
        self.model = model
        attrs = {k: v for k, v in vars(meta).items() if not k.startswith("_")} if meta is not None else {}
        unknown = set(attrs) - META_ATTRIBUTES
        if unknown:
            raise ImproperlyConfigured(
                f"{model.__name__}.Meta: unknown option(s) {sorted(unknown)}; "
                f"known: {sorted(META_ATTRIBUTES)}"
            )
        # Like Django, a child of an abstract model inherits its Meta (but not abstract / collection).
        inherited: dict[str, Any] = parent.meta_attrs if parent is not None else {}
        self.meta_attrs: dict[str, Any] = {
            **{k: v for k, v in inherited.items() if k not in ("abstract", "collection")}, **attrs
        }
        get = self.meta_attrs.get
        self.abstract: bool = bool(attrs.get("abstract", False))
        self.collection: str = str(attrs.get("collection") or model.__name__.lower())
        self.ordering: tuple[str, ...] = tuple(get("ordering") or ())
        latest = get("get_latest_by") or ()
        self.get_latest_by: tuple[str, ...] = (latest,) if isinstance(latest, str) else tuple(latest)
        self.connection: str = str(get("connection") or DEFAULT_ALIAS)
        kinds_override: Mapping[str, str] = get("field_kinds") or {}
        for name, kind in kinds_override.items():
            if kind not in KINDS:
                raise ImproperlyConfigured(
                    f"{model.__name__}.Meta.field_kinds[{name!r}]: unknown kind {kind!r}; "
                    f"known: {', '.join(KINDS)}"
                )
        self.fields: dict[str, FieldInfo] = {}
        for name, finfo in model.model_fields.items():
            inner, nullable = _unwrap(finfo.annotation)
            kind = kinds_override.get(name) or kind_of(inner)
            self.fields[name] = FieldInfo(name, kind, nullable, _validator(inner))
        pk = get("pk")
        if pk is None:
            pk = "id" if "id" in self.fields else next(iter(self.fields), None)
        if not self.abstract and (pk is None or pk not in self.fields):
            raise ImproperlyConfigured(
                f"{model.__name__}: primary key {pk!r} is not a field; fields: {', '.join(self.fields)}"
            )
        self.pk_name: str = pk or ""
        if self.pk_name in self.fields:  # the pk is never NULL: negations need no NULL branch
            self.fields[self.pk_name] = FieldInfo(self.pk_name, self.fields[self.pk_name].kind, False,
                                                  self.fields[self.pk_name].validate)
        self.managers: dict[str, BaseManager[Any]] = {}
        self.default_manager_name: str | None = None

    # -- Schema protocol ----------------------------------------------------------------------------
    @property
    def label(self) -> str:
        return self.model.__name__

    def get_field(self, name: str) -> FieldInfo | None:
        return self.fields.get(name)

    def field_names(self) -> list[str]:
        return list(self.fields)

    @property
    def default_manager(self) -> BaseManager[Any]:
        if self.abstract or self.default_manager_name is None:
            raise AttributeError(f"Manager isn't available; {self.model.__name__} is abstract")
        return self.managers[self.default_manager_name]

    def __repr__(self) -> str:
        return f"<Options {self.model.__name__} collection={self.collection!r} pk={self.pk_name!r}>"
