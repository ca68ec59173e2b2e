"""``Meta`` -> ``Options`` (``Model._meta``): collection, pk, ordering, connection, and each field's
Directus kind derived from its annotation."""

from __future__ import annotations

import datetime
import decimal
import enum
import types
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    ForwardRef,
    Literal,
    NamedTuple,
    Union,
    cast,
    get_args,
    get_origin,
)

from pydantic import TypeAdapter

from ..connection.profiles import EndpointProfile, endpoint_profile
from ..connection.registry import DEFAULT_ALIAS
from ..connection.serverinfo import Version, parse_version
from ..exceptions import ImproperlyConfigured, InvalidArgument, ManagerUnavailable
from ..query.lookups import KINDS
from ..query.schema import FieldInfo, OpenSchema, Relation, Schema
from .many_to_any import ManyToAny
from .registry import get_model, is_model, registered_models
from .relations import Analysed, analyse

if TYPE_CHECKING:
    from .base import DirectusModel
    from .manager import BaseManager

__all__ = ["META_ATTRIBUTES", "LoadPlan", "Options", "kind_of"]

META_ATTRIBUTES = frozenset({"collection", "pk", "ordering", "get_latest_by", "connection", "abstract",
                             "field_kinds", "singleton", "recreatable", "concealed",
                             "fields_since", "related_keys"})
"""Attributes a model's ``class Meta`` may set."""


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


def _collection_schema(collection: str) -> Schema:
    """The schema of ``collection``: its model's when one is declared (its key's type), else open."""
    try:
        return get_model(collection)._meta
    except LookupError:
        return OpenSchema(collection)


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


def _write_validator(annotation: Any, metadata: Sequence[Any]) -> Callable[[Any], Any] | None:
    """``_validator`` with the field's constraints (``max_length``, ``max_digits`` ...) where it has some:
    a value written by ``update()`` is held to them as one assigned to an instance is; a lookup's is not
    (``price__gt=0.125`` on a field of 2 decimal places is a fine filter)."""
    if not metadata and not _constrained(annotation):
        return None
    args = (annotation, *metadata)
    return _validator(cast("Any", Annotated)[args]) if metadata else _validator(annotation)


def _constrained(annotation: Any) -> bool:
    """Whether an annotation carries metadata of its own (``condecimal(...) | None``)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return True
    return (origin is Union or origin is types.UnionType) and any(map(_constrained, get_args(annotation)))


def _list_validator(annotation: Any) -> Callable[[list[Any]], list[Any]]:
    """``_validator`` for a list of values in one pydantic call; its ``TypeAdapter(list[...])`` is
    built on first use (most fields never see an ``in`` lookup)."""
    adapter: TypeAdapter[list[Any]] | None = None

    def validate(values: list[Any]) -> list[Any]:
        nonlocal adapter
        if adapter is None:
            adapter = TypeAdapter(list[annotation])
        return cast("list[Any]", adapter.dump_python(adapter.validate_python(values), mode="json"))

    return validate


def _relation_field(name: str, rel: Analysed) -> FieldInfo:
    """A relational field as queries see it: the kind and validator of the related key; a model
    instance stands for its key."""
    key_types = [k for k in rel.key_types if k is not Any]
    key_type: Any = key_types[0] if len(key_types) == 1 else Any
    check = _validator(key_type)
    check_list = _list_validator(key_type)

    def key_of(value: Any) -> Any:
        if is_model(value):
            if value.pk is None:
                raise InvalidArgument(f"unsaved {type(value).__name__} has no key")
            return value.pk
        return value

    def validate(value: Any) -> Any:
        return check(key_of(value))

    def validate_list(values: list[Any]) -> list[Any]:
        return check_list([key_of(v) for v in values])

    return FieldInfo(name, kind_of(key_type), True, validate, rel.relation, validate_list=validate_list)


def _parser(annotation: Any) -> Callable[[Any], Any]:
    """Server value -> Python value of the field's type (aggregates, ``values()``)."""
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    return adapter.validate_python


class LoadPlan(NamedTuple):
    """What loading and inserting rows need from the model, fixed once it is complete."""

    relations: dict[str, Analysed]
    containers: tuple[str, ...]
    """Fields whose values may be lists or dicts (copied when a loaded row is remembered)."""
    share_values: bool
    """A loaded instance may remember its own ``__dict__`` as its stored values: with validate_assignment
    an assignment replaces that dict, and no value is a container that could change in place. Otherwise
    it remembers a copy."""
    page: TypeAdapter[list[Any]] | None
    """Validates a page of rows in one call; None when pages must go row by row (its ``extra`` setting
    would let an undeclared key stand in for a missing one)."""
    sent_only_if_set: tuple[str, ...]
    """Fields an insert sends only when set: those with a None default (the server's default applies
    instead) and relations."""


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
        self.recreatable: bool = bool(get("recreatable", True))
        """Whether a row deleted elsewhere may be inserted again from the instance's fields by save()
        (False for rows whose fields do not hold all they are, e.g. a file's content)."""
        self.singleton: bool = bool(get("singleton", False))
        """One object, not a list (``/settings``, a singleton collection): read with ``objects.get()``."""
        self.fields_since: dict[str, Version] = {}
        """Fields only servers of a version on have (``{"type": "12.0.0"}``): reads from older servers
        leave them out of ``fields`` (naming a field the server lacks is a 403), and they stay None."""
        for name, since in (get("fields_since") or {}).items():
            parsed = parse_version(since)
            if parsed is None:
                raise ImproperlyConfigured(
                    f"{model.__name__}.Meta.fields_since[{name!r}]: {since!r} is not a version like '12.0.0'"
                )
            self.fields_since[name] = parsed
        # Fields holding keys of rows in another collection that the model does not load as related
        # models (``{"uploaded_by": "directus_users"}``): a many-to-one key, or a list of to-many keys.
        # GraphQL types them as objects, so reads over it select the key (``uploaded_by { id }``).
        self.related_keys: dict[str, str] = dict(get("related_keys") or {})
        kinds_override: Mapping[str, str] = get("field_kinds") or {}
        for name, kind in kinds_override.items():
            if kind not in KINDS:
                raise ImproperlyConfigured(
                    f"{model.__name__}.Meta.field_kinds[{name!r}]: unknown kind {kind!r}; "
                    f"known: {', '.join(KINDS)}"
                )
        self._kinds_override = kinds_override
        self._load_plan: LoadPlan | None = None
        self._fields: dict[str, FieldInfo] = {}
        self._complete = False
        self._relations: dict[str, Analysed] = {}
        self._build_fields()
        pk = get("pk")
        names = list(model.model_fields)
        if pk is None:
            pk = "id" if "id" in names else next(iter(names), None)
        if not self.abstract and (pk is None or pk not in names):
            raise ImproperlyConfigured(
                f"{model.__name__}: primary key {pk!r} is not a field; fields: {', '.join(names)}"
            )
        self.pk_name: str = pk or ""
        self._build_fields()
        if not self.related_keys.keys() <= set(names):
            raise ImproperlyConfigured(f"{model.__name__}.Meta.related_keys: "
                                       f"{sorted(self.related_keys.keys() - set(names))} are not fields")
        self.concealed: frozenset[str] = frozenset(get("concealed") or ())
        """Fields Directus reads masked (its ``special: conceal``: passwords, tokens, 2FA secrets): never
        written while they hold the mask."""
        if not self.abstract and not self.concealed <= set(names):
            raise ImproperlyConfigured(
                f"{model.__name__}.Meta.concealed: {sorted(self.concealed - set(names))} are not fields")
        self.managers: dict[str, BaseManager[Any]] = {}
        self.default_manager_name: str | None = None

    # -- fields (completed lazily: a relation may name a model declared later) -------------------------
    def _build_fields(self) -> None:
        model = self.model
        complete = bool(getattr(model, "__pydantic_complete__", True))
        fields: dict[str, FieldInfo] = {}
        relations: dict[str, Analysed] = {}
        pk_name = getattr(self, "pk_name", None)
        for name, finfo in model.model_fields.items():
            annotation = finfo.annotation
            if isinstance(annotation, (str, ForwardRef)):
                complete = False
                fields[name] = FieldInfo(name)
                continue
            rel = analyse(annotation, list(finfo.metadata), model.__name__, name)
            if rel is not None:
                relations[name] = rel
                fields[name] = _relation_field(name, rel)
                continue
            inner, nullable = _unwrap(annotation)
            kind = self._kinds_override.get(name) or kind_of(inner)
            # the pk is never NULL: negations need no NULL branch
            # A many-to-any field reads as the list of its junction keys: json to queries, but so named.
            many_to_any = any(isinstance(m, ManyToAny) for m in finfo.metadata)
            fields[name] = FieldInfo(name, kind, nullable and name != pk_name, _validator(inner),
                                     parse=_parser(inner), validate_list=_list_validator(inner),
                                     described_as="many-to-any" if many_to_any else "",
                                     validate_write=_write_validator(annotation, finfo.metadata))
        self._fields, self._relations, self._complete = fields, relations, complete
        # Values of these may be mutable containers; scalar kinds (str, int, dates, uuid ...) never are.
        self._container_fields = tuple(
            name for name, info in fields.items()
            if name in relations or info.kind in ("json", "geometry", "any")
        )

    def _ensure_complete(self) -> None:
        if self._complete:
            return
        import sys

        module = sys.modules.get(self.model.__module__)
        # The model's own module wins over same-named models elsewhere; the registry finds the rest
        # (models declared inside functions).
        namespace = {m.__name__: m for m in registered_models().values()}
        namespace.update(vars(module) if module else {})
        try:
            self.model.model_rebuild(raise_errors=False, _types_namespace=namespace)
        except Exception:
            return
        self._build_fields()

    @property
    def fields(self) -> dict[str, FieldInfo]:
        """The model's fields by name, each as the query layer sees it (kind, nullability, parser);
        ``Book._meta.fields["title"]``."""
        self._ensure_complete()
        return self._fields

    @property
    def relations(self) -> dict[str, Analysed]:
        """Relational fields: name -> what the annotation declares (related model, kind, marker)."""
        self._ensure_complete()
        return self._relations

    @property
    def container_fields(self) -> tuple[str, ...]:
        """Fields whose values may be lists or dicts (copied when a loaded row is remembered)."""
        self._ensure_complete()
        return self._container_fields

    def load_plan(self) -> LoadPlan:
        """Read for every loaded row, so cached as soon as the model is complete."""
        plan = self._load_plan
        if plan is None:
            self._ensure_complete()
            model, relations = self.model, self._relations
            page = None
            if self._complete and model.model_config.get("extra") == "forbid":
                page = TypeAdapter(list[model])  # type: ignore[valid-type]
            only_if_set = tuple(
                name for name, f in model.__pydantic_fields__.items()
                if name in relations or (f.default is None and f.default_factory is None)
            )
            share = bool(model.model_config.get("validate_assignment")) and not self._container_fields
            plan = LoadPlan(relations, self._container_fields, share, page, only_if_set)
            if self._complete:
                self._load_plan = plan
        return plan

    @property
    def profile(self) -> EndpointProfile:
        """How the collection's endpoint behaves (``connection/profiles.py``)."""
        return endpoint_profile(self.collection, self.singleton)

    def m2m_default_fields(self) -> list[str]:
        """``tags.tags_id`` for each many-to-many field: unloaded, it holds the related keys (a bare
        ``*`` would give the junction rows' keys)."""
        self._ensure_complete()
        return [".".join(rel.relation.hop(name)) for name, rel in self._relations.items()
                if rel.relation.junction_field is not None]

    def key_relations(self) -> dict[str, FieldInfo]:
        """The ``Meta.related_keys`` fields as relations to their collections, for the reads that must
        know them (GraphQL selects a relation as an object); the field's own kind and validator stay."""
        out = {}
        for name, collection in self.related_keys.items():
            info = self.fields.get(name)
            if info is None or name in self.relations:
                continue
            inner, _ = _unwrap(self.model.model_fields[name].annotation)
            many = get_origin(inner) in (list, tuple, set, frozenset)
            out[name] = replace(info, relation=Relation("o2m" if many else "m2o",
                                                        partial(_collection_schema, collection)))
        return out

    # -- Schema protocol ----------------------------------------------------------------------------
    @property
    def resolution_is_final(self) -> bool:
        """Once complete, resolving a field path against this model always gives the same answer
        (``query.schema`` memoises it)."""
        self._ensure_complete()
        return self._complete

    @property
    def label(self) -> str:
        """The model's class name, used in error messages (``Book.DoesNotExist: ...``)."""
        return self.model.__name__

    def get_field(self, name: str) -> FieldInfo | None:
        """The field named ``name``, or ``None`` when the model has none (unlike Django, which raises)."""
        if not self._complete:
            self._ensure_complete()
        return self._fields.get(name)


    def field_names(self) -> list[str]:
        """The names of the model's fields, in declaration order."""
        return list(self.fields)

    @property
    def default_manager(self) -> BaseManager[Any]:
        """The manager ``Model.objects`` answers (the first declared, as in Django); an abstract model has
        none and raises ``ManagerUnavailable``."""
        if self.abstract or self.default_manager_name is None:
            raise ManagerUnavailable(f"Manager isn't available; {self.model.__name__} is abstract")
        return self.managers[self.default_manager_name]

    def __repr__(self) -> str:
        return f"<Options {self.model.__name__} collection={self.collection!r} pk={self.pk_name!r}>"
