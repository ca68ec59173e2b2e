"""Writing to-many relations.

``save()`` sends a to-many field as Directus's detailed form, ``{"create": [...], "update": [...],
"delete": [...]}``, computed from the keys the list was loaded with: rows added, edited or removed in
the list, and nothing about the rows it never held (a filtered or sliced ``Prefetch`` loads a part).

``obj.related.<field>`` is the field's related manager (Django's ``author.books``), with ``add()``,
``remove()``, ``set()`` and ``clear()`` writing at once, as in Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from uuid import UUID

from pydantic_core import to_jsonable_python

from ..connection.client import Directus, collection_path
from ..connection.paths import item_path
from ..connection.serverinfo import server_info
from ..exceptions import FieldError, NotStored, PartialRelationError, UnexpectedResponse
from ..query.item_writes import patch_item
from ..query.limits import check_lists_whole, query_limit_max
from ..query.schema import Relation
from ..sync import SyncFace
from .options import _unwrap
from .registry import is_model
from .relations import Analysed, distinct_items, item_key
from .state import state_of

_CLEAR_PASSES = 1000
"""At most this many writes of an empty list to clear a to-many relation (Directus 10)."""
_CLEARS_WHOLE_SINCE = (11, 0, 0)
"""From this version on one write of an empty list unlinks every related row (measured on 11.17.4 and
12.4.0 with ``QUERY_LIMIT_MAX=100``: 250 rows in one write); 10.13.4 unlinks 100 per write."""

if TYPE_CHECKING:
    from .base import DirectusModel

__all__ = [
    "RelatedAccessor", "RelatedManager", "Unlinks", "mark_partial", "to_many_write",
    "unlink",
]

R = TypeVar("R", bound="DirectusModel")
RelatedKey = int | str | UUID
"""A related row named by its primary key instead of an instance."""


Unlinks = list[tuple[Analysed, list[Any]]]
"""Junction rows to delete once the owner's PATCH succeeded: (relation, junction keys)."""


async def _changes(conn: Directus, item: Any, unlinks: Unlinks) -> dict[str, Any]:
    """The unsaved changes of a stored related instance, as a payload (its own relations by the same
    rules: to-many lists as what changed in them)."""
    if not is_model(item):
        return {}
    current = item._snapshot()
    return await item._changes_payload(conn, item._changed(current), current, unlinks)


def _junction(rel: Analysed) -> Relation | None:
    """The relation when it goes through a junction collection (many-to-many), else None."""
    return rel.relation if rel.relation.junction_field is not None else None


async def junction_keys(
    conn: Directus, owner: DirectusModel, name: str, rel: Analysed, targets: Sequence[Any] | None
) -> dict[str, list[Any]]:
    """The junction rows linking ``owner`` to ``targets`` (all, when None): target key -> junction keys.
    One read through the owner's item, so the junction's field pointing back need not be declared."""
    m2m = _junction(rel)
    assert m2m is not None
    deep: dict[str, Any] = {"_limit": -1}
    if targets is not None:
        deep["_filter"] = m2m.wrap({"_in": list(targets)})
    meta = owner._meta
    await query_limit_max(conn)  # a junction list cut at the server's limit must not read as whole
    # Filtered on the key rather than by item path: any key length, and a missing owner reads as none.
    body = await conn.get(collection_path(meta.collection), params={
        "filter": {meta.pk_name: {"_eq": to_jsonable_python(owner._loaded_key())}}, "limit": 1,
        "fields": [f"{name}.{m2m.through_pk}", ".".join(m2m.hop(name))], "deep": {name: deep}})
    out: dict[str, list[Any]] = {}
    owners: list[dict[str, Any]] = (body or {}).get("data") or []
    check_lists_whole(conn, owners, {name: deep})
    for row in (owners[0].get(name) if owners else None) or []:
        out.setdefault(str(m2m.unwrap(row)), []).append(row.get(m2m.through_pk))
    return out


def _check_replace(owner: DirectusModel, name: str) -> None:
    """A whole new list replaces the relation only when the one it replaces held every row."""
    state = state_of(owner)
    if name not in state.assigned:
        return
    label = f"{type(owner).__name__}.{name}"
    if name in state.partial:
        raise PartialRelationError(
            f"{label} was loaded through a filtered or sliced Prefetch and then assigned a new list: "
            f"saving cannot tell which of the rows it never held to keep. Use "
            f"`await obj.related.{name}.set([...])` to make the list the whole relation, or "
            f"add()/remove() (or append to / remove from the loaded list) to change only some rows"
        )
    if name not in (owner._loaded or {}):
        raise PartialRelationError(
            f"{label} was not loaded (only()/defer()) and then assigned a new list: use "
            f"`await obj.related.{name}.set([...])` to replace the relation, or add() to add rows"
        )


async def unlink(conn: Directus, rel: Analysed, junctions: Sequence[Any]) -> None:
    """Delete junction rows by key (Django deletes the link; Directus's detailed ``delete`` would
    apply the relation's deselect action, by default leaving the row with a NULL foreign key)."""
    m2m = _junction(rel)
    assert m2m is not None and m2m.through is not None
    if junctions:
        await conn.delete(collection_path(m2m.through), json=list(junctions))


async def to_many_write(
    conn: Directus, owner: DirectusModel, name: str, rel: Analysed, unlinks: Unlinks
) -> dict[str, Any] | None:
    """What ``save()`` sends for the to-many field ``name`` of a stored instance: the rows added,
    edited and removed since it was loaded, in Directus's detailed form (None: nothing). Removed
    many-to-many links of a named junction go to ``unlinks`` (deleted after the owner's PATCH).
    Refuses (before any request) a whole new list over a list that lacked rows."""
    _check_replace(owner, name)
    loaded = [k for k in (owner._loaded or {}).get(name) or [] if k is not None]
    held = {str(k) for k in loaded}
    items = distinct_items(owner.__dict__.get(name) or [])
    m2m = _junction(rel)
    pk = rel.model._meta.pk_name
    create: list[Any] = []
    update: list[dict[str, Any]] = []
    edited: dict[str, dict[str, Any]] = {}  # many-to-many: target key -> changes (junction key needed)
    current: set[str] = set()
    for item in items:
        key = item_key(item)
        if key is None:  # an unsaved instance: Directus creates it (and its junction row)
            payload = item._insert_payload()
            create.append(m2m.wrap(payload) if m2m else payload)
            continue
        current.add(str(key))
        changes = await _changes(conn, item, unlinks)
        if str(key) not in held:  # added: link it (with its changes)
            value = {pk: key, **changes} if changes else key
            if m2m:
                create.append(m2m.wrap(value))
            else:
                update.append({pk: key, **changes})
        elif changes:
            if m2m:
                edited[str(key)] = {pk: key, **changes}
            else:
                update.append({pk: key, **changes})
    removed = [k for k in dict.fromkeys(loaded) if str(k) not in current]
    delete: list[Any] = removed
    if m2m and (removed or edited):
        links = await junction_keys(conn, owner, name, rel, [*removed, *(v[pk] for v in edited.values())])
        delete = [j for k in removed for j in links.get(str(k), [])]
        for target, changes in edited.items():
            update.extend({m2m.through_pk: j, **m2m.wrap(changes)} for j in links.get(target, [])[:1])
    if m2m and m2m.through and delete:
        unlinks.append((rel, delete))
        delete = []
    out = {k: v for k, v in (("create", create), ("update", update), ("delete", delete)) if v}
    return out or None


def mark_partial(objs: Iterable[Any], path: Sequence[str]) -> None:
    """Mark the to-many field at the end of ``path`` (``("orders",)``, ``("orders", "lines")``) as
    lacking rows on each loaded instance (a filtered or sliced ``Prefetch`` loaded it)."""
    for obj in objs:
        if not is_model(obj):
            continue
        if len(path) == 1:
            state = state_of(obj)
            state.partial = state.partial | {path[0]}
            continue
        value = obj.__dict__.get(path[0])
        mark_partial(value if isinstance(value, list) else [value], path[1:])


class RelatedManager(SyncFace, Generic[R]):
    """``obj.related.books``: writes one to-many relation of a stored instance at once, as Django's
    related managers do (``add``, ``remove``, ``set``, ``clear``), and keeps the instance's loaded list
    in step. Related objects must be stored (or given as keys): create new ones with ``save()``."""

    def __init__(self, owner: DirectusModel, name: str, rel: Analysed) -> None:
        self.owner, self.name, self.rel = owner, name, rel

    def __repr__(self) -> str:
        return f"<RelatedManager {type(self.owner).__name__}.{self.name} -> {self.rel.model.__name__}>"

    # -- helpers ------------------------------------------------------------------------------------
    def _keys(self, objs: Iterable[Any], action: str) -> list[Any]:
        out = []
        for obj in objs:
            if is_model(obj):
                if not isinstance(obj, self.rel.model):
                    raise FieldError(f"{self}: {action}() takes {self.rel.model.__name__} instances or keys, "
                                     f"got {type(obj).__name__}")
                if not obj.is_stored:
                    raise NotStored(f"{self}: {action}() takes stored objects; this "
                                    f"{type(obj).__name__} is not saved yet (save() it first, or append it "
                                    f"to the list and save the {type(self.owner).__name__})")
            out.append(item_key(obj))
        return list(dict.fromkeys(out))

    def _conn(self, using: str | None) -> Directus:
        if not self.owner.is_stored:
            raise NotStored(f"{self}: the {type(self.owner).__name__} is not saved yet (save() it first)")
        return self.owner._conn(using)[1]

    async def _write(self, conn: Directus, value: Any) -> None:
        meta = self.owner._meta
        key = self.owner._loaded_key()
        found, _ = await patch_item(conn, meta.collection, meta.pk_name, key, {self.name: value},
                                    {"fields": [meta.pk_name]})
        if not found:
            raise NotStored(f"{self}: the {type(self.owner).__name__} with pk {key!r} no longer exists in "
                            f"{meta.collection!r}; the relation was not written")

    def _local(
        self, objs: Sequence[Any], keys: Sequence[Any], *, add: bool = False, whole: bool = False
    ) -> None:
        """Bring the instance's list (if loaded) in step with what was written."""
        owner, name = self.owner, self.name
        loaded = owner._loaded
        if name not in owner.__dict__ or loaded is None or name in owner._deferred:
            return
        state = state_of(owner)
        wanted = {str(k) for k in keys}
        if whole:
            items, stored = list(objs), list(keys)
            state.partial = state.partial - {name}
        elif add:
            have = {str(item_key(i)) for i in owner.__dict__[name]}
            fresh = [o for o, k in zip(objs, keys, strict=True) if str(k) not in have]
            items = [*owner.__dict__[name], *fresh]
            stored = [*(loaded.get(name) or []), *(k for k in keys if str(k) not in have)]
        else:
            items = [i for i in owner.__dict__[name] if str(item_key(i)) not in wanted]
            stored = [k for k in loaded.get(name) or [] if str(k) not in wanted]
        owner.__dict__[name] = items
        owner._loaded = {**loaded, name: stored}
        state = state_of(owner)
        state.assigned = state.assigned - {name}

    # -- Django's related-manager API ---------------------------------------------------------------
    async def add(self, *objs: R | RelatedKey, using: str | None = None) -> None:
        """Relate these stored objects (or keys): one PATCH of the owner. One-to-many: their foreign key
        is set to the owner; many-to-many: a junction row is created for each object not linked yet
        (one read finds those)."""
        conn = self._conn(using)
        keys = self._keys(objs, "add")
        if not keys:
            return
        m2m = _junction(self.rel)
        pk = self.rel.model._meta.pk_name
        if m2m is None:
            await self._write(conn, {"update": [{pk: k} for k in keys]})
        else:
            linked = await junction_keys(conn, self.owner, self.name, self.rel, keys)
            new = [k for k in keys if str(k) not in linked]
            if new:
                await self._write(conn, {"create": [m2m.wrap(k) for k in new]})
        self._local(list(objs), keys, add=True)

    async def remove(self, *objs: R | RelatedKey, using: str | None = None) -> None:
        """Unrelate these objects (or keys). One-to-many: their foreign key is set to NULL - or, if the
        Directus relation's "deselect action" is *delete*, the rows are deleted - and a foreign key the
        related model declares non-nullable is refused before any request (Django's rule).
        Many-to-many: their junction rows go (one read finds them)."""
        conn = self._conn(using)
        keys = self._keys(objs, "remove")
        if not keys:
            return
        m2m = _junction(self.rel)
        if m2m is None:
            self._check_nullable("remove")
            await self._write(conn, {"delete": keys})
        else:
            linked = await junction_keys(conn, self.owner, self.name, self.rel, keys)
            await self._unlink(conn, [j for k in keys for j in linked.get(str(k), [])])
        self._local(list(objs), keys)

    async def set(
        self, objs: Iterable[R | RelatedKey], *, clear: bool = False, using: str | None = None
    ) -> None:
        """Make ``objs`` the whole relation: rows related now and not in ``objs`` are removed (as in
        ``remove()``), the others added. ``clear=True`` clears first (two requests)."""
        objs = list(objs)
        conn = self._conn(using)
        keys = self._keys(objs, "set")
        m2m = _junction(self.rel)
        if clear:
            await self.clear(using=using)
        if m2m is None:
            if not clear:
                self._check_nullable("set")
            # A list of keys is Directus's "this is the whole relation" form.
            await self._write(conn, keys)
        else:
            linked = {} if clear else await junction_keys(conn, self.owner, self.name, self.rel, None)
            wanted = {str(k) for k in keys}
            create = [m2m.wrap(k) for k in keys if str(k) not in linked]
            if create:
                await self._write(conn, {"create": create})
            await self._unlink(conn, [j for target, js in linked.items() if target not in wanted for j in js])
        self._local(objs, keys, whole=True)

    async def clear(self, *, using: str | None = None) -> None:
        """Remove every related row (as in ``remove()``): one PATCH of the owner with an empty list."""
        conn = self._conn(using)
        m2m = _junction(self.rel)
        if m2m is None:
            self._check_nullable("clear")
        if m2m is not None and m2m.through:
            linked = await junction_keys(conn, self.owner, self.name, self.rel, None)
            await self._unlink(conn, [j for js in linked.values() for j in js])
        else:
            await self._write(conn, [])
            if (await server_info(conn)).at_least(_CLEARS_WHOLE_SINCE) is False:
                await self._until_cleared(conn)
        self._local([], [], whole=True)

    async def _until_cleared(self, conn: Directus) -> None:
        """Directus 10 unlinks only the first ``QUERY_LIMIT_MAX`` related rows of an empty list and
        answers success: the write is repeated until the owner has none left (each pass unlinks more)."""
        meta = self.owner._meta
        path = item_path(meta.collection, self.owner._loaded_key())
        params = {"fields": [self.name], "deep": {self.name: {"_limit": 1}}}
        for _ in range(_CLEAR_PASSES):
            row = ((await conn.get(path, params=params)) or {}).get("data") or {}
            if not row.get(self.name):
                return
            await self._write(conn, [])
        raise UnexpectedResponse(f"{self}: related rows were still linked after {_CLEAR_PASSES} clears",
                                 status=200, method="PATCH", path=path)

    async def _unlink(self, conn: Directus, junctions: list[Any]) -> None:
        m2m = _junction(self.rel)
        assert m2m is not None
        if m2m.through:
            await unlink(conn, self.rel, junctions)
        elif junctions:
            await self._write(conn, {"delete": junctions})

    def _check_nullable(self, action: str) -> None:
        """Django's ``remove()`` / ``clear()`` exist only where the foreign key may be NULL."""
        owner_model = type(self.owner)
        related = self.rel.model._meta
        back = [n for n, r in related.relations.items() if r.kind == "m2o" and r.model is owner_model]
        annotation = self.rel.model.__pydantic_fields__[back[0]].annotation if len(back) == 1 else None
        if annotation is not None and not _unwrap(annotation)[1]:
            raise FieldError(
                f"{self}: {action}() would set {self.rel.model.__name__}.{back[0]} to NULL, and it is not "
                f"nullable; delete the related rows instead"
            )


class RelatedAccessor:
    """``obj.related``: the related manager of each to-many field, by attribute (``obj.related.books``)."""

    __slots__ = ("_owner",)

    def __init__(self, owner: DirectusModel) -> None:
        self._owner = owner

    def __getattr__(self, name: str) -> RelatedManager[Any]:
        owner = self._owner
        rel = owner._meta.relations.get(name)
        if rel is None or rel.kind == "m2o":
            many = [n for n, r in owner._meta.relations.items() if r.kind != "m2o"]
            raise FieldError(f"{type(owner).__name__}.{name} is not a to-many relation; to-many fields: "
                             f"{', '.join(many) or 'none'}")
        return RelatedManager(owner, name, rel)

    def __dir__(self) -> list[str]:
        return [n for n, r in self._owner._meta.relations.items() if r.kind != "m2o"]
