"""Compile queries to Directus query parameters. Pure: no I/O, so unit tests pin the exact JSON.

Negation is pushed down to the leaves (Directus has no ``_not``): De Morgan swaps ``_and``/``_or`` and
each operator becomes its complement (``_eq`` -> ``_neq``, ``_gt`` -> ``_lte`` ...). SQL comparisons are
never true for NULL, so a negated comparison on a nullable field also matches NULL
(``{"_or": [{f: {"_neq": v}}, {f: {"_null": true}}]}``), which is what Django's ``exclude()`` does.

Two constants stand for filters that need no server: ``NOTHING`` (e.g. ``in=[]``, or ``none()``) and
``EVERYTHING`` (no condition).

What Directus cannot evaluate (a LIKE wildcard in a value, ``exclude(name__icontains=...)``, ``iexact``,
``regex``, ``_none`` around a compound condition or behind a many-to-one) compiles to a node of
:mod:`.keysets` instead; :mod:`.emulation` turns the nodes into key lists right before the query is sent.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

from ..exceptions import DirectusError, FieldError, UnsupportedLookup
from .dynamic import DynamicVariable
from .keysets import Deferred, KeySet, Pending, has_nodes, has_wildcard, literal_keyset, regex_keyset
from .keysets import nest as _nest
from .lookups import LOOKUPS, NEGATED, NULL_AWARE, OPERATORS_BY_KIND, lookups_for_kind
from .projection import Column
from .q import Q
from .schema import (
    LOOKUP_SEP,
    FieldInfo,
    FieldPath,
    ResolvedKey,
    Schema,
    ToManySplit,
    resolve_filter_key,
    resolve_sort_term,
    split_to_many,
)

__all__ = ["EVERYTHING", "NOTHING", "Filter", "Query", "combine", "compile_q"]


class _Const(enum.Enum):
    NOTHING = "NOTHING"
    EVERYTHING = "EVERYTHING"

    def __repr__(self) -> str:
        return self.value


NOTHING = _Const.NOTHING
EVERYTHING = _Const.EVERYTHING

Filter = Union[dict[str, Any], _Const, Deferred]  # noqa: UP007 (a runtime alias on 3.10)

_STRING_PREFIX_LOOKUPS = frozenset({"contains", "icontains", "startswith", "istartswith", "endswith",
                                    "iendswith"})
#: Directus's LIKE operators, by their positive form.
_PATTERNS = frozenset({"contains", "icontains", "starts_with", "istarts_with", "ends_with", "iends_with"})


# --- filters ---------------------------------------------------------------------------------------
def combine(connector: str, parts: Iterable[Filter]) -> Filter:
    """AND / OR filters, flattening nested groups of the same kind and folding the constants."""
    key, absorbing, neutral = ("_and", NOTHING, EVERYTHING) if connector == "AND" else ("_or", EVERYTHING,
                                                                                          NOTHING)
    out: list[Any] = []  # dicts and emulated nodes
    for part in parts:
        if part is absorbing:
            return absorbing
        if part is neutral or isinstance(part, _Const):
            continue
        if isinstance(part, dict) and len(part) == 1 and key in part:
            out.extend(part[key])
        else:
            out.append(part)
    if not out:
        return neutral
    return out[0] if len(out) == 1 else {key: out}


def _flatten(q: Q) -> list[Q | tuple[str, Any]]:
    """Children of ``q``, with un-negated sub-Qs of the same connector inlined: ``Q(a) & Q(b)`` is one
    group of conditions, as ``Q(a, b)`` (what matters for conditions on the same to-many relation)."""
    out: list[Q | tuple[str, Any]] = []
    for child in q.children:
        if isinstance(child, Q) and not child.negated and child.connector == q.connector and child.children:
            out.extend(_flatten(child))
        else:
            out.append(child)
    return out


def compile_q(q: Q, schema: Schema, negated: bool = False) -> Filter:
    """A ``Q`` tree -> a Directus filter (or a constant). Raises before any request on bad input.

    Conditions AND-ed in one ``Q`` (one ``filter()`` call) on the same to-many relation must hold for
    the *same* related row, as in Django: ``filter(books__title="X", books__pages__gt=100)``. Negated,
    each condition is its own (Django's ``exclude(books__title="X", books__pages=1)``: "no book titled X,
    or no book of 1 page").
    """
    if not q.children:
        return EVERYTHING
    neg = negated != q.negated
    connector = q.connector if not neg else ("OR" if q.connector == "AND" else "AND")
    parts: list[Filter] = []
    groups: dict[tuple[str, ...], list[tuple[str, Any, ToManySplit]]] = {}
    slots: list[tuple[str, ...] | Filter] = []
    for child in _flatten(q):
        if isinstance(child, Q):
            slots.append(compile_q(child, schema, neg))
            continue
        key, value = child
        split = split_to_many(schema, key)
        if split is None:
            slots.append(compile_condition(schema, key, value, neg))
        elif q.connector == "AND" and not neg and split.quantifier is None and split.rest != "isnull":
            if split.prefix not in groups:
                groups[split.prefix] = []
                slots.append(split.prefix)
            groups[split.prefix].append((key, value, split))
        else:
            slots.append(_to_many(schema, [(key, value, split)], neg))
    for slot in slots:
        if isinstance(slot, tuple):
            parts.append(_to_many(schema, groups[slot], neg))
        else:
            parts.append(slot)
    return combine(connector, parts)


def _simple(node: Any) -> bool:
    """True when ``node`` is one chain of fields ending in one operator: the only shape Directus
    12.4 evaluates inside ``_some`` / ``_none`` (it silently drops the whole condition otherwise)."""
    while isinstance(node, dict):
        if len(node) != 1:
            return False
        key, node = next(iter(node.items()))
        if key in ("_and", "_or"):
            return False
        if key.startswith("_") and key not in ("_some", "_none"):
            return True
    return False


def _related_q(key: str, value: Any, split: ToManySplit, related: Schema) -> tuple[Q, bool]:
    """The condition on the related collection, and whether it is inverted (``books__isnull=True``:
    no related row at all)."""
    rest = split.rest
    if split.quantifier is not None and not rest:
        if isinstance(value, Q):
            return value, False
        if isinstance(value, Mapping):
            return Q(**value), False
        raise FieldError(f"{key!r} takes a Q object (or a dict of conditions) on the related rows")
    if not rest:
        return Q(pk=value), False
    if LOOKUP_SEP not in rest and related.get_field(rest) is None and rest != "pk" and rest in LOOKUPS:
        if rest == "isnull":
            if not isinstance(value, bool):
                raise FieldError(f"{key!r} takes True or False, got {value!r}")
            return Q(pk__isnull=False), value
        return Q(**{f"pk__{rest}": value}), False
    return Q(**{rest: value}), False


def _to_many(schema: Schema, members: list[tuple[str, Any, ToManySplit]], negated: bool) -> Filter:
    """Conditions on one to-many relation -> ``{rel: {"_some"|"_none": ...}}`` (the related rows'
    filter, through the junction field for many-to-many)."""
    split = members[0][2]
    related = split.relation.schema()
    none = split.quantifier == "none"
    qs: list[Q] = []
    for key, value, sp in members:
        q, inverted = _related_q(key, value, sp, related)
        none = none != inverted
        qs.append(q)
    if negated:
        none = not none
    inner = compile_q(Q(*qs) if len(qs) > 1 else qs[0], related)
    if has_nodes(inner):
        return Pending(inner, lambda resolved: _wrap_to_many(schema, split, related, none, resolved))
    return _wrap_to_many(schema, split, related, none, inner)


def _wrap_to_many(schema: Schema, split: ToManySplit, related: Schema, none: bool, inner: Filter) -> Filter:
    """The related rows' filter -> the condition on ours: ``_some`` / ``_none`` where Directus evaluates
    it, the plain join form for a compound "some", the keys of the rows having one (``_nin``) for a
    "none" Directus would ignore or refuses."""
    rel = split.relation
    if inner is NOTHING:
        return EVERYTHING if none else NOTHING
    if inner is EVERYTHING:
        inner = {related.pk_name: {"_nnull": True}}
    assert isinstance(inner, dict)
    if rel.kind == "m2m" and rel.junction_field:
        inner = {rel.junction_field: inner}
    quantifier = "_none" if none else "_some"
    if split.top_level and _simple(inner):
        return {split.prefix[0]: {quantifier: inner}}
    # Directus ignores _some / _none around a compound condition and refuses them behind a many-to-one;
    # the plain relational form joins the related rows once, so every condition on this relation in
    # the filter holds for the same related row. "None" is its complement: the keys having one, _nin.
    joined = _nest(split.prefix, inner)
    if not none:
        return joined
    return KeySet(schema.collection, _pk(schema, "a negated to-many condition"), joined, True,
                  f"no related {'.'.join(split.prefix)} row matches")


def _check_allowed(key: str, rk: ResolvedKey, operator: str, why: str = "") -> None:
    kind = rk.field.kind
    if operator not in OPERATORS_BY_KIND[kind]:
        raise UnsupportedLookup(
            f"{key!r}: Directus does not allow _{operator}{why} on {kind} field {rk.field.name!r}; "
            f"lookups for {kind} fields: {', '.join(lookups_for_kind(kind))}"
        )


def _atom(key: str, rk: ResolvedKey, operator: str, value: Any, negated: bool) -> Filter:
    """One operator on one field, negated if asked (with the NULL branch Django semantics need)."""
    sent = NEGATED[operator] if negated else operator
    for op in dict.fromkeys((operator, sent)):
        _check_allowed(key, rk, op, "" if op == operator else
                       f" (the complement of _{operator}, needed to negate {key!r})")
    node = _nest(rk.path, {f"_{sent}": value})
    if negated and operator not in NULL_AWARE and rk.nullable:
        return {"_or": [node, _nest(rk.path, {"_null": True})]}
    return node


def _pk(schema: Schema, why: str) -> str:
    """The primary key a key list is read by (Directus collections have exactly one)."""
    if not schema.pk_name:
        raise UnsupportedLookup(f"{schema.label} has no primary key, which {why} needs (its matching keys "
                                "are read with a sub-query)")
    return schema.pk_name


def _emulated(schema: Schema, key: str, rk: ResolvedKey, operator: str, value: Any, raw: Any,
              negated: bool) -> Filter | None:
    """A LIKE operator Directus would get wrong (a wildcard in the value) or cannot negate
    (``_nicontains``), as a key set; None when the operator can be sent as it is."""
    sent = NEGATED[operator] if negated else operator
    positive = sent if sent in _PATTERNS else NEGATED.get(sent, "")
    if positive not in _PATTERNS:
        return None
    literal = has_wildcard(value) and not isinstance(raw, DynamicVariable)
    if not literal and sent in OPERATORS_BY_KIND[rk.field.kind]:
        return None
    _check_allowed(key, rk, positive)
    pk = _pk(schema, f"{key!r}")
    node = literal_keyset(schema.collection, pk, rk.path, positive, value, exclude=sent != positive,
                          literal=literal)
    if sent != positive and not negated:
        # A Directus negation written as such (ncontains): SQL's NOT LIKE drops NULL rows, so do we.
        return combine("AND", [node, _nest(rk.path, {"_nnull": True})])
    if sent == positive and negated and rk.nullable:
        return {"_or": [node, _nest(rk.path, {"_null": True})]}
    return node


def _value(key: str, info: FieldInfo, value: Any) -> Any:
    if isinstance(value, DynamicVariable):
        return value.value  # resolved by the server ($NOW, $CURRENT_USER ...)
    if value is None:
        raise FieldError(
            f"{key!r}: None is only valid with exact/isnull (use {key.split('__')[0]}__isnull=True)"
        )
    if isinstance(value, str) and value == "":
        raise FieldError(
            f"{key!r}: Directus refuses empty strings in filters; use the empty / nempty lookups instead"
        )
    if info.validate is None:
        from pydantic_core import to_jsonable_python

        return to_jsonable_python(value)
    try:
        return info.validate(value)
    except ValueError as exc:
        raise FieldError(
            f"{key!r}: invalid value {value!r} for {info.kind} field {info.name!r}: {exc}"
        ) from None


def compile_condition(schema: Schema, key: str, value: Any, negated: bool = False) -> Filter:
    """One ``field__lookup=value`` keyword -> filter."""
    rk = resolve_filter_key(schema, key)
    lk = rk.lookup
    if lk.shape == "bool":
        if not isinstance(value, bool):
            raise FieldError(f"{key!r} takes True or False, got {value!r}")
        return _atom(key, rk, lk.operator if value else NEGATED[lk.operator], True, negated)
    if lk.name in ("exact", "eq", "neq", "iexact") and value is None:
        # exact=None means IS NULL, as in Django (Directus would also accept _eq: null).
        return _atom(key, rk, "null" if lk.name != "neq" else "nnull", True, negated)
    if lk.name in ("exact", "eq", "iexact") and value == "":
        # Directus refuses "" in filters; "= ''" is "empty (NULL or '') and not NULL".
        parts = [_atom(key, rk, "empty", True, negated), _atom(key, rk, "nnull", True, negated)]
        return combine("OR" if negated else "AND", parts)
    if lk.name in _STRING_PREFIX_LOOKUPS and value == "":
        # Every non-NULL string contains / starts with "".
        return _atom(key, rk, "nnull", True, negated)
    if lk.shape == "list" and isinstance(value, DynamicVariable):
        return _atom(key, rk, lk.operator, [value.value], negated)  # e.g. role__in=CurrentRoles()
    if lk.shape == "list":
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise FieldError(f"{key!r} takes a list of values, got {value!r}")
        items = [_value(key, rk.field, v) for v in value if v is not None]  # Django drops None from __in
        if not items:
            # Directus refuses an empty list; "in nothing" matches no row.
            matches_nothing = (lk.operator == "in") != negated
            return NOTHING if matches_nothing else EVERYTHING
        return _atom(key, rk, lk.operator, items, negated)
    if lk.shape == "pair":
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise FieldError(f"{key!r} takes (low, high), got {value!r}")
        pair = list(value)
        if len(pair) != 2:
            # Directus silently ignores _between with any other length.
            raise FieldError(f"{key!r} takes exactly 2 values (low, high), got {len(pair)}")
        return _atom(key, rk, lk.operator, [_value(key, rk.field, v) for v in pair], negated)
    if lk.shape == "geojson":
        if not isinstance(value, dict):
            raise FieldError(f"{key!r} takes a GeoJSON object (dict), got {value!r}")
        return _atom(key, rk, lk.operator, value, negated)
    if lk.operator in ("regex", "iregex"):
        if rk.field.kind not in ("string", "any"):
            raise UnsupportedLookup(f"{key!r}: {lk.name} applies to string fields; {rk.field.name!r} is a "
                                    f"{rk.field.kind} field")
        return regex_keyset(schema.collection, _pk(schema, f"{key!r}"), rk.path, key, value,
                            lk.operator == "iregex", negated)
    sent = _value(key, rk.field, value)
    if lk.operator == "ieq":
        if rk.field.kind not in ("string", "any") or not isinstance(sent, str):
            return _atom(key, rk, "eq", sent, negated)  # no case to ignore: Django's iexact is exact here
        return literal_keyset(schema.collection, _pk(schema, f"{key!r}"), rk.path, "ieq", sent, negated,
                              literal=True)
    emulated = _emulated(schema, key, rk, lk.operator, sent, value, negated)
    if emulated is not None:
        return emulated
    return _atom(key, rk, lk.operator, sent, negated)


# --- the query -------------------------------------------------------------------------------------
def _to_many_names(schema: Schema) -> list[str]:
    out = []
    for name in schema.field_names():
        info = schema.get_field(name)
        if info is not None and info.relation is not None and info.relation.many:
            out.append(name)
    return out


def _at(tree: dict[str, Any], path: Sequence[str]) -> dict[str, Any]:
    node = tree
    for segment in path:
        node = node.setdefault(segment, {})
    return node


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
    if path.relation_end and rel is not None and rel.kind == "m2m" and rel.junction_field:
        return f"{path.directus}.{rel.junction_field}"
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
    # -- what comes back (issue 4) --
    related: tuple[tuple[tuple[str, ...], Schema], ...] = ()  # (path, its schema) loaded whole
    deep: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = ()  # Prefetch querysets: deep[path]
    only: tuple[str, ...] | None = None  # Directus field paths (only())
    defer: tuple[str, ...] = ()  # field names (defer())
    columns: tuple[Column, ...] | None = None  # values() / values_list()
    group_by: tuple[str, ...] | None = None  # values(...).annotate(<aggregate>) / distinct()
    annotations: tuple[Column, ...] = ()  # annotate(n=Count("books")) on rows: function fields
    emulated: bool = False  # the filter holds emulated conditions (set by where(), cleared by emulate())

    # -- building -----------------------------------------------------------------------------------
    def _replace(self, **changes: Any) -> Query:
        """``dataclasses.replace`` without re-running ``__init__`` over every field (it costs ~1.6 us,
        and every chained QuerySet call clones the query). Query has no ``__post_init__``."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__, **changes)
        return clone

    def where(self, q: Q, negated: bool = False) -> Query:
        compiled = compile_q(q, self.schema, negated)
        return self._replace(filter=combine("AND", [self.filter, compiled]),
                             emulated=self.emulated or has_nodes(compiled))

    def order_by(self, *terms: str) -> Query:
        return self._replace(ordering=tuple(resolve_sort_term(self.schema, t) for t in terms),
                             standard_ordering=True)

    def reversed(self) -> Query:
        return self._replace(standard_ordering=not self.standard_ordering)

    def with_default_ordering(self, terms: Sequence[str]) -> Query:
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

    def fields(self) -> list[str] | None:
        """Directus's ``fields``; None when ``*`` says it all."""
        if self.columns is not None:
            out: list[str] = []
            for col in self.columns:
                if col.path is not None:
                    out.append(_column_field(col.path))
                elif col.function_key:
                    out.append(col.agg_field)
            return list(dict.fromkeys(out))
        loaded = list(dict.fromkeys(".".join(p) for p, _ in self.related))
        if self.only is not None:
            base = list(dict.fromkeys([self.schema.pk_name, *self.only]))
        elif self.defer:
            base = [f for f in self.schema.field_names() if f not in self.defer]
        else:
            base = ["*"]
        defaults = getattr(self.schema, "m2m_default_fields", None)
        for extra in defaults() if defaults is not None else ():
            name, _, _ = extra.partition(".")
            if ("*" in base or name in base) and extra not in loaded:
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
        names = schema.field_names()
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
            for name in _to_many_names(self.schema):
                if "*" in fields or any(f == name or f.startswith(f"{name}.") for f in fields):
                    out.setdefault(name, {})["_limit"] = -1
            for path, schema in self.related:
                node = _at(out, path)
                for name in () if self._to_one_only(path) else _to_many_names(schema):
                    node.setdefault(name, {})["_limit"] = -1
                for i in range(len(path)):
                    if self._walk_many(path[:i + 1]):
                        _at(out, path[:i + 1]).setdefault("_limit", -1)
        elif self.columns is not None:
            for col in self.columns:
                if col.path is not None:
                    for i in col.path.many_at:
                        _at(out, col.path.keys[:i + 1])["_limit"] = -1
                    if col.path.relation_end and col.path.field.relation and col.path.field.relation.many:
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
        if not isinstance(self.filter, _Const):
            out["filter"] = self.filter
        if self.search is not None:
            out["search"] = self.search
        return out

    def shape_params(self, *, shown: bool = False) -> dict[str, Any]:
        """``fields`` and ``deep``: what comes back for each row (also the item endpoint's query)."""
        if not shown and self.needs_emulation:
            self.filter_params()  # raises
        out: dict[str, Any] = {}
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
