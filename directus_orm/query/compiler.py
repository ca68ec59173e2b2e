"""Compile queries to Directus query parameters. Pure: no I/O, so unit tests pin the exact JSON.

Negation is pushed down to the leaves (Directus has no ``_not``): De Morgan swaps ``_and``/``_or`` and
each operator becomes its complement (``_eq`` -> ``_neq``, ``_gt`` -> ``_lte`` ...). SQL comparisons are
never true for NULL, so a negated comparison on a nullable field also matches NULL
(``{"_or": [{f: {"_neq": v}}, {f: {"_null": true}}]}``), which is what Django's ``exclude()`` does.

Two constants stand for filters that need no server: ``NOTHING`` (e.g. ``in=[]``, or ``none()``) and
``EVERYTHING`` (no condition).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Union

from ..exceptions import FieldError, UnsupportedLookup
from .lookups import NEGATED, NULL_AWARE, OPERATORS_BY_KIND, lookups_for_kind
from .q import Q
from .schema import FieldInfo, ResolvedKey, Schema, resolve_filter_key, resolve_sort_term

__all__ = ["EVERYTHING", "NOTHING", "Filter", "Query", "combine", "compile_q"]


class _Const(enum.Enum):
    NOTHING = "NOTHING"
    EVERYTHING = "EVERYTHING"

    def __repr__(self) -> str:
        return self.value


NOTHING = _Const.NOTHING
EVERYTHING = _Const.EVERYTHING

Filter = Union[dict[str, Any], _Const]  # noqa: UP007 (a runtime alias on 3.10)

_STRING_PREFIX_LOOKUPS = frozenset({"contains", "icontains", "startswith", "istartswith", "endswith",
                                    "iendswith"})


# --- filters ---------------------------------------------------------------------------------------
def combine(connector: str, parts: Iterable[Filter]) -> Filter:
    """AND / OR filters, flattening nested groups of the same kind and folding the constants."""
    key, absorbing, neutral = ("_and", NOTHING, EVERYTHING) if connector == "AND" else ("_or", EVERYTHING,
                                                                                          NOTHING)
    out: list[dict[str, Any]] = []
    for part in parts:
        if part is absorbing:
            return absorbing
        if part is neutral or isinstance(part, _Const):
            continue
        if len(part) == 1 and key in part:
            out.extend(part[key])
        else:
            out.append(part)
    if not out:
        return neutral
    return out[0] if len(out) == 1 else {key: out}


def compile_q(q: Q, schema: Schema, negated: bool = False) -> Filter:
    """A ``Q`` tree -> a Directus filter (or a constant). Raises before any request on bad input."""
    if not q.children:
        return EVERYTHING
    neg = negated != q.negated
    connector = q.connector if not neg else ("OR" if q.connector == "AND" else "AND")
    parts = [
        compile_q(child, schema, neg) if isinstance(child, Q) else compile_condition(schema, *child, neg)
        for child in q.children
    ]
    return combine(connector, parts)


def _nest(path: Sequence[str], condition: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = condition
    for segment in reversed(path):
        node = {segment: node}
    return node


def _atom(key: str, rk: ResolvedKey, operator: str, value: Any, negated: bool) -> Filter:
    """One operator on one field, negated if asked (with the NULL branch Django semantics need)."""
    kind = rk.field.kind
    sent = NEGATED[operator] if negated else operator
    allowed = OPERATORS_BY_KIND[kind]
    for op in dict.fromkeys((operator, sent)):
        if op not in allowed:
            why = "" if op == operator else f" (the complement of _{operator}, needed to negate {key!r})"
            raise UnsupportedLookup(
                f"{key!r}: Directus does not allow _{op}{why} on {kind} field {rk.field.name!r}; "
                f"lookups for {kind} fields: {', '.join(lookups_for_kind(kind))}"
            )
    node = _nest(rk.path, {f"_{sent}": value})
    if negated and operator not in NULL_AWARE and rk.field.nullable:
        return {"_or": [node, _nest(rk.path, {"_null": True})]}
    return node


def _value(key: str, info: FieldInfo, value: Any) -> Any:
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
    if lk.name in ("exact", "eq", "neq") and value is None:
        # exact=None means IS NULL, as in Django (Directus would also accept _eq: null).
        return _atom(key, rk, "null" if lk.name != "neq" else "nnull", True, negated)
    if lk.name in ("exact", "eq") and value == "":
        # Directus refuses "" in filters; "= ''" is "empty (NULL or '') and not NULL".
        parts = [_atom(key, rk, "empty", True, negated), _atom(key, rk, "nnull", True, negated)]
        return combine("OR" if negated else "AND", parts)
    if lk.name in _STRING_PREFIX_LOOKUPS and value == "":
        # Every non-NULL string contains / starts with "".
        return _atom(key, rk, "nnull", True, negated)
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
    return _atom(key, rk, lk.operator, _value(key, rk.field, value), negated)


# --- the query -------------------------------------------------------------------------------------
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

    # -- building -----------------------------------------------------------------------------------
    def _replace(self, **changes: Any) -> Query:
        """``dataclasses.replace`` without re-running ``__init__`` over every field (it costs ~1.6 us,
        and every chained QuerySet call clones the query). Query has no ``__post_init__``."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__, **changes)
        return clone

    def where(self, q: Q, negated: bool = False) -> Query:
        compiled = compile_q(q, self.schema, negated)
        return self._replace(filter=combine("AND", [self.filter, compiled]))

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
    def is_ordered(self) -> bool:
        return bool(self.ordering if self.ordering is not None else self.default_ordering)

    def sort(self) -> list[str]:
        """The sort sent: the ordering, then the primary key so that pages never overlap."""
        terms = list(self.ordering if self.ordering is not None else self.default_ordering)
        pk = self.schema.pk_name
        if not any(t.lstrip("-") == pk for t in terms):
            terms.append(pk)
        return terms if self.standard_ordering else [_flip(t) for t in terms]

    def filter_params(self) -> dict[str, Any]:
        """``filter`` and ``search``: what selects the rows (also used by update/delete/count)."""
        out: dict[str, Any] = {}
        if isinstance(self.filter, dict):
            out["filter"] = self.filter
        if self.search is not None:
            out["search"] = self.search
        return out

    def params(self) -> dict[str, Any]:
        """The read parameters: filter, search, sort, and the slice as offset/limit."""
        out = self.filter_params()
        out["sort"] = self.sort()
        if self.low:
            out["offset"] = self.low
        if self.high is not None:
            out["limit"] = self.high - self.low
        return out

    def __str__(self) -> str:
        if self.is_empty:
            return f"<empty query on {self.schema.collection}: matches nothing, no request is sent>"
        return f"{self.schema.collection} {json.dumps(self.params(), default=str, sort_keys=True)}"
