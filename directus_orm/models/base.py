"""``DirectusModel``: a pydantic model that knows its Directus collection, with Django's model API.

Instances remember the values they were loaded with (a JSON-mode snapshot): ``save()`` inserts (POST)
when the instance is not stored yet, and otherwise PATCHes only the fields that differ from the
snapshot. Every write validates the server's answer before touching the instance, so a failed save
leaves it exactly as it was (unsaved changes included). Keys the server returns that the model does
not declare are kept in ``obj.model_extra`` (never fields, never lost, never sent back).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, cast

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import to_jsonable_python
from typing_extensions import Self

from .._compat import SERIALIZE_AS_ANY, ModelMetaclass
from ..connection.client import Directus, collection_path
from ..connection.profiles import require_endpoint
from ..connection.registry import connections
from ..connection.serverinfo import server_info
from ..exceptions import (
    DeferredFieldError,
    FieldError,
    Forbidden,
    InvalidRow,
    InvalidUsage,
    MultipleObjectsReturned,
    NotStored,
    ObjectDoesNotExist,
    SchemaMismatch,
    UnsupportedByServer,
)
from ..query.item_writes import delete_item, patch_item, rows_by_key
from ..query.sendable import drop_masked, refuse_unsendable
from ..query.versioning import check_version_key, save_to_version
from ..sync import SyncFace
from .adapter import ModelAdapter
from .invalid import invalid_row
from .manager import BaseManager, Manager, ManagerDescriptor
from .options import LoadPlan, Options, _unwrap
from .registry import ModelRoot, get_model, models, registered_models
from .related import RelatedAccessor, Unlinks, to_many_write, unlink
from .relations import Analysed, attach_answer, load_related, load_related_column, nested_value, related_keys
from .state import ModelState, PageState, peek_state, state_of

if TYPE_CHECKING:
    from ..schema.plan import Step

# ``DeferredFieldError``, ``ModelAdapter``, ``get_model`` and ``registered_models`` live in their own
# modules now; they stay importable from here.
__all__ = [
    "DeferredFieldError", "DirectusModel", "ModelAdapter", "ModelBase", "ModelState", "get_model",
    "registered_models",
]


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
        models.register(model)
        return cls


def _copy_values(values: dict[str, Any], containers: Sequence[str]) -> dict[str, Any]:
    """The loaded values, safe from later in-place changes (``obj.tags.append(...)``); ``containers``
    names the fields that may hold lists or dicts."""
    out = dict(values)
    for key in containers:
        value = out.get(key)
        if isinstance(value, (list, dict, set)):
            # Lists of related instances only need their own list: the snapshot reads their keys.
            out[key] = list(value) if isinstance(value, list) and value and isinstance(
                value[0], DirectusModel) else copy.deepcopy(value)
    return out


def _no_containers(objs: Sequence[BaseModel], plan: LoadPlan) -> bool:
    """True when the loaded instances may share their own ``__dict__`` as stored values after all
    (``LoadPlan.share_values``): no container field of theirs holds a list, dict or set this time
    (related rows are instances or keys, to-many lists not loaded)."""
    if not objs or not type(objs[0]).model_config.get("validate_assignment"):
        return False
    for name in plan.containers:
        if any(isinstance(value, (list, dict, set)) for value in [obj.__dict__.get(name) for obj in objs]):
            return False
    return True


def _remember(obj: BaseModel, plan: LoadPlan) -> dict[str, Any]:
    """The values a just-loaded instance keeps as its stored ones (``ModelState.source``)."""
    return obj.__dict__ if plan.share_values else _copy_values(obj.__dict__, plan.containers)


class DirectusModel(BaseModel, SyncFace, ModelRoot, metaclass=ModelBase):
    """Base class of Directus models. Declare fields as pydantic fields and a ``class Meta`` with
    ``collection``, optionally ``pk``, ``ordering``, ``get_latest_by``, ``connection`` (alias),
    ``abstract`` and ``field_kinds`` (``{"geo": "geometry"}`` where the annotation cannot tell)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    objects: ClassVar[ManagerDescriptor] = ManagerDescriptor()
    _meta: ClassVar[Options]
    DoesNotExist: ClassVar[type[ObjectDoesNotExist]] = ObjectDoesNotExist
    MultipleObjectsReturned: ClassVar[type[MultipleObjectsReturned]] = MultipleObjectsReturned

    __slots__ = ("_dstate",)  # a ModelState (never annotated: pydantic would make it a private attr)

    if not TYPE_CHECKING:
        # A related row read in part (select_related(), only()) lacks its deferred fields, which
        # pydantic's union serializer (``Author | int``) takes for a value of another type: a warning
        # per row, then a guess. Related rows are serialized as the instances they are instead.
        def model_dump(self, **options: Any) -> dict[str, Any]:
            """pydantic's ``model_dump``; related rows read in part dump as what they hold."""
            if SERIALIZE_AS_ANY and self._meta.relations:
                options.setdefault("serialize_as_any", True)
            return super().model_dump(**options)

        def model_dump_json(self, **options: Any) -> str:
            """pydantic's ``model_dump_json``; related rows read in part dump as what they hold."""
            if SERIALIZE_AS_ANY and self._meta.relations:
                options.setdefault("serialize_as_any", True)
            return super().model_dump_json(**options)

        def __getattr__(self, name: str) -> Any:
            try:
                return super().__getattr__(name)
            except AttributeError:
                state = peek_state(self)
                if state is None:
                    raise
                if name in state.deferred:
                    raise DeferredFieldError(
                        f"{type(self).__name__}.{name} was not in the server's answer: only()/defer() "
                        f"left it out, or collection {self._meta.collection!r} has no field {name!r} "
                        f"(or the role may not read it). `await obj.refresh_from_db(fields=[{name!r}])` "
                        f"loads it, or raises SchemaMismatch if the server lacks it"
                    ) from None
                if state.extra and name in state.extra and not name.startswith("_"):
                    return state.extra[name]  # annotate(n=...) values, keys the model does not declare
                raise

        def __setattr__(self, name: str, value: Any) -> None:
            state = peek_state(self)
            if type(state) is PageState:
                state = state_of(self)  # its own state, remembering the __dict__ the assignment replaces
            super().__setattr__(name, value)
            if state is not None and state.deferred and name in state.deferred:
                state.deferred = state.deferred - {name}  # assigned: loaded locally
            rel = self._meta.relations.get(name)
            if rel is not None and rel.kind != "m2o":
                state = state_of(self)
                state.assigned = state.assigned | {name}  # a whole new list: save() checks it may replace

    # -- state (kept in one ModelState; these read like the attributes they replace) ---------------
    @property
    def _loaded(self) -> dict[str, Any] | None:
        """The JSON snapshot of the stored values; None: not stored yet."""
        state = state_of(self)
        if state.loaded is None and state.source is not None:
            state.loaded, state.source = self._snapshot_of(state.source), None
        return state.loaded

    @_loaded.setter
    def _loaded(self, value: dict[str, Any] | None) -> None:
        state = state_of(self)
        state.loaded, state.source = value, None

    @property
    def _extra(self) -> dict[str, Any]:
        state = state_of(self)
        if state.extra is None:
            state.extra = {}
        return state.extra

    @_extra.setter
    def _extra(self, value: dict[str, Any] | None) -> None:
        state_of(self).extra = value

    @property
    def _using(self) -> str | None:
        return state_of(self).using

    @_using.setter
    def _using(self, value: str | None) -> None:
        state_of(self).using = value

    @property
    def _deferred(self) -> frozenset[str]:
        """Fields not loaded (``only()`` / ``defer()``)."""
        return state_of(self).deferred

    @_deferred.setter
    def _deferred(self, value: frozenset[str]) -> None:
        state_of(self).deferred = value

    def _snapshot_of(self, values: dict[str, Any]) -> dict[str, Any]:
        """The snapshot an instance holding ``values`` would take (a bare shadow instance: no
        validation, nothing shared with ``self``)."""
        cls = type(self)
        shadow = cls.__new__(cls)
        object.__setattr__(shadow, "__dict__", values)
        object.__setattr__(shadow, "__pydantic_fields_set__", set(values))
        object.__setattr__(shadow, "__pydantic_extra__", None)
        object.__setattr__(shadow, "__pydantic_private__", None)
        return shadow._snapshot()

    # pydantic copies and pickles __dict__ and its own slots; the state slot must travel too.
    def __copy__(self) -> Self:
        new = super().__copy__()
        object.__setattr__(new, "_dstate", copy.copy(state_of(self)))
        return new

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        new = super().__deepcopy__(memo)
        object.__setattr__(new, "_dstate", copy.deepcopy(state_of(self), memo))
        return new

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        state["_dstate"] = state_of(self)
        return state

    def __setstate__(self, state: dict[Any, Any]) -> None:
        model_state = state.pop("_dstate", None)
        super().__setstate__(state)
        if model_state is not None:
            object.__setattr__(self, "_dstate", model_state)

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
        state = state_of(self)
        return state.loaded is not None or state.source is not None


    @property
    def deferred_fields(self) -> frozenset[str]:
        """Fields not loaded (``only()`` / ``defer()``); reading one raises ``DeferredFieldError``."""
        return self._deferred

    def _snapshot(self) -> dict[str, Any]:
        """The JSON form of every loaded field; a relation as its key(s) (an unsaved related instance:
        None), so a loaded ``Author`` and its key compare equal."""
        relations = self._meta.relations
        # The serializer itself: model_dump's wrapper is a large share of the call (bulk_create).
        dump = type(self).__pydantic_serializer__.to_python
        if not relations:
            return cast("dict[str, Any]", dump(self, mode="json"))
        data: dict[str, Any] = dump(self, mode="json", exclude=set(relations))
        for name in relations:
            if name in self.__dict__:
                data[name] = related_keys(self.__dict__[name])
        return data

    def _relation_dirty(self, name: str) -> bool:
        """A related instance in ``name`` is unsaved or has unsaved changes (nested save sends it)."""
        value = self.__dict__.get(name)
        items = value if isinstance(value, list) else [value]
        return any(isinstance(v, DirectusModel) and (not v.is_stored or bool(v.get_changed_fields()))
                   for v in items)

    def _changed(self, current: dict[str, Any]) -> list[str]:
        loaded = self._loaded or {}
        return [f for f, v in current.items()
                if loaded.get(f) != v or (f in self._meta.relations and self._relation_dirty(f))]

    def _payload(self, names: Iterable[str], current: dict[str, Any]) -> dict[str, Any]:
        """The JSON body for ``names``: related instances nested (created or updated by Directus)."""
        relations = self._meta.relations
        out: dict[str, Any] = {}
        for name in names:
            rel = relations.get(name)
            out[name] = current[name] if rel is None else nested_value(self.__dict__.get(name), rel)
        return out

    async def _changes_payload(
        self, conn: Directus, names: Iterable[str], current: dict[str, Any], unlinks: Unlinks
    ) -> dict[str, Any]:
        """The PATCH body for ``names`` of a stored instance: related instances nested, to-many lists
        as the rows added, edited and removed in them (``related.to_many_write``), at every depth."""
        relations = self._meta.relations
        out: dict[str, Any] = {}
        for name in names:
            rel = relations.get(name)
            if rel is None:
                out[name] = current[name]
            elif rel.kind != "m2o":
                change = await to_many_write(conn, self, name, rel, unlinks)
                if change is not None:
                    out[name] = change
            else:
                value = self.__dict__.get(name)
                if isinstance(value, DirectusModel) and value.is_stored:
                    snap = value._snapshot()
                    changed = value._changed(snap)
                    key = snap.get(value._meta.pk_name)
                    out[name] = {value._meta.pk_name: key, **await value._changes_payload(
                        conn, changed, snap, unlinks)} if changed else key
                else:
                    out[name] = nested_value(value, rel)
        return out

    def get_changed_fields(self) -> list[str]:
        """Fields whose value differs from what was loaded (all set fields when not stored)."""
        current = self._snapshot()
        if self._loaded is None:
            return [f for f in current if f in self._insert_payload(check=False)]
        return self._changed(current)

    @classmethod
    def _from_db(cls, row: Mapping[str, Any], alias: str | None = None) -> Self:
        """A server row -> a stored instance. Related rows become stored instances too; fields the row
        does not have are *deferred* (reading them raises), never silently defaulted."""
        fields = cls.__pydantic_fields__  # model_fields without the class-property overhead
        plan = cls._meta.load_plan()
        relations = plan.relations
        if relations:
            data = {k: (load_related(relations[k], v, alias) if k in relations else v)
                    for k, v in row.items() if k in fields}
        elif row.keys() <= fields.keys():
            data = dict(row)
        else:
            data = {k: v for k, v in row.items() if k in fields}
        obj: Self
        deferred: frozenset[str] = frozenset()
        try:
            if len(data) == len(fields):
                obj = cls.__pydantic_validator__.validate_python(data)  # model_validate, minus a call
            else:
                obj = cast("Self", cls.model_construct())
                obj.__dict__.clear()
                obj.__pydantic_fields_set__ = set()
                for name, value in data.items():
                    cls.__pydantic_validator__.validate_assignment(obj, name, value)
                deferred = frozenset(f for f in fields if f not in data)
        except ValidationError as exc:
            raise invalid_row(cls.__name__, row.get(cls._meta.pk_name), exc) from None
        extra = {k: v for k, v in row.items() if k not in fields} if len(data) != len(row) else None
        object.__setattr__(obj, "_dstate", ModelState(None, extra, alias, deferred, _remember(obj, plan)))
        return obj

    @classmethod
    def _validate_page(cls, rows: Sequence[Mapping[str, Any]]) -> list[Self] | None:
        """Complete rows of a model without relations (the usual page), validated in one pydantic call
        (per-row Python work was most of the client's share of a read: bench/RESULTS.md); None when
        the rows must go one by one. The instances have no state yet."""
        page = cls._meta.load_plan().page
        width = len(cls.__pydantic_fields__)
        # With extra="forbid" (``page`` requires it), a row of ``width`` keys that validates holds
        # exactly the declared fields: nothing is defaulted that should be deferred.
        if page is None or set(map(len, rows)) != {width}:
            return None
        try:
            return cast("list[Self]", page.validate_python(rows))
        except ValidationError:
            return None  # an undeclared key or a bad value: the row-by-row path deals with it

    @classmethod
    def _validate_related_page(
        cls, rows: Sequence[Mapping[str, Any]], alias: str | None
    ) -> tuple[list[Self], frozenset[str]] | None:
        """Rows of a model with relations that all hold the same declared fields (a select_related
        answer, or related rows without their reverse lists): their related rows loaded a page at a
        time, then the rows validated in one call. Returns the instances (no state yet) and the fields
        the rows lacked (deferred); None when the rows must go one by one."""
        page = cls._meta.load_plan().page
        if page is None or not rows:
            return None
        keys = rows[0].keys()
        fields = cls.__pydantic_fields__
        if not keys <= fields.keys() or not all(row.keys() == keys for row in rows):
            return None  # undeclared keys (kept in model_extra) or rows of different shapes
        missing = frozenset(fields.keys() - keys)
        # A missing field is validated from its default and then removed: only where that cannot
        # differ from leaving it out (no required field, no validator that could see the default).
        decorators = cls.__pydantic_decorators__
        if missing and (any(fields[name].is_required() for name in missing)
                        or decorators.model_validators or decorators.field_validators):
            return None
        # pydantic deep-copies a mutable default per instance; the value is dropped anyway, so give
        # the default itself (validated into a new container, which costs far less).
        given = {name: fields[name].default for name in missing
                 if isinstance(fields[name].default, (list, dict, set))}
        data = [{**row, **given} for row in rows] if given else [dict(row) for row in rows]
        for name, rel in cls._meta.load_plan().relations.items():
            if name in keys:
                column = load_related_column(rel, [row[name] for row in data], alias)
                for row, value in zip(data, column, strict=True):
                    row[name] = value
        try:
            objs = cast("list[Self]", page.validate_python(data))
        except ValidationError:
            return None  # a bad value: the row-by-row path raises or deals with it
        for obj in objs:
            values = obj.__dict__
            for name in missing:
                del values[name]
            if given:
                obj.__pydantic_fields_set__.difference_update(given)
        return objs, missing

    @classmethod
    def _from_db_page(cls, rows: Sequence[Mapping[str, Any]], alias: str | None = None) -> list[Self]:
        """``_from_db`` for each row of one answer."""
        plan, deferred = cls._meta.load_plan(), frozenset[str]()
        if plan.relations:
            found = cls._validate_related_page(rows, alias)
            objs = None if found is None else found[0]
            deferred = frozenset() if found is None else found[1]
        else:
            objs = cls._validate_page(rows)
        if objs is None:
            return [cls._from_db(row, alias) for row in rows]
        if plan.share_values or (plan.relations and _no_containers(objs, plan)):
            shared = PageState(None, None, alias, deferred)
            for obj in objs:
                object.__setattr__(obj, "_dstate", shared)
        else:
            for obj in objs:
                state = ModelState(None, None, alias, deferred, _remember(obj, plan))
                object.__setattr__(obj, "_dstate", state)
        return objs

    def _adopt(self, new: Self, alias: str | None, extra: dict[str, Any] | None = None) -> None:
        """Take every value of ``new``, a complete instance just validated from the server's answer for
        this object (one validation instead of ``_apply_row``'s merge and revalidation); ``extra``: the
        answer's undeclared keys."""
        object.__setattr__(self, "__dict__", new.__dict__)
        self.__pydantic_fields_set__.update(new.__dict__)
        old = peek_state(self)
        if old is not None and old.extra:
            extra = {**old.extra, **(extra or {})}
        plan = self._meta.load_plan()
        object.__setattr__(self, "_dstate", ModelState(None, extra, alias, frozenset(), _remember(new, plan)))

    def _apply_row(
        self, row: Mapping[str, Any], alias: str | None, only: Collection[str] | None = None
    ) -> None:
        """Take the server's values for ``only`` (default: every field in ``row``). Validates first,
        so an invalid answer changes nothing."""
        cls = type(self)
        fields = cls.__pydantic_fields__
        relations = self._meta.relations
        if only is None and not relations and row.keys() >= fields.keys():
            new = cls._from_db(row, alias)
            self._adopt(new, alias, state_of(new).extra)
            return
        take = [f for f in row if f in fields and (only is None or f in only)]
        incoming = {f: (attach_answer(self.__dict__.get(f), relations[f], row[f], alias) if f in relations
                        else row[f]) for f in take}
        present = {f: self.__dict__[f] for f in fields if f in self.__dict__}
        new = cls._from_db({**present, **incoming}, alias)
        snap = new._snapshot()
        self._loaded = {**(self._loaded or snap), **{f: snap[f] for f in take}}
        for f in take:
            self.__dict__[f] = new.__dict__[f]
        self.__pydantic_fields_set__.update(take)
        self._deferred = self._deferred - set(take)
        self._extra.update({k: v for k, v in row.items() if k not in fields})
        self._using = alias

    @classmethod
    def _apply_rows(cls, objs: Sequence[Self], rows: Sequence[Mapping[str, Any]], alias: str | None) -> None:
        """``obj._apply_row(row, alias)`` for each pair of one answer (``bulk_create``), complete rows
        validated together."""
        # With relations, the related instances we sent must stay the same objects: row by row.
        answered = None if cls._meta.relations else cls._validate_page(rows)
        if answered is None:
            for obj, row in zip(objs, rows, strict=True):
                obj._apply_row(row, alias)
            return
        for obj, new in zip(objs, answered, strict=True):
            obj._adopt(new, alias)

    def _insert_payload(self, generate_pk: bool = False, check: bool = True) -> dict[str, Any]:
        """Fields sent on insert: everything set or with a non-None default (a None default leaves the
        value to the server's default); the pk only when it has a value."""
        meta = self._meta
        pk = meta.pk_name
        if generate_pk and self.__dict__.get(pk) is None and meta.fields[pk].kind == "uuid":
            # Bulk inserts are read back in key order, not input order: choose the keys ourselves.
            setattr(self, pk, uuid.uuid4())
        data, plan, given = self._snapshot(), meta.load_plan(), self.__pydantic_fields_set__
        for name in plan.sent_only_if_set:
            if name not in given:
                data.pop(name, None)
        if pk in data and data[pk] is None:
            del data[pk]
        if meta.concealed:
            drop_masked(meta.concealed, data)
        if check:
            self._refuse_unsendable(data, data)
        return self._payload(list(data), data) if plan.relations else data

    # -- persistence --------------------------------------------------------------------------------
    def _conn(self, using: str | None) -> tuple[str, Directus]:
        alias = using or self._using or self._meta.connection
        return alias, connections[alias]

    def _loaded_key(self) -> Any:
        """The key of the stored row (the loaded one: a changed pk names a new row)."""
        key = (self._loaded or {}).get(self._meta.pk_name, self.pk)
        if key is None:
            raise FieldError(f"{type(self).__name__} has no primary key value")
        return key

    @property
    def related(self) -> RelatedAccessor:
        """The related managers of the to-many fields: ``await author.related.books.add(book)``,
        ``remove()``, ``set()``, ``clear()`` (Django's ``author.books``; here ``author.books`` is the
        loaded list). Blocking forms: ``author.related.books.sync.add(book)``."""
        return RelatedAccessor(self)

    async def _insert(
        self, conn: Directus, alias: str, drop: Collection[str] = (), reread: Collection[str] = ()
    ) -> None:
        payload = self._insert_payload()
        for name in drop:
            payload.pop(name, None)
        payload = await self._fit_server(conn, payload)
        body = await conn.post(collection_path(self._meta.collection), json=payload,
                               params=self._read_back_params(payload))
        self._take_answer(payload, (body or {}).get("data"), alias, reread)

    async def _fit_server(self, conn: Directus, payload: dict[str, Any]) -> dict[str, Any]:
        """``payload`` without the fields the server's Directus does not have yet (``Meta.fields_since``)
        while they hold None; a value in one raises :class:`UnsupportedByServer` before sending (the
        server would drop it)."""
        since = self._meta.fields_since
        if not since or not any(name in payload for name in since):
            return payload
        version = (await server_info(conn)).version
        if version is None:
            return payload
        absent = {name: needed for name, needed in since.items() if version < needed and name in payload}
        for name, needed in absent.items():
            if payload[name] is not None:
                raise UnsupportedByServer(f"{type(self).__name__}.{name}", ".".join(map(str, needed)),
                                          ".".join(map(str, version)))
        return {k: v for k, v in payload.items() if k not in absent}

    def _take_answer(
        self, payload: dict[str, Any], row: Mapping[str, Any] | None, alias: str, reread: Collection[str] = ()
    ) -> None:
        """The answer to a write of the whole row: its values become the stored ones. ``reread``: fields
        whose local values describe another row (to-many lists after a key change): they take the
        answer's, or become not loaded when it has none."""
        if reread:
            loaded = self._loaded
            state = state_of(self)
            for name in reread:
                self.__dict__.pop(name, None)
            state.deferred = state.deferred | frozenset(reread)
            if loaded is not None:
                self._loaded = {k: v for k, v in loaded.items() if k not in reread}
        if row:
            self._apply_row(row, alias)
        else:  # the role may create but not read: keep what we sent
            self._loaded, self._using = self._snapshot(), alias
        state = state_of(self)
        state.assigned, state.partial = frozenset(), frozenset()
        if row:
            self._check_taken(payload, row)

    async def save(
        self,
        update_fields: Iterable[str] | None = None,
        *,
        force_insert: bool = False,
        using: str | None = None,
        version: str | None = None,
    ) -> None:
        """Insert (POST) when not stored yet, else PATCH only the changed fields (or ``update_fields``).
        To-many fields send the rows added, edited and removed in the list (docs/writes.md). A changed
        primary key writes the row at the new key, as in Django (the old row stays). The server's
        answer (pk, defaults, computed values) is read back into the instance.

        ``version="draft"`` writes the changed fields (or ``update_fields``) to that content version
        of the stored row (created when missing) instead of the row itself: the published row is not
        touched, and the instance keeps its changes as unsaved to it (docs/endpoints.md)."""
        try:
            await self._save(update_fields, force_insert, using, version)
        except InvalidRow as exc:
            # Only a write's answer is validated inside a save: the row was written.
            if exc.written:
                raise
            raise InvalidRow(exc.model, exc.key, exc.errors, written=True) from None

    async def _save(
        self, update_fields: Iterable[str] | None, force_insert: bool, using: str | None, version: str | None
    ) -> None:
        meta = self._meta
        profile = meta.profile
        if version is not None:
            profile.check_write(meta.collection, "update")
            _, conn = self._conn(using)
            await require_endpoint(profile, conn, meta.collection)
            await self._save_to_version(conn, version, update_fields, force_insert)
            return
        inserting = profile.reads != "singleton" and (force_insert or self._loaded is None)
        profile.check_write(meta.collection, "create" if inserting else "update")
        alias, conn = self._conn(using)
        await require_endpoint(profile, conn, meta.collection)
        if profile.reads == "singleton":
            await self._save_singleton(conn, alias, update_fields)
            return
        loaded = self._loaded
        if inserting or loaded is None:
            await self._insert(conn, alias)
            return
        current = self._snapshot()
        if meta.pk_name in current and current[meta.pk_name] != loaded.get(meta.pk_name):
            await self._save_at_new_key(conn, alias)
            return
        if update_fields is not None:
            names = self._named_fields(update_fields, current)
        else:
            names = self._changed(current)
        if not names:
            return  # nothing changed: no request
        self._refuse_unsendable(names, current)
        relations = meta.relations
        many = [n for n in names if n in relations and relations[n].kind != "m2o"]
        unlinks: Unlinks = []
        payload = await self._fit_server(conn, await self._changes_payload(conn, names, current, unlinks))
        row: Mapping[str, Any] | None = None  # none: only junction rows to delete, or a list reordered
        if payload:
            found, row = await patch_item(conn, meta.collection, meta.pk_name, self._loaded_key(), payload,
                                          self._read_back_params(payload))
            if not found:
                await self._save_missing_row(conn, alias, update_fields is not None)
                return
        for rel, junctions in unlinks:  # after the PATCH: a refused one leaves every link in place
            await unlink(conn, rel, junctions)
        if row:
            # Fields changed locally but not saved (update_fields) stay as they are, and stay changed.
            keep = set(names) | {f for f, v in current.items() if loaded.get(f) == v}
            self._apply_row(row, alias, only=keep)
        else:
            self._loaded = {**loaded, **{f: current[f] for f in names}}
        for name in names:
            if name in relations:
                _settle(self.__dict__.get(name))
        state = state_of(self)
        state.assigned = state.assigned - set(many)
        if row:
            self._check_taken(payload, row)

    def _refuse_unsendable(self, names: Iterable[str], current: Mapping[str, Any]) -> None:
        refuse_unsendable(type(self).__name__, self._meta.concealed, current, names)

    def _named_fields(self, update_fields: Iterable[str], current: Mapping[str, Any]) -> list[str]:
        names = list(dict.fromkeys(update_fields))
        unknown = [f for f in names if f not in current]
        if unknown:
            raise FieldError(f"{type(self).__name__} has no field(s) {unknown}; fields: {', '.join(current)}")
        return names

    async def _save_singleton(self, conn: Directus, alias: str, update_fields: Iterable[str] | None) -> None:
        """A singleton has no key to address: ``PATCH <collection path>`` with the changed fields (all set
        fields for an instance never loaded), and the answer read back."""
        meta = self._meta
        current = self._snapshot()
        if update_fields is not None:
            names = self._named_fields(update_fields, current)
        elif self._loaded is None:
            names = list(self._insert_payload())
        else:
            names = self._changed(current)
        names = [n for n in names if n != meta.pk_name]
        if not names:
            return  # nothing changed: no request
        self._refuse_unsendable(names, current)
        unlinks: Unlinks = []
        payload = await self._fit_server(conn, await self._changes_payload(conn, names, current, unlinks))
        body = await conn.patch(collection_path(meta.collection), json=payload,
                                params=self._read_back_params(payload))
        for rel, junctions in unlinks:
            await unlink(conn, rel, junctions)
        row = (body or {}).get("data")
        if not isinstance(row, Mapping):  # the role may update but not read it: keep what was sent
            self._loaded = {**(self._loaded or current), **{f: current[f] for f in names}}
            self._using = alias
            return
        loaded = self._loaded
        keep = set(names) | {f for f, v in current.items() if loaded is None or loaded.get(f) == v}
        self._apply_row(row, alias, only=keep)
        self._check_taken(payload, row)

    async def _save_to_version(
        self, conn: Directus, version: str, update_fields: Iterable[str] | None, force_insert: bool
    ) -> None:
        name = type(self).__name__
        check_version_key(version)
        if force_insert or self._loaded is None:
            raise NotStored(f"{name} is not stored yet: a version belongs to a stored row; save() it first")
        current = self._snapshot()
        pk = self._meta.pk_name
        if pk in current and current[pk] != self._loaded.get(pk):
            raise InvalidUsage(f"{name}: a changed primary key cannot be saved to a version")
        names = (self._named_fields(update_fields, current) if update_fields is not None
                 else self._changed(current))
        relations = self._meta.relations
        many = [n for n in names if n in relations and relations[n].kind != "m2o"]
        if many:
            raise InvalidUsage(f"{name}: to-many fields {many} cannot be saved to a version here; "
                               "use conn.versions.save() with Directus's delta")
        if not names:
            return  # nothing changed: no request
        self._refuse_unsendable(names, current)
        delta = to_jsonable_python(self._payload(names, current))
        await save_to_version(conn, self._meta.collection, self._loaded_key(), version, delta)

    async def _save_missing_row(self, conn: Directus, alias: str, update_fields: bool) -> None:
        """The stored row is gone (someone deleted it): as in Django, a save with ``update_fields``
        fails, a plain save inserts the whole row again at its key - if the model's rows can be recreated
        from their fields (not ``Meta.recreatable = False``, e.g. a file) and the instance holds every column
        (an insert of a row loaded with only()/defer() would lose the others: refused; to-many lists
        not loaded are left out, they are other rows' keys)."""
        name, key = type(self).__name__, self._loaded_key()
        if update_fields:
            raise NotStored(f"Save with update_fields did not affect any rows: {name} with pk {key!r} no "
                            f"longer exists in {self._meta.collection!r}; nothing was written")
        if not self._meta.recreatable:
            raise NotStored(f"{name} with pk {key!r} no longer exists in {self._meta.collection!r}, and its "
                            f"row cannot be recreated from its fields (Meta.recreatable = False); nothing "
                            f"was written")
        relations = self._meta.relations  # a to-many list is other rows' keys, not this row's
        missing = sorted(f for f in self._deferred if f not in relations or relations[f].kind == "m2o")
        if missing:
            raise NotStored(f"{name} with pk {key!r} no longer exists in {self._meta.collection!r}, and "
                            f"inserting it again would lose the field(s) {missing} it was loaded without "
                            f"(only()/defer()); nothing was written. Load them, or create the row anew")
        await self._insert(conn, alias)

    async def _save_at_new_key(self, conn: Directus, alias: str) -> None:
        """Django's save after ``obj.pk = new``: the row at the new key is written whole (inserted, or
        updated if it exists); the row at the old key is left as it is. To-many lists describe the
        old row's relations, so they are not sent; they are read back for the new row."""
        meta = self._meta
        many = [n for n, r in meta.relations.items() if r.kind != "m2o"]
        body = await conn.get(collection_path(meta.collection), params={
            "filter": {meta.pk_name: {"_eq": to_jsonable_python(self.pk)}}, "fields": [meta.pk_name],
            "limit": 1})
        if not (body or {}).get("data"):
            await self._insert(conn, alias, drop=many, reread=many)
            return
        payload = self._insert_payload()
        for name in (*many, meta.pk_name):
            payload.pop(name, None)
        payload = await self._fit_server(conn, payload)
        found, row = await patch_item(conn, meta.collection, meta.pk_name, self.pk, payload,
                                      self._read_back_params(payload))
        if not found:  # deleted since the read: insert it after all
            await self._insert(conn, alias, drop=many, reread=many)
            return
        self._take_answer(payload, row, alias, reread=many)

    def _check_taken(self, payload: Mapping[str, Any], row: Mapping[str, Any]) -> None:
        """Directus drops fields it does not have, silently: a field we sent that the answer (read
        with ``*``) lacks is not in the collection (or the role may not read it)."""
        missing = [f for f in payload if f not in row and f in self._meta.fields]
        if missing:
            loaded = self._loaded
            if loaded is not None:  # not stored: the value stays a change
                self._loaded = {k: v for k, v in loaded.items() if k not in missing}
            raise SchemaMismatch(
                f"Directus collection {self._meta.collection!r} has no field(s) {missing} (or the role may "
                f"not read them): {type(self).__name__} declares them, and the server dropped their values "
                f"without an error. The other fields were saved; add the field(s) in Directus or remove "
                f"them from the model"
            )

    async def delete(self, *, using: str | None = None) -> tuple[int, dict[str, int]]:
        """DELETE this row; returns ``(1, {collection: 1})``, or ``(0, {collection: 0})`` when the row
        did not exist (Directus answers 204 either way: one read checks first). Like Django, the
        instance's pk becomes None afterwards (when the pk field allows None), so a later ``save()``
        inserts a new row. A never-saved instance raises ``NotStored``."""
        meta = self._meta
        meta.profile.check_write(meta.collection, "delete")
        _, conn = self._conn(using)
        await require_endpoint(meta.profile, conn, meta.collection)
        key = (self._loaded or {}).get(meta.pk_name) if self.is_stored else None
        if key is None:
            raise NotStored(f"{type(self).__name__} object can't be deleted because it is not stored "
                            f"(never saved, or already deleted)")
        count = len(await rows_by_key(conn, meta.collection, meta.pk_name, key, {"fields": [meta.pk_name]},
                                      meta.profile))
        if count:
            await delete_item(conn, meta.collection, key)
        self._loaded = None
        state = state_of(self)
        state.assigned, state.partial = frozenset(), frozenset()
        if self._pk_nullable():
            self.__dict__[meta.pk_name] = None
        return count, {meta.collection: count}

    def _pk_nullable(self) -> bool:
        field = type(self).__pydantic_fields__[self._meta.pk_name]
        return _unwrap(field.annotation)[1]

    @classmethod
    async def check(cls, *, using: str | None = None) -> list[Step]:
        """Every difference between this model and its collection on the server (``[]``: none), as
        ``directus-orm check`` names them; admin only. Blocking form: ``Book.sync.check()``."""
        # The schema tools sit above the models (they read them): imported when used.
        from ..schema.api import SchemaTools

        return await SchemaTools(connections[using or cls._meta.connection]).check([cls])

    async def refresh_from_db(self, fields: Sequence[str] | None = None, *, using: str | None = None) -> None:
        """Reload the fields (all, or ``fields``) from the server; raises ``DoesNotExist`` if gone."""
        alias, conn = self._conn(using)
        meta = self._meta
        if fields is not None:
            unknown = [f for f in fields if f not in meta.fields]
            if unknown:
                raise FieldError(f"{type(self).__name__} has no field(s) {unknown}")
        key = (self._loaded or {}).get(meta.pk_name, self.pk)
        await require_endpoint(meta.profile, conn, meta.collection)
        try:
            rows = await rows_by_key(conn, meta.collection, meta.pk_name, key, _read_params(meta, fields),
                                     meta.profile)
        except Forbidden as exc:
            # Directus answers a field it does not have like one the role may not read.
            if fields and "field" in str(exc):
                raise SchemaMismatch(
                    f"{type(self).__name__}: collection {meta.collection!r} has no field(s) among "
                    f"{list(fields)} (or the role may not read them): {exc}"
                ) from exc
            raise
        if not rows:
            raise self.DoesNotExist(f"{type(self).__name__} with pk {key!r} no longer exists")
        lacking = [f for f in fields or () if f not in rows[0]]
        if lacking:  # Directus 10 leaves a field it lacks out of the answer (12 refuses the read)
            raise SchemaMismatch(f"{type(self).__name__}: collection {meta.collection!r} has no field(s) "
                                 f"{lacking} (or the role may not read them)")
        self._apply_row(rows[0], alias, only=fields)
        state = state_of(self)  # to-many lists read again are whole, and no longer assigned
        reread = set(meta.relations if fields is None else fields)
        state.partial, state.assigned = state.partial - reread, state.assigned - reread

    def _read_back_params(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """``fields`` / ``deep`` for a write's answer: related rows sent nested come back whole (their
        new keys and server values are read into the instances). A list that lacks rows reads back only
        the rows it holds and the ones it created, never the others."""
        nested, deep = [], []
        partial = state_of(self).partial
        for name, rel in self._meta.relations.items():
            if name not in payload:
                continue
            value = payload[name]
            detailed = rel.kind != "m2o" and isinstance(value, dict)
            if detailed:
                entries = [*value.get("create", ()), *value.get("update", ())]
            else:
                entries = value if isinstance(value, list) else [value]
            if any(isinstance(v, dict) for v in entries):
                nested.append(name)
            if detailed and name in partial:
                deep.append(((name,), self._partial_read_back(name, rel, value.get("create", []))))
        return _read_params(self._meta, None, nested, deep)

    def _partial_read_back(self, name: str, rel: Analysed, created: Sequence[Any]) -> dict[str, Any]:
        """The ``deep`` entry reading back a partial list after a write: its rows by key, and the rows
        it created - by key when they have one, else the newest ``len(created)`` rows."""
        relation = rel.relation
        pk = rel.model._meta.pk_name
        field = relation.junction_field or pk
        keys = [k for k in related_keys(self.__dict__.get(name) or []) if k is not None]
        new = [relation.unwrap(c) for c in created]
        new_keys = [n.get(pk) if isinstance(n, dict) else n for n in new]
        if any(k is None for k in new_keys):
            # Generated keys: Directus inserts in the order sent, so the created rows are the newest.
            return {"_sort": [f"-{relation.through_pk if relation.junction_field else pk}"],
                    "_limit": len(created)}
        wanted = [*keys, *new_keys]
        return {"_filter": {field: {"_in": wanted}}} if wanted else {"_filter": {field: {"_null": True}}}

    def __repr__(self) -> str:
        fields = " ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"<{type(self).__name__} {fields}>"


def _settle(value: Any) -> None:
    """Stored related instances just written take what was sent as stored (an answer reading back part
    of a list does not cover them all), at every depth."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, DirectusModel) and item.is_stored and item.get_changed_fields():
            for name in item._meta.relations:
                _settle(item.__dict__.get(name))
            item._loaded = {**(item._loaded or {}), **item._snapshot()}
            state = state_of(item)
            state.assigned = frozenset()


def _read_params(
    meta: Options, fields: Sequence[str] | None, nested: Sequence[str] = (),
    deep: Sequence[tuple[tuple[str, ...], dict[str, Any]]] = (),
) -> dict[str, Any]:
    from ..query.query import Query

    query = Query(meta)
    if fields is not None:
        query = query._replace(only=tuple(fields))
    if deep:
        query = query._replace(deep=tuple(deep))
    related = []
    for name in nested:
        rel = meta.relations[name]
        path = rel.relation.hop(name)
        related.append((path, rel.model._meta))
    query = query._replace(related=tuple(related))
    out: dict[str, Any] = {}
    selected = query.fields()
    if selected is not None:
        out["fields"] = selected
    deep_param = query.deep_param()
    if deep_param is not None:
        out["deep"] = deep_param
    return out
