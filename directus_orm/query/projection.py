"""``values()`` / ``values_list()`` / grouped ``annotate()``: which Directus fields to ask for, and how to
turn each answered row back into the names the user asked for.

A path through a to-many relation (``values("name", "books__title")``) gives one result per related row,
as Django's join does (and one with ``None`` when there is none, as its LEFT JOIN does).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..exceptions import FieldError
from .aggregates import Aggregate, Count
from .schema import FieldInfo, FieldPath, Schema, resolve_field_path

if TYPE_CHECKING:
    from .query import Query

__all__ = [
    "DICTS", "Column", "FlatRows", "NamedRows", "RowShape", "TupleRows", "aggregate_column", "explode",
    "row_shape", "value_columns",
]


@dataclass(frozen=True)
class Column:
    """One output column: ``name`` as the user wrote it; either a field path, or an aggregate over
    ``path`` (grouped queries: answered as ``row[operation][field]`` or ``row[operation]`` for ``*``),
    or a row function field such as ``count(books)`` (answered as ``books_count``)."""

    name: str
    path: FieldPath | None = None
    aggregate: Aggregate | None = None
    agg_field: str = ""  # the Directus field the aggregate reads ("*" for Count("*"))
    agg_info: FieldInfo | None = None
    function_key: str = ""  # annotate(n=Count("books")) on rows: the answer key (books_count)
    every_field: bool = False
    """values() with no names over a collection with no model: every field the server answers (``*``)."""

    @property
    def many(self) -> bool:
        return bool(self.path is not None and self.path.many_at)


def _convert(value: Any, info: FieldInfo | None) -> Any:
    if value is None or info is None:
        return value
    if info.relation is not None:
        if isinstance(value, Mapping):  # a nested row where a key was expected
            return value
        value = info.validate(value) if info.validate is not None else value
        return value
    if info.parse is None:
        return value
    try:
        return info.parse(value)
    except ValueError:
        return value


def _leaf(node: Any, info: FieldInfo, relation_end: bool) -> list[Any]:
    """A path's final value -> result value(s): keys of a to-many relation fan out."""
    rel = info.relation
    values = node if relation_end and rel is not None and rel.many and isinstance(node, list) else [node]
    out = []
    for v in values or [None]:
        if rel is not None:
            v = rel.unwrap(v)
        if rel is not None and isinstance(v, Mapping):
            v = v.get(rel.schema().pk_name)
        out.append(_convert(v, info))
    return out


def _get(node: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


Spec = tuple[str, tuple[str, ...], tuple[int, ...], FieldInfo, bool]  # name, keys, many_at, info, rel end


def _explode(node: Any, specs: list[Spec]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = [{}]
    groups: dict[tuple[str, ...], list[Spec]] = {}
    for spec in specs:
        name, keys, many_at, info, rel_end = spec
        fan = [i for i in many_at if i < len(keys) - 1]
        if not fan:
            values = _leaf(_get(node, keys), info, rel_end)
            results = [{**r, name: v} for r in results for v in values]
        else:
            groups.setdefault(keys[:fan[0] + 1], []).append(spec)
    for prefix, members in groups.items():
        cut = len(prefix)
        inner = [(n, k[cut:], tuple(i - cut for i in m if i >= cut), info, e) for n, k, m, info, e in members]
        items = _get(node, prefix)
        if isinstance(items, list) and items:
            rows = [r for item in items for r in _explode(item, inner)]
        else:
            rows = [{n: None for n, *_ in members}]
        results = [{**r, **x} for r in results for x in rows]
    return results


def explode(row: Mapping[str, Any], columns: tuple[Column, ...]) -> list[dict[str, Any]]:
    """One answered row -> the result dicts (several when a to-many path fans out; columns through
    the same relation pair up on the same related row, as a join does). Keys are in column order."""
    fixed: dict[str, Any] = {}
    specs: list[Spec] = []
    order: list[str] = []
    for column in columns:
        if column.every_field:
            taken = {c.function_key or c.name for c in columns if not c.every_field}
            every = {k: v for k, v in row.items() if k not in taken}
            fixed.update(every)
            order += every
            continue
        order.append(column.name)
        if column.aggregate is not None:
            raw = row.get(column.aggregate.operation)
            if isinstance(raw, Mapping):
                raw = raw.get(column.agg_field)
            fixed[column.name] = column.aggregate.convert(raw, column.agg_info)
        elif column.function_key:
            fixed[column.name] = int(row.get(column.function_key) or 0)
        else:
            path = column.path
            assert path is not None
            specs.append((column.name, path.keys, path.many_at, path.field, path.relation_end))
    return [{name: {**fixed, **r}[name] for name in order} for r in _explode(row, specs)]


def value_columns(
    query: Query, fields: Sequence[str], expressions: Mapping[str, Any], method: str
) -> list[Column]:
    """The columns of ``values(*fields, **expressions)`` / ``values_list(*fields)`` on ``query``: its
    own fields (no to-many ones) and its annotations when none are named."""
    schema = query.schema
    known = {c.name: c for c in query.annotations}
    columns: list[Column] = []
    names = list(fields)
    if not names and not expressions:
        for n in schema.field_names():
            info = schema.get_field(n)
            if not (info is not None and info.relation is not None and info.relation.many):
                names.append(n)
        if not names:  # no model: its fields are whatever the server has
            if method != "values":
                raise FieldError(f"{method}() over {schema.label} needs field names: a collection with no "
                                 "model has no field order to give the values")
            columns.append(Column("*", every_field=True))
        names += list(known)
    for name in names:
        if name in known:
            columns.append(known[name])
            continue
        columns.append(Column(name, path=resolve_field_path(schema, name, f"{method}({name!r})")))
    for alias, expression in expressions.items():
        if not isinstance(expression, str):
            raise FieldError(f"{method}({alias}=...): takes a field path (a string); aggregates go in "
                             "annotate()")
        path = resolve_field_path(schema, expression, f"{method}({alias}=...)")
        columns.append(Column(alias, path=path))
    if len({c.name for c in columns}) != len(columns):
        raise FieldError(f"{method}(): a name appears twice")
    return columns


def aggregate_column(schema: Schema, alias: str, agg: Aggregate, method: str) -> Column:
    """The column ``alias=agg`` answers in (``aggregate()``, or ``annotate()`` after ``values()``)."""
    if not isinstance(agg, Aggregate):
        raise FieldError(f"{method}({alias}=...): expected Sum/Avg/Min/Max/Count, got {agg!r}")
    if agg.field == "*":
        if not isinstance(agg, Count) or agg.distinct:
            raise FieldError(f"{method}(): only Count takes '*' (without distinct)")
        # Count("*") counts the primary key: Directus answers count: ["*"] under the same key as
        # count: ["id"] ({"count": {"id": 8}}), so the two together would lose the row count.
        return Column(alias, aggregate=agg, agg_field=schema.pk_name)
    fp = resolve_field_path(schema, agg.field, f"{method}({agg!r})", date_parts=False)
    if len(fp.keys) > 1 or (fp.field.relation is not None and fp.field.relation.many):
        raise FieldError(
            f"{method}({agg!r}): Directus aggregates only the collection's own fields, not "
            f"{agg.field!r} across a relation (annotate(n=Count('<to-many field>')) counts related rows)"
        )
    agg.check(fp.field, method)
    return Column(alias, aggregate=agg, agg_field=fp.directus, agg_info=fp.field)


class RowShape:
    """``values()`` results: the row dicts as they are (Django's ``ValuesIterable``); the subclasses
    are ``values_list()``'s."""

    __slots__ = ()

    def apply(self, dicts: list[dict[str, Any]]) -> list[Any]:
        return dicts


class TupleRows(RowShape):
    """``values_list()``: tuples."""

    __slots__ = ("names",)

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)

    def apply(self, dicts: list[dict[str, Any]]) -> list[Any]:
        names = self.names
        return [tuple(d[n] for n in names) for d in dicts]


class FlatRows(TupleRows):
    """``values_list(field, flat=True)``: the values themselves."""

    __slots__ = ()

    def apply(self, dicts: list[dict[str, Any]]) -> list[Any]:
        name = self.names[0]
        return [d[name] for d in dicts]


class NamedRows(TupleRows):
    """``values_list(named=True)``: namedtuples."""

    __slots__ = ()

    def apply(self, dicts: list[dict[str, Any]]) -> list[Any]:
        names, factory = self.names, _row_factory(self.names)
        return [factory(*(d[n] for n in names)) for d in dicts]


@lru_cache(maxsize=256)
def _row_factory(names: tuple[str, ...]) -> Any:
    return namedtuple("Row", names, rename=True)


DICTS = RowShape()
"""``values()``'s shape (stateless: shared)."""


def row_shape(names: Sequence[str], *, flat: bool = False, named: bool = False) -> RowShape:
    """``values_list(*names, flat=..., named=...)``'s shape."""
    return FlatRows(names) if flat else NamedRows(names) if named else TupleRows(names)
