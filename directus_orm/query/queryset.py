"""``QuerySet``: lazy, immutable, chainable; awaited (or iterated) to run.

``await qs`` returns a list (in one request when the server allows it), ``async for`` streams page by
page with the primary key appended to the sort (a keyset cursor where the order allows one, else
``offset``), so memory stays flat. Unsliced reads page until a short page: Directus's default ``limit``
of 100 never truncates a result.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar, cast, overload

from pydantic_core import to_jsonable_python
from typing_extensions import Self

from .. import graphql
from ..connection.client import Directus, collection_path, item_path, key_in_path
from ..connection.profiles import EndpointProfile, endpoint_profile, require_endpoint
from ..connection.registry import connections
from ..connection.serverinfo import known_server_info, require_version, server_info
from ..exceptions import (
    DirectusError,
    FieldError,
    Forbidden,
    InvalidArgument,
    InvalidQuery,
    InvalidUsage,
    RecordNotUnique,
    UnexpectedResponse,
)
from ..sync import SyncFace, SyncProxy, unwrap
from .adapter import RowAdapter
from .aggregates import Aggregate, Count
from .counting import count_aggregate, counted, distinct_keys
from .emulation import emulate
from .introspected import check_field_paths, check_filter_fields, introspect, needed_depth
from .keyset import keyset_for
from .limits import UNLIMITED, check_lists_whole, query_limit_max, wants_whole_lists
from .local import local_filter_problem, matches
from .projection import DICTS, Column, RowShape, aggregate_column, explode, row_shape, value_columns
from .q import Q
from .query import Query
from .schema import (
    LOOKUP_SEP,
    AnnotatedSchema,
    FieldInfo,
    OpenSchema,
    RelatedPath,
    key_relations,
    relation_paths,
    resolve_field_path,
)
from .sendable import refuse_unsendable
from .unknown_fields import refuse_unknown_fields
from .where import NOTHING
from .written import confirm_fields, mismatch, missing_fields

if TYPE_CHECKING:
    from ..realtime.backoff import Backoff
    from ..realtime.subscription import Subscription

__all__ = [
    "DEFAULT_PAGE_SIZE", "DELETE_BATCH", "MAX_GET_RESULTS", "MAX_SLICE_REQUEST", "Page", "Prefetch",
    "QuerySet", "ResultStream",
]

T = TypeVar("T")
Params = dict[str, Any]
Cursor: TypeAlias = "tuple[int, ...] | None"

DEFAULT_PAGE_SIZE = 500
MAX_SLICE_REQUEST = 10_000
"""``await qs[a:b]`` materialises the whole slice anyway: when the server does not say how many rows a
request may ask for, it asks for up to this many per request instead of page-sized ones."""
DELETE_BATCH = 5_000
"""``queryset.delete()`` sends the keys it deletes in bodies of at most this many (Directus refuses bodies
over 1 MB)."""
DIRECTUS_DEFAULT_LIMIT = 100
"""Directus's own default ``limit`` (``QUERY_LIMIT_DEFAULT``)."""
MAX_GET_RESULTS = 21
"""get() reads this many rows at most, to say how many it found (as Django does)."""


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidArgument("a count is an integer")
    return int(value)


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    return value


@dataclass
class Page(Generic[T]):
    """``await qs[20:30].with_meta()``: the results, plus Directus's ``total_count`` (rows in the
    collection) and ``filter_count`` (rows matching the filter, before the slice)."""

    results: list[T]
    total_count: int
    filter_count: int

    def __iter__(self) -> Iterator[T]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, index: int) -> T:
        return self.results[index]


class Prefetch:
    """``prefetch_related(Prefetch("books", queryset=Book.objects.filter(pages__gt=100)
    .order_by("-pages")[:3]))`` -> ``deep[books][_filter|_sort|_limit|_offset]``: the related rows
    are filtered, sorted and cut by the server, in the same request."""

    def __init__(self, lookup: str, queryset: QuerySet[Any] | SyncProxy[QuerySet[Any]] | None = None) -> None:
        self.lookup = lookup
        # A sync face's chain (Book.objects.sync.filter(...)) stands for its QuerySet.
        self.queryset = unwrap(queryset) if isinstance(queryset, SyncProxy) else queryset

    def __repr__(self) -> str:
        return f"<Prefetch {self.lookup!r}{' with a queryset' if self.queryset is not None else ''}>"


class QuerySet(SyncFace, Generic[T]):
    """A lazy Directus query returning ``T`` (a model, or ``dict`` for :func:`~directus_orm.collection`)."""

    _sync_chains = True  # Book.objects.sync.filter(...) is a sync face too: its chain stays sync

    def __init__(self, adapter: RowAdapter[T], query: Query | None = None, using: str | None = None) -> None:
        self._adapter = adapter
        self._query = query if query is not None else adapter.base_query()
        self._using = using
        self._shape: RowShape = DICTS  # how values() rows become results (values_list(): tuples ...)
        self._client_distinct = False  # distinct() over to-many columns: de-duplicated here
        self._graphql = False  # reads go to /graphql (using_graphql())

    # -- cloning ------------------------------------------------------------------------------------
    def _clone(self, **query_changes: Any) -> Self:
        # Not copy.copy (slower): every chained call clones, and get() is a chain.
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        if query_changes:
            clone._query = self._query._replace(**query_changes)
        return clone

    def _with_query(self, query: Query) -> Self:
        clone = self._clone()
        clone._query = query
        return clone

    def _not_sliced(self, action: str) -> None:
        if self._query.is_sliced:
            raise InvalidUsage(f"Cannot {action} a query once a slice has been taken.")

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
        """The model class the rows become (``None`` for the dicts of :func:`~directus_orm.collection`)."""
        return getattr(self._adapter, "model", None)

    @property
    def ordered(self) -> bool:
        """Whether the results have an order: an ``order_by()`` or the model's ``Meta.ordering`` (Django's
        ``qs.ordered``). Every request also sorts by the primary key last, so pages never overlap."""
        return self._query.is_ordered

    def __str__(self) -> str:
        return str(self._query)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._query}>"

    def __bool__(self) -> bool:
        raise InvalidUsage("a QuerySet has no truth value without a request: use `await qs.exists()` "
                           "(sync code: `qs.sync.exists()`)")

    # -- chainable ----------------------------------------------------------------------------------
    def all(self) -> Self:
        """A copy of this QuerySet (Django's ``all()``): ``Book.objects.all()`` reads every row, lazily."""
        return self._clone()

    def none(self) -> Self:
        """A QuerySet that matches nothing: awaiting it gives ``[]`` and ``count()`` gives 0, without a
        request."""
        return self._clone(filter=NOTHING)

    def filter(self, *args: Q, **kwargs: Any) -> Self:
        """Keep the rows matching the lookups, ANDed together (Directus's ``filter``), as in Django::

            Book.objects.filter(title__icontains="dune", pages__gt=300)
            Book.objects.filter(Q(author__name="Herbert") | Q(year__lt=1970))

        Lookups follow relations with ``__`` (``author__name``); a lookup Directus cannot express raises
        ``UnsupportedLookup`` before any request. Not allowed after a slice."""
        self._not_sliced("filter")
        return self._with_query(self._query.where(Q(*args, **kwargs)))

    def exclude(self, *args: Q, **kwargs: Any) -> Self:
        """Drop the rows matching the lookups (the negation of :meth:`filter`, Django's NULL handling
        included: ``exclude(x=1)`` keeps the rows where ``x`` is NULL)::

            Book.objects.exclude(genre="poetry")"""
        self._not_sliced("filter")
        return self._with_query(self._query.where(Q(*args, **kwargs), negated=True))

    def order_by(self, *fields: str) -> Self:
        """Order the results by these fields (``"-year"`` descending, ``"author__name"`` through a relation);
        replaces any previous ordering, ``order_by()`` with no field clears it. Sent as Directus's ``sort``::

            Book.objects.order_by("-year", "title")"""
        self._not_sliced("reorder")
        return self._with_query(self._query.order_by(*fields))

    def reverse(self) -> Self:
        """Reverse the ordering (the explicit one, or ``Meta.ordering``), as in Django."""
        self._not_sliced("reverse")
        return self._with_query(self._query.reversed())

    def search(self, term: str) -> Self:
        """Directus's full-text ``search`` over the collection's text fields."""
        return self._clone(search=term)

    def version(self, key: str | None) -> Self:
        """Read a content version (its ``key``, e.g. ``"draft"``) instead of the published rows:
        Directus answers the rows that have that version, each with the version's changes applied
        (filters, ordering and slices see the versioned values). ``None`` (or ``"published"``) reads
        the published rows. Reads only: writes through such a QuerySet are refused before any request
        (save to a version with ``obj.save(version=...)``). See docs/endpoints.md."""
        if key is not None and (not isinstance(key, str) or not key):
            raise InvalidArgument(f"version() takes a version key (a non-empty string) or None, got {key!r}")
        return self._clone(version=key)

    def _not_versioned(self, action: str) -> None:
        if self._query.version is not None:
            raise InvalidUsage(f"Cannot {action} a QuerySet reading the version {self._query.version!r}: "
                               "versions are written with obj.save(version=...) or conn.versions.save(...)")

    def using_graphql(self, enabled: bool = True) -> Self:
        """Run this query's reads over GraphQL (``/graphql``), compiled from the same query: the same
        results, in one request per read (no paging). Writes still use REST. See docs/graphql.md."""
        clone = self._clone()
        clone._graphql = bool(enabled)
        return clone

    def using(self, alias: str) -> Self:
        """Run this QuerySet on another configured connection: ``Book.objects.using("replica")``."""
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
                raise InvalidArgument("QuerySet slices do not support a step")
            if (k.start is not None and k.start < 0) or (k.stop is not None and k.stop < 0):
                raise InvalidArgument("Negative indexing is not supported.")
            return self._with_query(self._query.sliced(k.start, k.stop))
        if not isinstance(k, int) or isinstance(k, bool):
            raise InvalidUsage(f"QuerySet indices must be integers or slices, not {type(k).__name__}")
        if k < 0:
            raise InvalidArgument("Negative indexing is not supported.")
        return self._index(k)

    async def _index(self, k: int) -> T:
        rows = await self._with_query(self._query.sliced(k, k + 1))._fetch_all()
        if not rows:
            raise IndexError(f"QuerySet index {k} out of range")
        return rows[0]

    # -- relations, projection, aggregation ----------------------------------------------------------
    def _add_related(self, paths: Iterable[RelatedPath]) -> Self:
        related = list(self._query.related)
        known = {p for p, _ in related}
        for path, schema, _ in paths:
            if path not in known:
                related.append((path, schema))
                known.add(path)
        return self._clone(related=tuple(related))

    def select_related(self, *fields: str | None) -> Self:
        """Load many-to-one relations (chains too: ``"author__publisher"``) in the same request
        (``fields=*,author.*``). ``select_related(None)`` clears the list."""
        if fields == (None,):
            return self._clone(related=())
        schema = self._query.schema
        paths = [p for f in fields for p in relation_paths(schema, str(f), "select_related", False)]
        return self._add_related(paths)

    def prefetch_related(self, *lookups: str | Prefetch | None) -> Self:
        """Load relations of any kind in the same request (``fields=*,books.*``); a :class:`Prefetch`
        with a queryset filters, sorts and slices the related rows (``deep[books][_filter|_sort|_limit]``).
        ``prefetch_related(None)`` clears the list."""
        if lookups == (None,):
            clone = self._clone(related=(), deep=())
            clone._adapter = clone._adapter.with_partial(())
            return clone
        clone = self
        deep = list(self._query.deep)
        partial = list(self._adapter.partial)
        for lookup in lookups:
            prefetch = lookup if isinstance(lookup, Prefetch) else Prefetch(str(lookup))
            paths = relation_paths(self._query.schema, prefetch.lookup, "prefetch_related", True)
            clone = clone._add_related(paths)
            if prefetch.queryset is not None:
                last = paths[-1]
                deep.append(prefetch.queryset.query.prefetch_entry(prefetch.lookup, last))
                clone = clone._add_related(
                    [((*last[0], *inner), s, None) for inner, s in prefetch.queryset.query.related]
                )
                # The lists it loads lack rows: saving them must not drop the rows they lack.
                names = tuple(prefetch.lookup.split("__"))
                inner_query = prefetch.queryset.query
                restricted = isinstance(inner_query.filter, dict) or inner_query.search is not None
                if restricted or inner_query.is_sliced:
                    partial.append(names)
                partial.extend((*names, *p) for p in prefetch.queryset._adapter.partial)
        clone = clone._clone(deep=tuple(deep))
        clone._adapter = clone._adapter.with_partial(tuple(dict.fromkeys(partial)))
        return clone

    def only(self, *fields: str) -> Self:
        """Read only these fields (and the primary key); ``author__name`` reads one field of a relation.
        Reading a field that was not loaded raises ``DeferredFieldError`` (never a silent None)."""
        if not fields:
            raise FieldError("only() needs field names")
        paths = []
        for name in fields:
            parts = name.split(LOOKUP_SEP)
            for i in range(1, len(parts)):  # related rows read partly still carry their key
                hop = resolve_field_path(self._query.schema, LOOKUP_SEP.join(parts[:i]), f"only({name!r})",
                                         date_parts=False)
                hop_rel = hop.field.relation
                if hop.relation_end and hop_rel is not None:
                    paths.append(".".join((hop.directus, *hop_rel.hop(hop.field.name)[1:],
                                           hop_rel.schema().pk_name)))
            fp = resolve_field_path(self._query.schema, name, f"only({name!r})", date_parts=False)
            rel = fp.field.relation
            if fp.relation_end and rel is not None:
                paths.append(".".join((fp.directus, *rel.hop(fp.field.name)[1:])))
            else:
                paths.append(fp.directus)
        return self._clone(only=tuple(dict.fromkeys(paths)), defer=())

    def defer(self, *fields: str | None) -> Self:
        """Read every field but these (``defer(None)`` clears); see :meth:`only`."""
        if fields == (None,):
            return self._clone(defer=(), only=None)
        schema = self._query.schema
        if not schema.field_names():
            raise FieldError("defer() needs a model (the list of fields); use only() on a collection")
        names = []
        for name in fields:
            info = schema.get_field(schema.pk_name if name == "pk" else str(name))
            if info is None:
                raise FieldError(f"defer({name!r}): {schema.label} has no field {name!r}; "
                                 f"fields: {', '.join(schema.field_names())}")
            if info.name == schema.pk_name:
                raise FieldError("defer(): the primary key is always loaded")
            names.append(info.name)
        return self._clone(defer=tuple(dict.fromkeys([*self._query.defer, *names])), only=None)

    def values(self, *fields: str, **expressions: str) -> QuerySet[dict[str, Any]]:
        """Results as dicts of these fields; ``rel__field`` paths reach into relations (a to-many path
        gives one dict per related row), ``published__year`` date parts, ``n="path"`` names a path. With
        no names: the model's fields (no to-many ones); a collection with no model: every field the
        server answers (``fields=*``)."""
        columns = value_columns(self._query, fields, expressions, "values")
        clone = self._clone(columns=tuple(columns), group_by=None)
        clone._shape = DICTS
        clone._client_distinct = False
        return cast("QuerySet[dict[str, Any]]", clone)

    def values_list(self, *fields: str, flat: bool = False, named: bool = False) -> QuerySet[Any]:
        """Results as tuples (``flat=True``: the single field's values; ``named=True``: namedtuples)."""
        if flat and named:
            raise InvalidUsage("'flat' and 'named' can't be used together.")
        if flat and len(fields) > 1:
            raise InvalidUsage("'flat' is not valid when values_list is called with more than one field.")
        columns = value_columns(self._query, fields, {}, "values_list")
        clone = self._clone(columns=tuple(columns), group_by=None)
        clone._shape = row_shape([c.name for c in columns], flat=flat, named=named)
        clone._client_distinct = False
        return cast("QuerySet[Any]", clone)

    @staticmethod
    def _named(
        args: Sequence[Aggregate], kwargs: Mapping[str, Aggregate], method: str
    ) -> dict[str, Aggregate]:
        named: dict[str, Aggregate] = {}
        for agg in args:
            if not isinstance(agg, Aggregate):
                raise InvalidUsage(f"{method}() positional arguments must be aggregates, got {agg!r}")
            named[agg.default_alias] = agg
        for alias, agg in kwargs.items():
            if alias in named:
                raise FieldError(f"{method}(): the name {alias!r} is given twice")
            named[alias] = agg
        return named

    def annotate(self, *args: Aggregate, **kwargs: Aggregate) -> Self:
        """On rows: ``annotate(n=Count("books"))`` counts each row's related rows (Directus's
        ``count(books)``; filter and order by ``n``; read it as ``obj.n``). After ``values(...)``: group
        by those fields and aggregate each group (``groupBy`` + ``aggregate``)."""
        named = self._named(args, kwargs, "annotate")
        query = self._query
        if query.columns is not None:
            columns = list(query.columns)
            for c in columns:
                if c.aggregate is None and c.path is not None and (c.many or len(c.path.keys) > 1):
                    raise FieldError(f"annotate(): Directus groups only by the collection's own fields, "
                                     f"not by {c.name!r} across a relation")
                if c.function_key:
                    raise FieldError(f"annotate(): cannot group by the annotation {c.name!r}")
                if c.every_field:
                    raise FieldError("annotate() after values() with no field names: name the fields to "
                                     "group by")
            taken = {c.name for c in columns}
            for alias, agg in named.items():
                if alias in taken:
                    raise FieldError(f"annotate(): {alias!r} conflicts with a field of values()")
                columns.append(aggregate_column(query.schema, alias, agg, "annotate"))
            group = tuple(c.path.directus for c in columns if c.path is not None)
            if not group:
                raise FieldError("annotate() after values() needs at least one field to group by")
            return self._clone(columns=tuple(columns), group_by=group)
        schema = query.schema
        extra: dict[str, FieldInfo] = {}
        annotations = list(query.annotations)
        for alias, agg in named.items():
            info = schema.get_field(agg.field) if isinstance(agg, Count) else None
            if (
                not isinstance(agg, Count) or agg.distinct or info is None or info.relation is None
                or not info.relation.many
            ):
                raise FieldError(
                    f"annotate({alias}={agg!r}): on rows Directus can only count a to-many relation of the "
                    "collection (Count('<o2m or m2m field>')); for grouped aggregates use "
                    "values(...).annotate(...), for totals aggregate()"
                )
            if alias in schema.field_names():
                raise FieldError(f"annotate(): {alias!r} conflicts with a field of {schema.label}")
            function = f"count({info.name})"
            extra[alias] = FieldInfo(function, "integer", False, _int)
            annotations.append(Column(alias, function_key=f"{info.name}_count", agg_field=function))
        new_query = query._replace(schema=AnnotatedSchema(schema, extra), annotations=tuple(annotations))
        return self._with_query(new_query)

    def distinct(self, *fields: str) -> Self:
        """Distinct results of ``values()`` / ``values_list()`` (Directus ``groupBy``). Model rows are
        never repeated by Directus, so on them it changes nothing."""
        if fields:
            raise FieldError("distinct(*fields) (DISTINCT ON) is not supported by Directus")
        query = self._query
        if query.columns is None or query.group_by is not None:
            return self._clone()
        if any(c.path is None or c.many or len(c.path.keys) > 1 or (c.path.relation_end and
               c.path.field.relation is not None and c.path.field.relation.many) for c in query.columns):
            clone = self._clone()
            clone._client_distinct = True  # Directus cannot group by relation paths: de-duplicate here
            return clone
        return self._clone(group_by=tuple(c.path.directus for c in query.columns if c.path is not None))

    async def aggregate(self, *args: Aggregate, **kwargs: Aggregate) -> dict[str, Any]:
        """``{"price__sum": ..., "n": ...}`` over the filtered rows, in one request
        (``aggregate={"sum": ["price"], ...}``). Numbers come back as numbers."""
        columns = self._aggregate_columns(*args, **kwargs)
        query = await self._sendable()
        if query.is_empty:
            return {c.name: 0 if isinstance(c.aggregate, Count) else None for c in columns}
        if self._graphql:
            return await self._graphql_aggregate_read(await self._described(query), columns)
        params = {**query.filter_params(), "aggregate": query.aggregate_param(columns)}
        body = await self._conn().get(self._path, params=params)
        rows = (body or {}).get("data") or [{}]
        return explode(rows[0], columns)[0]

    def _aggregate_columns(self, *args: Aggregate, **kwargs: Aggregate) -> tuple[Column, ...]:
        """The columns ``aggregate(*args, **kwargs)`` reads (checked before any request)."""
        named = self._named(args, kwargs, "aggregate")
        if not named:
            raise InvalidUsage("aggregate() needs at least one aggregate")
        profile = self._profile
        if not profile.counts:
            raise profile.refuse(self._adapter.schema.collection, "aggregate()")
        query = self._query
        if query.is_sliced:
            raise InvalidUsage(
                "aggregate() over a slice is not supported: Directus aggregates every matching row"
            )
        if query.group_by is not None:
            raise FieldError("aggregate() over annotate()d groups is not supported by Directus")
        return tuple(aggregate_column(query.schema, alias, agg, "aggregate") for alias, agg in named.items())

    # -- GraphQL ------------------------------------------------------------------------------------
    async def _graphql_read(self, fields: Sequence[str] | None = None) -> graphql.Read[list[T]]:
        """This query's rows as one GraphQL read (``directus_orm.gather``); ``fields``: REST field paths
        read instead of the query's (exists(), delete())."""
        query = await self._sendable(over_graphql=True)
        if query.is_empty:
            return graphql.constant_read([])
        query = await self._described(query, fields)
        alias = self.db

        def finish(rows: list[dict[str, Any]]) -> list[T]:
            check_lists_whole(self._conn(), rows, query.deep_param())  # the described to-many fields
            return self._deduplicated(self._results(rows, alias), set()) if rows else []
        return graphql.rows_read(query, self._conn(), finish, fields, await self._graphql_page(query))

    async def _described(self, query: Query, fields: Sequence[str] | None = None) -> Query:
        """``query`` with the schema GraphQL needs: a collection without a model (``collection()``) is
        described by the GraphQL schema the connection sees (``introspected.py``), as deep as the read
        goes; a model's schema is its own, with its ``Meta.related_keys`` fields as the relations
        GraphQL types them as."""
        if not isinstance(query.schema, OpenSchema):
            keyed = key_relations(query.schema)
            return query._replace(schema=AnnotatedSchema(query.schema, keyed)) if keyed else query
        paths = [*(fields if fields is not None else query.fields() or ["*"]), *query.sort()]
        depth = needed_depth(paths, query.filter_params().get("filter"))
        collection = query.schema.collection
        schema = await introspect(self._conn(), collection, query.schema.pk_name,
                                  collection.startswith("directus_"), depth)
        check_filter_fields(schema, query.filter_params().get("filter"))
        check_field_paths(schema, paths)
        return query._replace(schema=schema)

    async def _graphql_page(self, query: Query) -> int | None:
        """Rows per GraphQL request: the server's ``queryLimit.max`` (Directus cuts ``limit: -1`` there
        without an error), the page size when the server does not say, None when one request may ask
        for every row (or the slice is within Directus's default limit)."""
        wanted = None if query.high is None else query.high - query.low
        cap = await query_limit_max(self._conn())
        if cap == UNLIMITED:
            return None
        if wanted is not None and wanted <= min(DIRECTUS_DEFAULT_LIMIT, cap or DIRECTUS_DEFAULT_LIMIT):
            return None
        return cap if cap is not None else self._page_size()

    def _graphql_count_read(self, query: Query) -> graphql.Read[int]:
        """The number of matching rows (distinct keys: counting.py), within the slice (``query``: as sent)."""
        pk = self._adapter.schema.pk_name
        return graphql.aggregate_read(query, self._conn(), lambda rows: _in_slice(
            counted((rows or [{}])[0], pk), query), distinct_keys(pk))

    def _graphql_aggregate_read(
        self, query: Query, columns: tuple[Column, ...]
    ) -> graphql.Read[dict[str, Any]]:
        if query.is_empty:
            return graphql.constant_read({c.name: 0 if isinstance(c.aggregate, Count) else None
                                          for c in columns})
        return graphql.aggregate_read(query, self._conn(),
                                      lambda rows: explode((rows or [{}])[0], columns)[0],
                                      query.aggregate_param(columns))

    async def with_meta(self) -> Page[T]:
        """The results in one request (the slice, or every row when unsliced) with Directus's
        ``total_count`` (rows in the collection) and ``filter_count`` (rows matching) for pagination."""
        profile = self._profile
        if not profile.counts:
            raise profile.refuse(self._adapter.schema.collection, "with_meta()")
        query = await self._sendable()
        if query.is_empty:
            pk = self._adapter.schema.pk_name
            params: dict[str, Any] = {"meta": "total_count", "limit": 0, "fields": [pk]}
        else:
            params = query.params()
            params["meta"] = "total_count,filter_count"
            if query.high is None:
                params["limit"] = -1
        body = await self._conn().get(self._path, params=params)
        meta = (body or {}).get("meta") or {}
        results: list[Any] = [] if query.is_empty else self._results((body or {}).get("data") or [], self.db)
        filtered = 0 if query.is_empty else int(meta.get("filter_count") or 0)
        return Page(results, int(meta.get("total_count") or 0), filtered)

    # -- running ------------------------------------------------------------------------------------
    def _conn(self) -> Directus:
        return connections[self.db]

    async def _sendable(self, over_graphql: bool = False) -> Query:
        """The query as it is sent: the one hook before every request. Conditions Directus cannot
        evaluate are read as key lists now (``emulation.py``); otherwise the query itself, no request.
        What the collection's endpoint cannot answer is refused here, before anything is sent, and so
        is a REST read naming a field the collection lacks where the server would not refuse it
        (``unknown_fields.py``; over GraphQL, ``over_graphql``, ``_described()`` checks it)."""
        self._check_reads()
        await self._endpoint_exists()
        if self._graphql and self._query.version is not None:
            raise InvalidUsage("version() reads go over REST: drop using_graphql() for them")
        query = self._query
        if wants_whole_lists(query.deep_param()):
            await query_limit_max(self._conn())  # known before the answer: whole lists are checked on it
        if query.version is not None:
            # Measured on 11.17.4: a list read ignores version= (main rows, every row), silently.
            await require_version(self._conn(), "12.0.0", "version() reads")
        if query.server_version is None and query.has_versioned_fields():
            query = query._replace(server_version=(await server_info(self._conn())).version)
        query = await emulate(query, self._conn())
        # A listing endpoint is sent no query (its filter is applied here): nothing to refuse.
        if not (over_graphql or self._graphql) and self._profile.reads != "listing":
            await refuse_unknown_fields(self._conn(), query)
        return query

    async def _endpoint_exists(self) -> None:
        """``UnsupportedByServer`` for an endpoint newer than the server (``EndpointProfile.since``);
        the connection is looked up only for such an endpoint."""
        if self._profile.since is not None:
            await require_endpoint(self._profile, self._conn(), self._adapter.schema.collection)

    @property
    def _profile(self) -> EndpointProfile:
        """How this collection's endpoint behaves (``connection/profiles.py``)."""
        schema = self._adapter.schema
        return endpoint_profile(schema.collection, bool(getattr(schema, "singleton", False)))

    def _check_reads(self) -> None:
        """Raise ``UnsupportedOperation`` for a read the endpoint would answer wrongly."""
        profile, query = self._profile, self._query
        if profile.reads == "query":
            return
        collection = self._adapter.schema.collection
        if profile.reads == "singleton":
            raise profile.refuse(collection, "a list read")
        if self._graphql:
            raise profile.refuse(collection, "using_graphql()", "its REST answers are emulated client-side "
                                 "(docs/system.md); read it over REST")
        if query.group_by is not None or query.annotations:
            raise profile.refuse(collection, "grouping and annotations")
        if profile.reads != "listing":
            return
        if query.search is not None:
            raise profile.refuse(collection, "search()")
        if query.is_ordered or not query.standard_ordering:
            raise profile.refuse(collection, "order_by(), reverse() and last()", "it answers its own order "
                                 "and ignores `sort`")
        if query.needs_emulation:
            raise profile.refuse(collection, "filter()", "its conditions cannot be evaluated client-side")
        if isinstance(query.filter, dict):
            problem = local_filter_problem(query.filter)
            if problem is not None:
                raise profile.refuse(collection, "filter()", f"it answers the whole list; {problem} cannot "
                                     "be evaluated client-side")

    @property
    def _path(self) -> str:
        return collection_path(self._adapter.schema.collection)

    def _page_size(self) -> int:
        return int(connections.option(self.db, "page_size", DEFAULT_PAGE_SIZE) or DEFAULT_PAGE_SIZE)

    async def _pages(
        self, chunk_size: int | None = None, fields: Sequence[str] | None = None, whole: bool = False
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Raw rows, one request at a time (a page is loaded as one batch). ``whole``: the caller keeps
        every row anyway, so ask for as many per request as the server allows (one request when its
        ``queryLimit.max`` is unlimited). Pages follow a keyset cursor where the order allows one
        (see ``keyset.py``), else ``offset``; each page asks for one row more than it keeps, so a
        full last page is known to be last without asking for an empty one."""
        if self._graphql:
            # One request for the whole result (GraphQL has no cursor to follow here).
            sendable = await self._sendable()
            if not sendable.is_empty:
                sendable = await self._described(sendable, fields)
                answered = await graphql.rows_read(sendable, self._conn(), lambda rows: rows, fields,
                                                   await self._graphql_page(sendable))
                check_lists_whole(self._conn(), answered, sendable.deep_param())
                if answered:
                    yield answered
            return
        profile = self._profile
        if profile.reads != "query":
            async for rows in self._whole_list(profile, fields):
                yield rows
            return
        query = await self._sendable()
        if query.is_empty:
            return
        size = chunk_size or self._page_size()
        if size < 1:
            raise InvalidArgument(f"page size must be positive, got {size}")
        conn = self._conn()
        remaining = None if query.high is None else query.high - query.low
        # A slice within Directus's default limit (get(), first(), qs[:20]) fits any server's maximum:
        # no need to ask the server what its maximum is.
        small = remaining is not None and remaining <= DIRECTUS_DEFAULT_LIMIT
        known = known_server_info(conn)
        cap = known.query_limit_max if known is not None else None
        if cap is None and whole and not small:
            cap = await query_limit_max(conn)
        if whole and cap == UNLIMITED:
            size = remaining if remaining is not None else 0  # 0: every row, in one request
        elif whole and cap is not None:
            size = max(cap - 1, 1)  # room for the row that tells whether more follow
        elif whole and remaining is not None:
            size = min(remaining, MAX_SLICE_REQUEST)
        if cap is not None and cap > 0 and (not size or size > cap):
            size = cap  # the server refuses a larger limit
        base = query.params()
        base.pop("offset", None)
        base.pop("limit", None)
        if fields is not None:
            base["fields"] = list(fields)
        keyset = None
        if size and query.group_by is None:
            keyset = keyset_for(query.schema, base["sort"], base.get("fields"))
            if keyset is not None and keyset.added:
                base["fields"] = [*base["fields"], *keyset.added]
        where = base.get("filter")

        def plan(offset: int, cursor: Cursor, remaining: int | None) -> tuple[int, int, Params]:
            """The next request: rows to keep, rows to ask for, its parameters."""
            keep = size if remaining is None else min(size, remaining) if size else remaining
            ask = keep
            # One row beyond the page tells whether another page exists (unless the slice ends here
            # or the server would refuse the larger limit).
            if keep and (remaining is None or remaining > keep) and (cap is None or cap < 0 or keep < cap):
                ask = keep + 1
            params = {**base, "limit": ask or -1}
            if cursor is not None and keyset is not None:
                params["filter"] = keyset.after(cursor, where)
            elif offset:
                params["offset"] = offset
            return keep, ask, params

        # A stream reads the next page while its caller consumes this one (two pages in memory at most);
        # a list being materialised has nothing to overlap with.
        prefetch = not whole
        pending: asyncio.Future[Any] | None = None
        offset, cursor = query.low, None
        keep, ask, params = plan(offset, cursor, remaining)
        first = True
        try:
            while True:
                try:
                    body = await (pending if pending is not None else conn.get(self._path, params=params))
                except InvalidQuery as exc:
                    # A server whose queryLimit.max was not read yet refused the limit: read it, start over
                    # in pages it accepts (nothing was yielded yet).
                    if not (first and cap is None and "limit" in str(exc).lower()):
                        raise
                    if await query_limit_max(conn) is None:
                        raise
                    break
                first = False
                pending = None
                rows = _rows(body, "GET", self._path)
                more = len(rows) > keep if ask > keep else bool(keep) and len(rows) == keep
                if more and ask > keep:
                    del rows[keep:]
                if keyset is not None and rows:
                    cursor = keyset.cursor(rows[-1])
                    keyset.strip(rows)
                if more:
                    offset += len(rows)
                    if remaining is not None:
                        remaining -= len(rows)
                        more = remaining > 0
                if more:
                    keep, ask, params = plan(offset, cursor, remaining)
                    if prefetch:
                        pending = asyncio.ensure_future(conn.get(self._path, params=params))
                if rows:
                    yield rows
                if not more:
                    return
        finally:
            if pending is not None:  # the caller stopped early: drop the page read ahead
                if pending.done() and not pending.cancelled():
                    pending.exception()  # retrieved, so asyncio does not log it
                pending.cancel()
        async for rows in self._pages(chunk_size, fields, whole):  # the limit was refused: in pages
            yield rows

    async def _whole_list(
        self, profile: EndpointProfile, fields: Sequence[str] | None
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """An endpoint that ignores ``limit`` (or every parameter) answers every matching row at once:
        one request, then the filter (``listing``) and the slice applied here."""
        query = await self._sendable()
        if query.is_empty:
            return
        params: Params | None = None
        if profile.reads != "listing":
            params = query.params()
            params.pop("offset", None)
            params["limit"] = -1
            if fields is not None:
                params["fields"] = list(fields)
            pk = self._adapter.schema.pk_name
            if profile.keyed_rows_only and "fields" in params and pk not in params["fields"]:
                params["fields"] = [*params["fields"], pk]
        rows = _rows(await self._conn().get(self._path, params=params), "GET", self._path)
        if profile.keyed_rows_only:
            rows = [row for row in rows if row.get(pk) is not None]
        if profile.reads == "listing" and isinstance(query.filter, dict):
            where = query.filter
            rows = [row for row in rows if matches(where, row)]
        rows = rows[query.low:query.high]
        if rows:
            yield rows

    def _results(self, rows: list[dict[str, Any]], alias: str) -> list[Any]:
        """The rows of one answer -> the results they stand for (several per row for values() across
        to-many)."""
        query = self._query
        deep = query.deep_param()
        if deep:  # only a read with nested lists needs the connection's server facts
            check_lists_whole(self._conn(), rows, deep)
        if query.version is not None:
            for row in rows:  # which version the row came from: not a field
                row.pop("$meta", None)
        if query.has_versioned_fields():
            info = known_server_info(self._conn())
            query._replace(server_version=info.version if info else None).fill_absent(rows)
        if query.columns is None:
            for col in query.annotations:
                for row in rows:
                    row[col.name] = int(row.pop(col.function_key, 0) or 0)
            return self._adapter.load_page(rows, alias)
        return self._shape.apply([d for row in rows for d in explode(row, query.columns)])

    async def _batches(self, chunk_size: int | None = None, whole: bool = False) -> AsyncIterator[list[Any]]:
        """The results of each answered page (distinct() over to-many columns: de-duplicated here)."""
        alias = self.db
        seen: set[Any] = set()
        async for rows in self._pages(chunk_size, whole=whole):
            yield self._deduplicated(self._results(rows, alias), seen)

    def _deduplicated(self, results: list[Any], seen: set[Any]) -> list[Any]:
        """distinct() over to-many columns: results not in ``seen`` (which they join)."""
        if not self._client_distinct:
            return results
        fresh = []
        for result in results:
            marker = _hashable(result)
            if marker not in seen:
                seen.add(marker)
                fresh.append(result)
        return fresh

    async def _stream(self, chunk_size: int | None = None) -> AsyncIterator[Any]:
        async for results in self._batches(chunk_size):
            for result in results:
                yield result

    async def _fetch_all(self) -> list[T]:
        out: list[T] = []
        async for results in self._batches(whole=True):  # a list per page: no per-row generator step
            out.extend(results)
        return out

    def __await__(self) -> Generator[Any, None, list[T]]:
        return self._fetch_all().__await__()

    def __aiter__(self) -> AsyncIterator[T]:
        return self._stream()  # not a generator re-yielding it: each level costs per row

    def iterator(self, chunk_size: int | None = None) -> ResultStream[T]:
        """Stream results, ``chunk_size`` rows per request (default: the alias's ``page_size``), with
        ``async for`` or plain ``for``."""
        if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
            raise InvalidArgument(f"iterator(chunk_size=...) must be a positive integer, got {chunk_size!r}")
        return ResultStream(self, chunk_size)

    def __iter__(self) -> Iterator[T]:
        """Sync iteration (``for x in qs``, ``list(qs)``), derived from ``async for``."""
        return iter(ResultStream(self, None))


    # -- terminal: reading --------------------------------------------------------------------------
    async def get(self, *args: Q, **kwargs: Any) -> T:
        """The one row matching the lookups (by key alone: one ``GET /items/<c>/<key>``)::

            book = await Book.objects.get(pk=1)
            book = Book.objects.sync.get(title="Dune")

        Raises ``Model.DoesNotExist`` when no row matches and ``Model.MultipleObjectsReturned`` when more
        than one does (both derive from :class:`~directus_orm.exceptions.DirectusError`). On a singleton
        collection, ``get()`` takes no arguments and reads the one object."""
        profile = self._profile
        if profile.reads == "singleton":
            return await self._get_singleton(profile, bool(args or kwargs))
        qs = self.filter(*args, **kwargs) if args or kwargs else self
        qs = qs._with_query(await qs._sendable())
        key = qs._query.single_key()
        collection = qs._adapter.schema.collection
        # By key alone: the item endpoint, which Directus answers faster than a filtered list (unless
        # the key cannot be a path segment: "me" on directus_users, a very long key ...).
        if key is not None and profile.item_reads and key_in_path(collection, key) and not qs._graphql:
            path = item_path(collection, key)
            try:
                body = await qs._conn().get(path, params=qs._query.shape_params())
            except Forbidden:
                pass  # a missing row answers 403 like a forbidden one: the filtered read tells which
            else:
                row = (body or {}).get("data")
                if isinstance(row, dict):
                    return cast(T, qs._results([row], qs.db)[0])
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

    async def _get_singleton(self, profile: EndpointProfile, conditions: bool) -> T:
        """A singleton's object: ``objects.get()`` with no conditions."""
        query, collection = self._query, self._adapter.schema.collection
        if conditions or isinstance(query.filter, dict) or query.is_sliced or query.search is not None:
            raise profile.refuse(collection, "get() with conditions", "a singleton is one object: "
                                 "objects.get() takes no arguments")
        if query.columns is not None or query.annotations:
            raise profile.refuse(collection, "values() and annotate()")
        body = await self._conn().get(self._path, params=query.shape_params())
        row = (body or {}).get("data")
        if not isinstance(row, dict):
            raise UnexpectedResponse(f"the singleton {collection!r} answered a {type(row).__name__}, not an "
                                     "object (is the collection a singleton?)", status=200,
                                     content_type="application/json", method="GET", path=self._path)
        return cast(T, self._results([row], self.db)[0])

    async def first(self) -> T | None:
        """The first result (by the ordering, else by primary key), or ``None`` when there is none: one
        request with ``limit=1``. ``await Book.objects.order_by("year").first()``."""
        found = await self[:1]._fetch_all()
        return found[0] if found else None

    async def last(self) -> T | None:
        """The last result (the ordering reversed, else the highest primary key), or ``None``."""
        found = await self.reverse()[:1]._fetch_all()
        return found[0] if found else None

    def _latest_fields(self, fields: tuple[str, ...], method: str) -> tuple[str, ...]:
        fields = fields or tuple(self._adapter.get_latest_by)
        if not fields:
            raise InvalidArgument(f"{method}() needs field names, or Meta.get_latest_by on the model")
        return fields

    async def earliest(self, *fields: str) -> T:
        """The first row ordered by these fields (or ``Meta.get_latest_by``); raises ``DoesNotExist`` when
        empty. ``await Book.objects.earliest("published")``."""
        self._not_sliced("change the ordering of")
        return await self.order_by(*self._latest_fields(fields, "earliest")).get_first()

    async def latest(self, *fields: str) -> T:
        """The last row ordered by these fields (or ``Meta.get_latest_by``); raises ``DoesNotExist`` when
        empty. ``await Book.objects.latest("published")``."""
        self._not_sliced("change the ordering of")
        return await self.order_by(*self._latest_fields(fields, "latest")).reverse().get_first()

    async def get_first(self) -> T:
        """Like first(), raising ``DoesNotExist`` instead of returning None."""
        obj = await self.first()
        if obj is None:
            raise self._adapter.does_not_exist(f"{self._adapter.label}: no row matches {self.query}")
        return obj

    async def count(self) -> int:
        """The number of matching rows, counted by Directus (``aggregate[count]``), not by reading them::

            n = await Book.objects.filter(year__gte=2000).count()

        A slice is honoured (``qs[:10].count()`` is at most 10), as in Django."""
        query = await self._sendable()
        if query.is_empty:
            return 0
        if query.group_by is not None or self._client_distinct or any(c.many for c in query.columns or ()):
            # groups, or rows fanned out over a to-many relation
            return len(await self._with_query(query)._fetch_all())
        if not self._profile.counts:  # its aggregates are not counts: count the rows it answers
            pk = self._adapter.schema.pk_name
            return sum([len(page) async for page in self._pages(fields=[pk], whole=True)])
        if self._graphql:
            return await self._graphql_count_read(await self._described(query))
        conn, pk = self._conn(), self._adapter.schema.pk_name
        params = {**query.filter_params(), "aggregate": await count_aggregate(conn, pk)}
        body = await conn.get(self._path, params=params)
        data = (body or {}).get("data") or [{}]
        return _in_slice(counted(data[0], pk), query)

    async def exists(self) -> bool:
        """Whether any row matches, reading at most one primary key: ``await qs.filter(...).exists()``."""
        if self._query.group_by is not None:
            async for _ in self[:1]._pages():
                return True
            return False
        async for _ in self[:1]._pages(fields=[self._adapter.schema.pk_name]):
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
        self._profile.check_write(self._adapter.schema.collection, "create")
        self._not_versioned("create()")
        await self._endpoint_exists()
        return await self._adapter.insert(self._adapter.build(kwargs), self.db)

    async def get_or_create(self, defaults: Mapping[str, Any] | None = None, **kwargs: Any) -> tuple[T, bool]:
        """``(obj, created)``: the row matching ``kwargs``, or a new one made from ``kwargs`` (without
        lookups)
        and ``defaults``, as in Django::

            tag, created = await Tag.objects.get_or_create(name="sf", defaults={"color": "blue"})

        When another client creates the row in between (a unique-constraint error), its row is returned."""
        self._not_versioned("get_or_create()")
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
        """``(obj, created)``: update the row matching ``kwargs`` with ``defaults`` (a PATCH of those fields
        only), or create it from ``kwargs`` and ``create_defaults`` (else ``defaults``), as in Django::

            book, created = await Book.objects.update_or_create(isbn="978-0441013593",
                                                                defaults={"price": 9.99})"""
        self._not_versioned("update_or_create()")
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
        self._profile.check_bulk(self._adapter.schema.collection, "update()")
        self._not_versioned("update()")
        if not values:
            raise FieldError("update() needs at least one field=value")
        data = self._adapter.prepare_values(values, "update()")
        query = await self._sendable()
        if query.is_empty:
            return 0
        pk, conn = self._adapter.schema.pk_name, self._conn()
        body = await conn.patch(
            self._path,
            # limit -1: without it Directus updates only the first 100 matching rows.
            json={"query": {**query.filter_params(), "limit": -1}, "data": data},
            # The written fields come back: a field the collection lacks makes the read-back fail (204).
            params={"fields": [pk, *data]},
        )
        if body is None:
            await confirm_fields(conn, self._path, pk, list(data), f"update() of {self._adapter.label}")
            return 0
        rows = body.get("data") or []
        # Directus 10 leaves a field it lacks out of the answer where 12 refuses the read-back.
        missing = missing_fields(data, [data], rows)
        if missing:
            raise mismatch(f"update() of {self._adapter.label}", missing, "The other fields were written.")
        return len(rows)

    async def delete(self) -> tuple[int, dict[str, int]]:
        """Delete the matching rows: read their keys, then ``DELETE /items/<c>`` with those keys (a JSON
        list, ``DELETE_BATCH`` keys per request). Returns ``(count, {collection: count})`` like Django,
        the count being the keys deleted: a row inserted after the keys were read is neither deleted nor
        counted (Directus answers 204 with no body, so a row someone else deleted in between still
        counts)."""
        self._not_sliced("delete")
        self._profile.check_bulk(self._adapter.schema.collection, "delete()")
        self._not_versioned("delete()")
        if self._query.columns is not None:
            raise InvalidUsage("Cannot call delete() after .values() or .values_list()")
        collection, pk = self._adapter.schema.collection, self._adapter.schema.pk_name
        keys = [row[pk] async for page in self._pages(fields=[pk], whole=True) for row in page]
        conn = self._conn()
        for start in range(0, len(keys), DELETE_BATCH):
            await conn.delete(self._path, json=keys[start:start + DELETE_BATCH])
        return len(keys), {collection: len(keys)}

    async def bulk_create(self, objs: Iterable[T], batch_size: int | None = None) -> list[T]:
        """Insert in batches (one ``POST`` of an array per batch); returns the stored results (model
        instances get their pk and server defaults)."""
        self._not_versioned("bulk_create()")
        objs = list(objs)
        if batch_size is not None and batch_size < 1:
            raise InvalidArgument("batch_size must be positive")
        self._profile.check_bulk(self._adapter.schema.collection, "bulk_create()")
        await self._endpoint_exists()
        size = batch_size or len(objs) or 1
        adapter, alias, pk = self._adapter, self.db, self._adapter.schema.pk_name
        out: list[T] = []
        for start in range(0, len(objs), size):
            batch = objs[start:start + size]
            payloads = [adapter.insert_payload(obj) for obj in batch]
            body = await self._conn().post(self._path, json=payloads)
            rows = _rows(body, "POST", self._path)
            out.extend(adapter.after_insert_page(batch, _match_rows(payloads, rows, pk), alias))
            missing = missing_fields(adapter.schema.field_names(), payloads, rows)
            if missing:
                for obj in batch:
                    adapter.not_written(obj, missing)
                raise mismatch(f"bulk_create() of {adapter.label}", missing,
                               "The rows were created without them (later batches were not sent).")
        return out

    async def bulk_update(
        self, objs: Iterable[T], fields: Sequence[str], batch_size: int | None = None
    ) -> int:
        """Write ``fields`` of each object, one ``PATCH`` of an array per batch; returns rows updated."""
        self._not_versioned("bulk_update()")
        objs = list(objs)
        fields = list(fields)
        if not fields:
            raise InvalidArgument("bulk_update() needs field names")
        self._profile.check_bulk(self._adapter.schema.collection, "bulk_update()")
        await self._endpoint_exists()
        if batch_size is not None and batch_size < 1:
            raise InvalidArgument("batch_size must be positive")
        adapter, pk = self._adapter, self._adapter.schema.pk_name
        if pk in fields:
            raise InvalidArgument("bulk_update() cannot update the primary key")
        unknown = [f for f in fields if adapter.schema.get_field(f) is None]
        if unknown:
            raise FieldError(f"bulk_update(): {adapter.label} has no field(s) {unknown}; fields: "
                             f"{', '.join(adapter.schema.field_names())}")
        size = batch_size or len(objs) or 1
        updated = 0
        for start in range(0, len(objs), size):
            batch = objs[start:start + size]
            payload = []
            for obj in batch:
                key = adapter.value_of(obj, pk)
                if key is None:
                    raise InvalidArgument("bulk_update() objects must have a primary key")
                values = {f: adapter.value_of(obj, f) for f in fields}
                refuse_unsendable(adapter.label, getattr(adapter.schema, "concealed", ()), values, fields)
                prepared = adapter.prepare_values(values, "bulk_update()")
                payload.append({pk: to_jsonable_python(key), **prepared})
            conn = self._conn()
            # The written fields come back: a field the collection lacks makes the read-back fail (204).
            body = await conn.patch(self._path, json=payload, params={"fields": [pk, *fields]})
            if body is None:  # Directus wrote them, and cannot show them to this role
                await confirm_fields(conn, self._path, pk, fields, f"bulk_update() of {adapter.label}")
                done = batch
            else:  # rows whose key matched nothing are not in the answer: they stay unsaved
                answered = body.get("data") or []
                missing = missing_fields(fields, payload, answered)  # Directus 10: left out, not refused
                if missing:
                    raise mismatch(f"bulk_update() of {adapter.label}", missing,
                                   "The other fields were written.")
                found = {str(row.get(pk)) for row in answered}
                done = [obj for obj, sent in zip(batch, payload, strict=True) if str(sent[pk]) in found]
            updated += len(done)
            for obj in done:
                adapter.after_update(obj, fields, self.db)
        return updated

    # -- realtime -----------------------------------------------------------------------------------
    def subscribe(
        self,
        *,
        events: Sequence[str] | str | None = None,
        item: Any = None,
        init: bool = True,
        max_queue: int | None = None,
        reconnect: Backoff | None = None,
        heartbeat: float | None = None,
        disconnected: bool = False,
    ) -> Subscription[T]:
        """Follow this QuerySet over Directus's websocket (needs the ``realtime`` extra):
        ``async with qs.subscribe() as sub: async for event in sub``; sync: ``for event in
        qs.subscribe()``. The filter, ``only()``/``defer()`` and ``select_related()`` become the
        subscription's query; events carry instances as a read would. ``events``: some of
        ``"create"``, ``"update"``, ``"delete"`` (default all); ``item``: follow one row by key;
        ``init``: deliver the initial snapshot (and the fresh one after a reconnect); ``max_queue``:
        events kept for a slow consumer; ``reconnect``: a :class:`~directus_orm.realtime.Backoff`;
        ``heartbeat``: seconds of silence before the connection is probed (default: the server's
        heartbeat period); ``disconnected``: also deliver a ``disconnected`` event as soon as the
        socket is lost (before the ``reconnected`` that follows). See docs/realtime.md."""
        from ..realtime import subscribe

        return subscribe(self, events=events, item=item, init=init, max_queue=max_queue,
                         reconnect=reconnect, heartbeat=heartbeat, disconnected=disconnected)


class ResultStream(Generic[T]):
    """``qs.iterator(chunk_size)``: a QuerySet's results, one request per ``chunk_size`` rows, for
    ``async for`` or plain ``for``. The plain form crosses to the sync face's portal loop once per page,
    not once per row (each crossing is a thread hand-off, far dearer than reading a row)."""

    __slots__ = ("_chunk_size", "_queryset")

    def __init__(self, queryset: QuerySet[T], chunk_size: int | None) -> None:
        self._queryset, self._chunk_size = queryset, chunk_size

    def __aiter__(self) -> AsyncIterator[T]:
        return self._queryset._stream(self._chunk_size)

    def __iter__(self) -> Iterator[T]:
        from ..sync import iterate_batches

        qs = self._queryset
        return iterate_batches(lambda: qs._batches(self._chunk_size), name=type(qs).__name__)


def _in_slice(total: int, query: Query) -> int:
    """A count of matching rows -> the count within the query's slice."""
    total = max(0, total - query.low)
    return total if query.high is None else min(total, query.high - query.low)


def _rows(body: dict[str, Any] | None, method: str, path: str) -> list[dict[str, Any]]:
    """The rows of a list answer; anything but a list (a singleton's object ...) is not what was asked."""
    rows = (body or {}).get("data") or []
    if not isinstance(rows, list):
        raise UnexpectedResponse(f"a list of rows was expected, the answer's data is a {type(rows).__name__} "
                                 "(a singleton collection? QuerySets read lists)",
                                 status=200, content_type="application/json", method=method, path=path)
    return rows


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
