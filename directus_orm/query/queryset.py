"""``QuerySet``: lazy, immutable, chainable; awaited (or iterated) to run.

``await qs`` returns a list, ``async for`` streams page by page (``limit`` + ``offset`` with the primary
key appended to the sort, so pages never overlap and memory stays flat). Unsliced reads page until a
short page: Directus's default ``limit`` of 100 never truncates a result.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Generator, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from typing_extensions import Self

from ..connection.client import Directus, collection_path
from ..connection.registry import connections
from ..exceptions import DirectusError, FieldError, RecordNotUnique
from .adapter import RowAdapter
from .compiler import NOTHING, Query
from .q import Q

if TYPE_CHECKING:
    from ..sync import SyncProxy

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_GET_RESULTS", "MAX_SLICE_REQUEST", "QuerySet"]

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 500
#: ``await qs[a:b]`` materialises the whole slice anyway, so it asks for it in one request (up to this
#: many rows per request) instead of page-sized ones: fewer round trips, same memory.
MAX_SLICE_REQUEST = 10_000
#: get() reads this many rows at most, to say how many it found (as Django does).
MAX_GET_RESULTS = 21


class QuerySet(Generic[T]):
    """A lazy Directus query returning ``T`` (a model, or ``dict`` for :func:`~directus_orm.collection`)."""

    def __init__(self, adapter: RowAdapter[T], query: Query | None = None, using: str | None = None) -> None:
        self._adapter = adapter
        self._query = query if query is not None else Query(adapter.schema).with_default_ordering(
            adapter.default_ordering
        )
        self._using = using

    # -- cloning ------------------------------------------------------------------------------------
    def _clone(self, **query_changes: Any) -> Self:
        clone = copy.copy(self)
        if query_changes:
            clone._query = dataclasses.replace(self._query, **query_changes)
        return clone

    def _with_query(self, query: Query) -> Self:
        clone = copy.copy(self)
        clone._query = query
        return clone

    def _not_sliced(self, action: str) -> None:
        if self._query.is_sliced:
            raise TypeError(f"Cannot {action} a query once a slice has been taken.")

    # -- introspection ------------------------------------------------------------------------------
    @property
    def query(self) -> Query:
        """The compiled query: ``str(qs.query)`` shows the Directus parameters."""
        return self._query

    @property
    def db(self) -> str:
        """The connection alias this query runs on."""
        return self._using or self._adapter.default_alias

    @property
    def model(self) -> Any:
        return getattr(self._adapter, "model", None)

    @property
    def ordered(self) -> bool:
        return self._query.is_ordered

    def __str__(self) -> str:
        return str(self._query)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._query}>"

    def __bool__(self) -> bool:
        raise TypeError("a QuerySet has no truth value without a request: use `await qs.exists()`")

    # -- chainable ----------------------------------------------------------------------------------
    def all(self) -> Self:
        return self._clone()

    def none(self) -> Self:
        return self._clone(filter=NOTHING)

    def filter(self, *args: Q, **kwargs: Any) -> Self:
        self._not_sliced("filter")
        return self._with_query(self._query.where(Q(*args, **kwargs)))

    def exclude(self, *args: Q, **kwargs: Any) -> Self:
        self._not_sliced("filter")
        return self._with_query(self._query.where(Q(*args, **kwargs), negated=True))

    def order_by(self, *fields: str) -> Self:
        self._not_sliced("reorder")
        return self._with_query(self._query.order_by(*fields))

    def reverse(self) -> Self:
        self._not_sliced("reverse")
        return self._with_query(self._query.reversed())

    def search(self, term: str) -> Self:
        """Directus's full-text ``search`` over the collection's text fields."""
        return self._clone(search=term)

    def using(self, alias: str) -> Self:
        clone = self._clone()
        clone._using = alias
        return clone

    @overload
    def __getitem__(self, k: int) -> Awaitable[T]: ...
    @overload
    def __getitem__(self, k: slice) -> Self: ...
    def __getitem__(self, k: int | slice) -> Awaitable[T] | Self:
        """``qs[10:20]`` -> offset/limit (lazy); ``await qs[3]`` -> one row (IndexError if none)."""
        if isinstance(k, slice):
            if k.step not in (None, 1):
                raise ValueError("QuerySet slices do not support a step")
            if (k.start is not None and k.start < 0) or (k.stop is not None and k.stop < 0):
                raise ValueError("Negative indexing is not supported.")
            return self._with_query(self._query.sliced(k.start, k.stop))
        if not isinstance(k, int) or isinstance(k, bool):
            raise TypeError(f"QuerySet indices must be integers or slices, not {type(k).__name__}")
        if k < 0:
            raise ValueError("Negative indexing is not supported.")
        return self._index(k)

    async def _index(self, k: int) -> T:
        rows = await self._with_query(self._query.sliced(k, k + 1))._fetch_all()
        if not rows:
            raise IndexError(f"QuerySet index {k} out of range")
        return rows[0]

    # -- running ------------------------------------------------------------------------------------
    def _conn(self) -> Directus:
        return connections[self.db]

    @property
    def _path(self) -> str:
        return collection_path(self._adapter.schema.collection)

    def _page_size(self) -> int:
        return int(connections.option(self.db, "page_size", DEFAULT_PAGE_SIZE) or DEFAULT_PAGE_SIZE)

    async def _rows(
        self, chunk_size: int | None = None, fields: Sequence[str] | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Raw rows, one page-sized request at a time."""
        query = self._query
        if query.is_empty:
            return
        size = chunk_size or self._page_size()
        if size < 1:
            raise ValueError(f"page size must be positive, got {size}")
        conn = self._conn()
        base = query.filter_params()
        base["sort"] = query.sort()
        if fields is not None:
            base["fields"] = list(fields)
        offset = query.low
        remaining = None if query.high is None else query.high - query.low
        while remaining is None or remaining > 0:
            limit = size if remaining is None else min(size, remaining)
            params = {**base, "limit": limit}
            if offset:
                params["offset"] = offset
            body = await conn.get(self._path, params=params)
            rows: list[dict[str, Any]] = (body or {}).get("data") or []
            for row in rows:
                yield row
            if len(rows) < limit:
                return
            offset += len(rows)
            if remaining is not None:
                remaining -= len(rows)

    async def _fetch_all(self) -> list[T]:
        alias = self.db
        query = self._query
        chunk = None if query.high is None else min(query.high - query.low, MAX_SLICE_REQUEST)
        return [self._adapter.load(row, alias) async for row in self._rows(chunk)]

    def __await__(self) -> Generator[Any, None, list[T]]:
        return self._fetch_all().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        alias = self.db
        async for row in self._rows():
            yield self._adapter.load(row, alias)

    async def iterator(self, chunk_size: int | None = None) -> AsyncIterator[T]:
        """Stream results, ``chunk_size`` rows per request (default: the alias's ``page_size``)."""
        alias = self.db
        async for row in self._rows(chunk_size):
            yield self._adapter.load(row, alias)

    def __iter__(self) -> Iterator[T]:
        """Sync iteration (``for x in qs``, ``list(qs)``), derived from ``async for``."""
        from ..sync import iterate

        return iterate(self.__aiter__, name=type(self).__name__)

    @property
    def sync(self) -> SyncProxy[Self]:
        """Blocking forms of the terminal methods: ``qs.sync.get(code="el")``."""
        from ..sync import SyncProxy

        return SyncProxy(self)

    # -- terminal: reading --------------------------------------------------------------------------
    async def get(self, *args: Q, **kwargs: Any) -> T:
        qs = self.filter(*args, **kwargs) if args or kwargs else self
        found = await qs[:MAX_GET_RESULTS]._fetch_all()
        if len(found) == 1:
            return found[0]
        adapter = self._adapter
        if not found:
            raise adapter.does_not_exist(f"{adapter.label}: get() found no row matching {qs.query}")
        more = "more than " if len(found) == MAX_GET_RESULTS else ""
        raise adapter.multiple_objects_returned(
            f"{adapter.label}: get() returned more than one row -- it returned {more}"
            f"{len(found) - (1 if more else 0)}! ({qs.query})"
        )

    async def first(self) -> T | None:
        found = await self[:1]._fetch_all()
        return found[0] if found else None

    async def last(self) -> T | None:
        found = await self.reverse()[:1]._fetch_all()
        return found[0] if found else None

    def _latest_fields(self, fields: tuple[str, ...], method: str) -> tuple[str, ...]:
        fields = fields or tuple(self._adapter.get_latest_by)
        if not fields:
            raise ValueError(f"{method}() needs field names, or Meta.get_latest_by on the model")
        return fields

    async def earliest(self, *fields: str) -> T:
        self._not_sliced("change the ordering of")
        return await self.order_by(*self._latest_fields(fields, "earliest")).get_first()

    async def latest(self, *fields: str) -> T:
        self._not_sliced("change the ordering of")
        return await self.order_by(*self._latest_fields(fields, "latest")).reverse().get_first()

    async def get_first(self) -> T:
        """Like first(), raising ``DoesNotExist`` instead of returning None."""
        obj = await self.first()
        if obj is None:
            raise self._adapter.does_not_exist(f"{self._adapter.label}: no row matches {self.query}")
        return obj

    async def count(self) -> int:
        query = self._query
        if query.is_empty:
            return 0
        params = {**query.filter_params(), "aggregate": {"count": "*"}}
        body = await self._conn().get(self._path, params=params)
        data = (body or {}).get("data") or [{}]
        total = int(data[0].get("count") or 0)  # Directus may answer the count as a string
        total = max(0, total - query.low)
        return total if query.high is None else min(total, query.high - query.low)

    async def exists(self) -> bool:
        async for _ in self[:1]._rows(fields=[self._adapter.schema.pk_name]):
            return True
        return False

    async def in_bulk(self, id_list: Iterable[Any] | None = None, *, field_name: str = "pk") -> dict[Any, T]:
        """``{value of field_name: result}`` for the given values (all rows when ``id_list`` is None)."""
        name = self._adapter.schema.pk_name if field_name == "pk" else field_name
        qs = self
        if id_list is not None:
            ids = list(id_list)
            if not ids:
                return {}
            qs = self.filter(**{f"{name}__in": ids})
        return {self._adapter.value_of(obj, name): obj async for obj in qs}

    # -- terminal: writing --------------------------------------------------------------------------
    async def create(self, **kwargs: Any) -> T:
        """Insert a row (POST) and return it with the server's values (pk, defaults)."""
        return await self._adapter.insert(self._adapter.build(kwargs), self.db)

    async def get_or_create(self, defaults: Mapping[str, Any] | None = None, **kwargs: Any) -> tuple[T, bool]:
        try:
            return await self.get(**kwargs), False
        except self._adapter.does_not_exist:
            pass
        values = {k: v for k, v in kwargs.items() if "__" not in k}
        values.update(defaults or {})
        try:
            return await self.create(**values), True
        except RecordNotUnique:
            # Someone created it between our get() and create(): theirs wins, as in Django.
            try:
                return await self.get(**kwargs), False
            except self._adapter.does_not_exist:
                pass
            raise

    async def update_or_create(
        self,
        defaults: Mapping[str, Any] | None = None,
        create_defaults: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> tuple[T, bool]:
        defaults = dict(defaults or {})
        try:
            obj = await self.get(**kwargs)
        except self._adapter.does_not_exist:
            values = {k: v for k, v in kwargs.items() if "__" not in k}
            values.update(defaults if create_defaults is None else create_defaults)
            return await self.create(**values), True
        if defaults:
            obj = await self._adapter.update(obj, defaults, self.db)
        return obj, False

    async def update(self, **values: Any) -> int:
        """One ``PATCH /items/<c>`` by query; returns the number of rows updated (the keys Directus
        reads back, so 0 if the role may update but not read them)."""
        self._not_sliced("update")
        if not values:
            raise FieldError("update() needs at least one field=value")
        data = self._adapter.prepare_values(values, "update()")
        if self._query.is_empty:
            return 0
        pk = self._adapter.schema.pk_name
        body = await self._conn().patch(
            self._path,
            # limit -1: without it Directus updates only the first 100 matching rows.
            json={"query": {**self._query.filter_params(), "limit": -1}, "data": data},
            params={"fields": [pk]},
        )
        return len((body or {}).get("data") or [])

    async def delete(self) -> tuple[int, dict[str, int]]:
        """One ``DELETE /items/<c>`` by query. Returns ``(count, {collection: count})`` like Django;
        Directus answers 204 with no body, so the count is taken just before the delete."""
        self._not_sliced("delete")
        collection = self._adapter.schema.collection
        count = await self.count()
        if count:
            # limit -1: without it Directus deletes only the first 100 matching rows.
            query = {**self._query.filter_params(), "limit": -1}
            await self._conn().delete(self._path, json={"query": query})
        return count, {collection: count}

    async def bulk_create(self, objs: Iterable[T], batch_size: int | None = None) -> list[T]:
        """Insert in batches (one ``POST`` of an array per batch); returns the stored results (model
        instances get their pk and server defaults)."""
        objs = list(objs)
        if batch_size is not None and batch_size < 1:
            raise ValueError("batch_size must be positive")
        size = batch_size or len(objs) or 1
        adapter, alias, pk = self._adapter, self.db, self._adapter.schema.pk_name
        out: list[T] = []
        for start in range(0, len(objs), size):
            batch = objs[start:start + size]
            payloads = [adapter.insert_payload(obj) for obj in batch]
            body = await self._conn().post(self._path, json=payloads)
            rows: list[dict[str, Any]] = (body or {}).get("data") or []
            out.extend(adapter.after_insert(obj, row, alias) for obj, row in
                       zip(batch, _match_rows(payloads, rows, pk), strict=True))
        return out

    async def bulk_update(
        self, objs: Iterable[T], fields: Sequence[str], batch_size: int | None = None
    ) -> int:
        """Write ``fields`` of each object, one ``PATCH`` of an array per batch; returns rows updated."""
        objs = list(objs)
        fields = list(fields)
        if not fields:
            raise ValueError("bulk_update() needs field names")
        if batch_size is not None and batch_size < 1:
            raise ValueError("batch_size must be positive")
        adapter, pk = self._adapter, self._adapter.schema.pk_name
        if pk in fields:
            raise ValueError("bulk_update() cannot update the primary key")
        size = batch_size or len(objs) or 1
        updated = 0
        for start in range(0, len(objs), size):
            batch = objs[start:start + size]
            payload = []
            for obj in batch:
                key = adapter.value_of(obj, pk)
                if key is None:
                    raise ValueError("bulk_update() objects must have a primary key")
                values = {f: adapter.value_of(obj, f) for f in fields}
                payload.append({pk: key, **adapter.prepare_values(values, "bulk_update()")})
            body = await self._conn().patch(self._path, json=payload, params={"fields": [pk]})
            updated += len((body or {}).get("data") or batch)
            for obj in batch:
                adapter.after_update(obj, fields, self.db)
        return updated


def _match_rows(payloads: list[dict[str, Any]], rows: list[dict[str, Any]], pk: str) -> list[dict[str, Any]]:
    """Pair each inserted payload with its returned row. Directus reads the created rows back by key,
    not in input order: match by pk when we sent them, else by ascending generated key."""
    if len(rows) != len(payloads):
        raise DirectusError(
            f"Directus returned {len(rows)} rows for {len(payloads)} inserted (may the role read them?)"
        )
    if all(p.get(pk) is not None for p in payloads):
        by_key = {str(r.get(pk)): r for r in rows}
        try:
            return [by_key[str(p[pk])] for p in payloads]
        except KeyError:
            pass
    return sorted(rows, key=lambda r: (isinstance(r.get(pk), str), r.get(pk)))
