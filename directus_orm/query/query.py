"""``Query``: everything a QuerySet has been told, as Directus query parameters (Django's
``sql/query.py``). Immutable and pure: QuerySet methods make changed copies, unit tests pin the exact
JSON. Conditions are compiled by :mod:`.where`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..connection.serverinfo import Version
from ..exceptions import DirectusError, FieldError
from .keysets import has_nodes
from .projection import Column
from .q import Q
from .schema import FieldInfo, FieldPath, RelatedPath, Schema, key_relations, resolve_sort_term
from .where import EVERYTHING, NOTHING, Filter, FilterConstant, combine, compile_q

__all__ = ["Query"]


def _to_many_names(schema: Schema) -> list[str]:
    """The to-many fields of ``schema``: its relations, and the lists of keys it holds without loading
    them as rows (``Meta.related_keys``: ``DirectusRole.children``), which Directus cuts alike."""
    keyed = key_relations(schema)
    out = []
    for name in schema.field_names():
        info = keyed.get(name) or schema.get_field(name)
        if info is not None and info.relation is not None and info.relation.many:
            out.append(name)
    return out


def _at(tree: dict[str, Any], path: Sequence[str]) -> dict[str, Any]:
    node = tree
    for segment in path:
        node = node.setdefault(segment, {})
    return node


def _nodes(value: Any, path: Sequence[str]) -> list[dict[str, Any]]:
    """The row dicts at ``path`` under ``value`` (a row, or a list of rows; to-many hops are lists)."""
    if isinstance(value, list):
        return [node for item in value for node in _nodes(item, path)]
    if not isinstance(value, dict):
        return []
    return [value] if not path else _nodes(value.get(path[0]), path[1:])


def _prune(tree: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict) and not key.startswith("_"):
            value = _prune(value)
            if not value:
                continue
        out[key] = value
    return out


def _column_field(path: FieldPath) -> str:
    """The Directus field a column reads: a many-to-many field's keys live on its junction rows."""
    rel = path.field.relation
    if path.relation_end and rel is not None:
        return ".".join((path.directus, *rel.hop(path.field.name)[1:]))
    return path.directus


def _flip(term: str) -> str:
    return term[1:] if term.startswith("-") else f"-{term}"


@dataclass(frozen=True)
class Query:
    """Everything a QuerySet has been told, compiled. Immutable: QuerySet methods make changed copies."""

    schema: Schema
    filter: Filter = EVERYTHING
    ordering: tuple[str, ...] | None = None  # None: the default ordering
    default_ordering: tuple[str, ...] = ()
    standard_ordering: bool = True
    low: int = 0
    high: int | None = None
    search: str | None = None
    version: str | None = None  # a content version's key (version()): reads see the version's data
    # -- what comes back --
    related: tuple[tuple[tuple[str, ...], Schema], ...] = ()  # (path, its schema) loaded whole
    deep: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = ()  # Prefetch querysets: deep[path]
    only: tuple[str, ...] | None = None  # Directus field paths (only())
    defer: tuple[str, ...] = ()  # field names (defer())
    columns: tuple[Column, ...] | None = None  # values() / values_list()
    group_by: tuple[str, ...] | None = None  # values(...).annotate(<aggregate>) / distinct()
    annotations: tuple[Column, ...] = ()  # annotate(n=Count("books")) on rows: function fields
    emulated: bool = False  # the filter holds emulated conditions (set by where(), cleared by emulate())
    server_version: Version | None = None
    """The server's version, set before sending when a schema read has fields only newer servers have
    (``Meta.fields_since``); None: every declared field is read."""

    # -- building -----------------------------------------------------------------------------------
    def _replace(self, **changes: Any) -> Query:
        """``dataclasses.replace`` without re-running ``__init__`` over every field (every chained
        QuerySet call clones the query). Query has no ``__post_init__``."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__, **changes)
        return clone

    def where(self, q: Q, negated: bool = False) -> Query:
        """A copy with ``q`` (negated for ``exclude()``) ANDed to the filter, compiled against the schema."""
        compiled = compile_q(q, self.schema, negated)
        return self._replace(filter=combine("AND", [self.filter, compiled]),
                             emulated=self.emulated or has_nodes(compiled))

    def order_by(self, *terms: str) -> Query:
        """A copy ordered by these terms (``"-year"``, ``"author__name"``), the ordering direction reset."""
        return self._replace(ordering=tuple(resolve_sort_term(self.schema, t) for t in terms),
                             standard_ordering=True)

    def reversed(self) -> Query:
        """A copy with the ordering reversed (``QuerySet.reverse()``)."""
        return self._replace(standard_ordering=not self.standard_ordering)

    def with_default_ordering(self, terms: Sequence[str]) -> Query:
        """A copy whose ordering when none is given is ``terms`` (the model's ``Meta.ordering``)."""
        resolved = tuple(resolve_sort_term(self.schema, t) for t in terms)
        return self._replace(default_ordering=resolved)

    def sliced(self, start: int | None, stop: int | None) -> Query:
        """Slice relative to the current slice, as Django's ``set_limits``."""
        low, high = self.low, self.high
        if stop is not None:
            high = min(high, low + stop) if high is not None else low + stop
        if start is not None:
            low = min(high, low + start) if high is not None else low + start
        return self._replace(low=low, high=high)

    # -- reading ------------------------------------------------------------------------------------
    @property
    def is_sliced(self) -> bool:
        """Whether a slice (``offset``/``limit``) was applied."""
        return self.low != 0 or self.high is not None

    @property
    def is_empty(self) -> bool:
        """True when no row can match (no request is needed)."""
        return self.filter is NOTHING or (self.high is not None and self.high <= self.low)

    @property
    def needs_emulation(self) -> bool:
        """True when conditions Directus cannot evaluate must first be read as key lists
        (:func:`directus_orm.query.emulation.emulate`)."""
        if self.emulated:
            return True
        return bool(self.deep) and any(has_nodes(sub.get("_filter")) for _, sub in self.deep)

    @property
    def is_ordered(self) -> bool:
        """Whether an explicit or default ordering is set (``QuerySet.ordered``)."""
        return bool(self.ordering if self.ordering is not None else self.default_ordering)

    def sort(self) -> list[str]:
        """The sort sent: the ordering, then the primary key so that pages never overlap. Grouped
        queries sort by their group fields (anything else is not a column of the answer)."""
        terms = list(self.ordering if self.ordering is not None else self.default_ordering)
        if self.group_by is not None:
            terms = [t for t in self.ordering or () if t.lstrip("-") in self.group_by]
            terms += [g for g in self.group_by if g not in {t.lstrip("-") for t in terms}]
        else:
            pk = self.schema.pk_name
            if not any(t.lstrip("-") == pk for t in terms):
                terms.append(pk)
        return terms if self.standard_ordering else [_flip(t) for t in terms]

    def fields(self, spelled: bool = False) -> list[str] | None:
        """Directus's ``fields``; None when ``*`` says it all. ``*`` is read too when the server lacks
        some declared fields (``Meta.fields_since``: they are filled with None after), unless
        ``spelled`` (GraphQL, which names each field: then without them)."""
        if self.columns is not None:
            out: list[str] = []
            missing = self.absent_fields(self.schema)
            for col in self.columns:
                if col.every_field:
                    out.append("*")
                if col.path is not None and col.path.directus in missing:
                    continue
                if col.path is not None:
                    out.append(_column_field(col.path))
                elif col.function_key:
                    out.append(col.agg_field)
            return list(dict.fromkeys(out))
        absent = self.absent_fields(self.schema)
        loaded = list(dict.fromkeys(".".join(p) for p, _ in self.related))
        if self.only is not None:
            base = list(dict.fromkeys([self.schema.pk_name, *self.only]))
        elif self.defer or (absent and spelled):
            base = [f for f in self.schema.field_names() if f not in self.defer and f not in absent]
        else:
            base = ["*"]  # a field the server lacks is not in its answer (filled with None after)
        for extra in self.schema.m2m_default_fields():
            name, _, _ = extra.partition(".")
            if ("*" in base or name in base) and extra not in loaded and name not in absent:
                base = [f for f in base if f != name]
                base.append(extra)
        paths = {p for p, _ in self.related}
        for path, schema in dict(self.related).items():
            base += self._related_fields(path, schema, paths)
        base += [col.agg_field for col in self.annotations]
        return None if base == ["*"] else list(dict.fromkeys(base))

    def _related_fields(
        self, path: tuple[str, ...], schema: Schema, loaded: set[tuple[str, ...]]
    ) -> list[str]:
        """The fields read of a loaded relation: the related model's own declared fields, never ``*``
        (which brings every reverse relation's whole list of keys on every row). Rows reached through
        many-to-one hops only (select_related) leave out the to-many fields, as Django's join does;
        prefetched rows keep their declared to-many fields (as keys). A relation loaded further down
        the path lists its own fields. Collections without a model read ``*``."""
        prefix = ".".join(path)
        absent = self.absent_fields(schema)
        names = [n for n in schema.field_names() if n not in absent]
        if not names:
            return [f"{prefix}.*"]
        to_one = self._to_one_only(path)
        out = []
        for name in names:
            info = schema.get_field(name)
            rel = info.relation if info is not None else None
            if rel is not None and rel.many and to_one:
                continue
            deeper = (*path, *(rel.hop(name) if rel is not None else (name,)))
            if deeper in loaded:
                continue
            out.append(".".join(deeper))
        return out

    def absent_fields(self, schema: Schema) -> set[str]:
        """The fields of ``schema`` this query's server does not have (``Meta.fields_since``)."""
        if self.server_version is None:
            return set()
        since: dict[str, Version] = getattr(schema, "fields_since", None) or {}
        return {name for name, version in since.items() if self.server_version < version}

    def has_versioned_fields(self) -> bool:
        """Whether a schema this query reads has fields only some server versions have."""
        schemas = [self.schema, *(schema for _, schema in self.related)]
        return any(getattr(schema, "fields_since", None) for schema in schemas)

    def fill_absent(self, rows: list[dict[str, Any]]) -> None:
        """Give the fields this query's server lacks (left out of ``fields``) their None in ``rows``,
        and in the related rows loaded with them: the server has no value, so nothing is deferred."""
        targets: list[tuple[tuple[str, ...], set[str]]] = [((), self.absent_fields(self.schema))]
        targets += [(path, self.absent_fields(schema)) for path, schema in self.related]
        targets = [(path, names) for path, names in targets if names]
        for path, names in targets:
            for node in _nodes(rows, path):
                for name in names:
                    node.setdefault(name, None)

    def _to_one_only(self, path: tuple[str, ...]) -> bool:
        """Whether every hop of a loaded relation's path is many-to-one."""
        hops = self._hops(path)
        return all(info is not None and info.relation is not None and not info.relation.many for info in hops)

    def _hops(self, path: tuple[str, ...]) -> list[FieldInfo | None]:
        """The relational field of each hop along ``path`` (a many-to-many junction field is part of
        its hop); ends with None where a segment is not a relation."""
        schema: Schema = self.schema
        out: list[FieldInfo | None] = []
        skip = None
        for segment in path:
            if segment == skip:
                skip = None
                continue
            info = schema.get_field(segment)
            if info is None or info.relation is None:
                return [*out, None]
            out.append(info)
            skip = info.relation.junction_field
            schema = info.relation.schema()
        return out

    def deep_param(self) -> dict[str, Any] | None:
        """``deep``: the Prefetch querysets' filters, and ``_limit: -1`` on every to-many field that
        comes back (Directus cuts nested lists at 100 rows otherwise, silently)."""
        out: dict[str, Any] = {}
        fields = self.fields() or ["*"]
        if self.columns is None and self.group_by is None:
            absent = self.absent_fields(self.schema)
            for name in _to_many_names(self.schema):
                if name in absent:
                    continue
                if "*" in fields or any(f == name or f.startswith(f"{name}.") for f in fields):
                    out.setdefault(name, {})["_limit"] = -1
            for path, schema in self.related:
                node = _at(out, path)
                absent = self.absent_fields(schema)
                for name in () if self._to_one_only(path) else _to_many_names(schema):
                    if name not in absent:
                        node.setdefault(name, {})["_limit"] = -1
                for i in range(len(path)):
                    if self._walk_many(path[:i + 1]):
                        _at(out, path[:i + 1]).setdefault("_limit", -1)
        elif self.columns is not None:
            key_lists = set(_to_many_names(self.schema)) - self.absent_fields(self.schema)
            for col in self.columns:
                if col.path is not None:
                    for i in col.path.many_at:
                        _at(out, col.path.keys[:i + 1])["_limit"] = -1
                    rel = col.path.field.relation
                    ends_many = col.path.relation_end and rel is not None and rel.many
                    key_list = col.path.keys == (col.path.directus,) and col.path.directus in key_lists
                    if ends_many or key_list:
                        _at(out, col.path.keys)["_limit"] = -1
        for path, sub in self.deep:
            node = out
            for segment in path:
                node = node.setdefault(segment, {})
            node.update(sub)
        return _prune(out) or None

    def _walk_many(self, path: tuple[str, ...]) -> bool:
        """Whether the last field of ``path`` is a to-many relation."""
        hops = self._hops(path)
        info = hops[-1] if hops else None
        return bool(info is not None and info.relation is not None and info.relation.many
                    and path[-1] == info.name)

    def aggregate_param(self, columns: Sequence[Column]) -> dict[str, list[str]]:
        """Directus's ``aggregate`` parameter for these columns: ``{"sum": ["price"], "count": ["*"]}``."""
        out: dict[str, list[str]] = {}
        for col in columns:
            if col.aggregate is not None:
                fields = out.setdefault(col.aggregate.operation, [])
                if col.agg_field not in fields:
                    fields.append(col.agg_field)
        return out

    def single_key(self) -> Any:
        """The key when this query selects one row by primary key and nothing else (``pk=5``: no
        other condition, search, slice, values() or annotations), so the item endpoint can answer it;
        else None."""
        if (not isinstance(self.filter, dict) or len(self.filter) != 1 or self.search is not None
                or self.is_sliced or self.columns is not None or self.group_by is not None
                or self.annotations):
            return None
        condition = self.filter.get(self.schema.pk_name)
        if not isinstance(condition, dict) or list(condition) != ["_eq"]:
            return None
        key = condition["_eq"]
        # "$CURRENT_USER" and the like are filter variables, not keys the item endpoint knows.
        return None if isinstance(key, str) and key.startswith("$") else key

    def filter_params(self) -> dict[str, Any]:
        """``filter`` and ``search``: what selects the rows (also used by update/delete/count)."""
        if self.needs_emulation:
            raise DirectusError(f"internal error: the query on {self.schema.collection} was about to be sent "
                                "before its emulated conditions were resolved")
        return self._filter_params()

    def _filter_params(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if not isinstance(self.filter, FilterConstant):
            out["filter"] = self.filter
        if self.search is not None:
            out["search"] = self.search
        if self.version is not None:
            out["version"] = self.version
        return out

    def shape_params(self, *, shown: bool = False) -> dict[str, Any]:
        """``fields`` and ``deep``: what comes back for each row (also the item endpoint's query)."""
        if not shown and self.needs_emulation:
            self.filter_params()  # raises
        out: dict[str, Any] = {} if self.version is None else {"version": self.version}
        fields = self.fields()
        if fields is not None and self.group_by is None:
            out["fields"] = fields
        deep = self.deep_param()
        if deep is not None:
            out["deep"] = deep
        return out

    def params(self, *, shown: bool = False) -> dict[str, Any]:
        """The read parameters: filter, search, fields, deep, groupBy/aggregate, sort, and the slice as
        offset/limit (``shown``: emulated conditions left in, described, as ``print(qs.query)`` shows)."""
        out = {**(self._filter_params() if shown else self.filter_params()), **self.shape_params(shown=shown)}
        if self.group_by is not None:
            out["groupBy"] = list(self.group_by)
            aggregate = self.aggregate_param(self.columns or ())
            if aggregate:
                out["aggregate"] = aggregate
        out["sort"] = self.sort()
        if self.low:
            out["offset"] = self.low
        if self.high is not None:
            out["limit"] = self.high - self.low
        return out

    def __str__(self) -> str:
        if self.is_empty:
            return f"<empty query on {self.schema.collection}: matches nothing, no request is sent>"
        text = f"{self.schema.collection} {json.dumps(self.params(shown=True), default=str, sort_keys=True)}"
        if self.needs_emulation:
            text += (" -- emulated conditions are read as key lists first, one request each, right before "
                     "the query is sent (not atomic with it)")
        return text

    def prefetch_entry(self, lookup: str, related: RelatedPath) -> tuple[tuple[str, ...], dict[str, Any]]:
        """This query, a ``Prefetch(lookup, queryset)``'s, as the ``deep`` entry of the relation it loads.
        For many-to-many, the junction rows are what Directus filters and sorts: conditions and sort go
        through the junction field (``tags_id.name``)."""
        path, schema, junction = related
        query = self
        if query.schema.collection != schema.collection:
            raise FieldError(f"Prefetch({lookup!r}): the queryset is on {query.schema.collection!r}, "
                             f"the relation leads to {schema.collection!r}")
        deep_path = path[:-1] if junction else path
        if query.filter is NOTHING:
            raise FieldError(f"Prefetch({lookup!r}): the queryset matches nothing (none()): leave the "
                             "relation out instead")
        sub: dict[str, Any] = {}
        if query.filter is not EVERYTHING:  # a dict, or an emulated condition (resolved before sending)
            sub["_filter"] = {junction: query.filter} if junction else query.filter
        if query.search is not None:
            sub["_search"] = query.search
        if query.is_ordered:
            sort = query.sort()
            sub["_sort"] = [_prefix_sort(t, junction) for t in sort] if junction else sort
        sub["_limit"] = -1 if query.high is None else query.high - query.low
        if query.low:
            sub["_offset"] = query.low
        return deep_path, sub


def _prefix_sort(term: str, junction: str) -> str:
    return f"-{junction}.{term[1:]}" if term.startswith("-") else f"{junction}.{term}"
