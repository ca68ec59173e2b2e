"""Lookups as data: Django lookup names -> Directus filter operators, and what Directus allows where.

Directus 12 validates every filter operator against the field's type (``getFilterOperatorsForType`` in
``@directus/utils``) and answers ``INVALID_QUERY`` otherwise. We mirror that table so a query it would
refuse fails here, before any request, with a message that says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DATE_PARTS",
    "EMULATED",
    "KINDS",
    "LOOKUPS",
    "NEGATED",
    "OPERATORS_BY_KIND",
    "UNSUPPORTED_LOOKUPS",
    "Kind",
    "Lookup",
]

Kind = Literal["string", "integer", "float", "boolean", "datetime", "date", "time", "uuid", "json",
               "geometry", "any"]
"""A field's Directus kind, derived from its Python annotation ("any": unknown, e.g. dict collections or
relation paths - the server decides)."""
KINDS: tuple[str, ...] = ("string", "integer", "float", "boolean", "datetime", "date", "time", "uuid",
                          "json", "geometry", "any")

_STRING = frozenset({
    "eq", "neq", "contains", "ncontains", "icontains", "starts_with", "nstarts_with", "istarts_with",
    "nistarts_with", "ends_with", "nends_with", "iends_with", "niends_with", "empty", "nempty", "null",
    "nnull", "in", "nin",
})
_ORDERED = frozenset({"eq", "neq", "lt", "lte", "gt", "gte", "between", "nbetween", "null", "nnull", "in",
                      "nin"})
_GEOMETRY = frozenset({"eq", "neq", "null", "nnull", "intersects", "nintersects", "intersects_bbox",
                       "nintersects_bbox"})

OPERATORS_BY_KIND: dict[str, frozenset[str]] = {
    "string": _STRING,
    "uuid": frozenset({"eq", "neq", "null", "nnull", "in", "nin"}),
    "json": frozenset({"null", "nnull"}),
    "boolean": frozenset({"eq", "neq", "null", "nnull"}),
    "integer": _ORDERED,
    "float": _ORDERED,
    "datetime": _ORDERED,
    "date": _ORDERED,
    "time": _ORDERED,
    "geometry": _GEOMETRY,
    # Unknown type: anything some type allows (never _ieq/_nieq/_nicontains: no type allows those).
    "any": _STRING | _ORDERED | _GEOMETRY,
}
"""Operators (without the leading underscore) Directus 12.4 accepts per kind."""

NEGATED: dict[str, str] = {}
"""Operator -> its complement. ``~Q`` pushes negation down to the leaves with these (Directus has no
``_not``). ``nicontains`` is the complement of ``icontains`` but Directus 12 refuses it everywhere: the
compiler emulates it (see ``keysets.py``)."""
for _a, _b in [
    ("eq", "neq"), ("in", "nin"), ("contains", "ncontains"), ("icontains", "nicontains"),
    ("starts_with", "nstarts_with"), ("istarts_with", "nistarts_with"), ("ends_with", "nends_with"),
    ("iends_with", "niends_with"), ("gt", "lte"), ("gte", "lt"), ("between", "nbetween"),
    ("null", "nnull"), ("empty", "nempty"), ("intersects", "nintersects"),
    ("intersects_bbox", "nintersects_bbox"),
]:
    NEGATED[_a], NEGATED[_b] = _b, _a

NULL_AWARE = frozenset({"null", "nnull", "empty", "nempty"})
"""Operators that already decide NULL rows themselves: negating them needs no ``OR field IS NULL``."""

EMULATED = frozenset({"ieq", "regex", "iregex"})
"""Lookups no Directus operator evaluates: the compiler reads the matching keys with a sub-query
(``keysets.py``), on string fields (and fields of unknown kind)."""

Shape = Literal["scalar", "list", "pair", "bool", "geojson"]


@dataclass(frozen=True)
class Lookup:
    """``name`` as written after ``__``; ``operator`` the Directus operator (no underscore); ``shape``
    what the value must be. ``bool`` lookups (isnull, empty) use ``operator`` for True and its
    complement for False."""

    name: str
    operator: str
    shape: Shape = "scalar"


LOOKUPS: dict[str, Lookup] = {lk.name: lk for lk in [
    # Django's names
    Lookup("exact", "eq"),
    Lookup("contains", "contains"),
    Lookup("icontains", "icontains"),
    Lookup("startswith", "starts_with"),
    Lookup("istartswith", "istarts_with"),
    Lookup("endswith", "ends_with"),
    Lookup("iendswith", "iends_with"),
    Lookup("in", "in", "list"),
    Lookup("gt", "gt"),
    Lookup("gte", "gte"),
    Lookup("lt", "lt"),
    Lookup("lte", "lte"),
    Lookup("range", "between", "pair"),
    Lookup("isnull", "null", "bool"),
    # emulated (Directus has no such operator: see keysets.py)
    Lookup("iexact", "ieq"),
    Lookup("regex", "regex"),
    Lookup("iregex", "iregex"),
    # Directus's own
    Lookup("eq", "eq"),
    Lookup("neq", "neq"),
    Lookup("nin", "nin", "list"),
    Lookup("ncontains", "ncontains"),
    Lookup("between", "between", "pair"),
    Lookup("nbetween", "nbetween", "pair"),
    Lookup("empty", "empty", "bool"),
    Lookup("nempty", "nempty", "bool"),
    Lookup("null", "null", "bool"),
    Lookup("nnull", "nnull", "bool"),
    Lookup("intersects", "intersects", "geojson"),
    Lookup("nintersects", "nintersects", "geojson"),
    Lookup("intersects_bbox", "intersects_bbox", "geojson"),
    Lookup("nintersects_bbox", "nintersects_bbox", "geojson"),
]}

DATE_PARTS: dict[str, str] = {
    "year": "year", "month": "month", "week": "week", "day": "day", "weekday": "weekday",
    "hour": "hour", "minute": "minute", "second": "second",
}
"""Date-part transforms: Django name -> Directus function (``published__year`` -> ``year(published)``).
``week`` and ``weekday`` are computed by the database (``%W`` / ``%w`` on SQLite, ``EXTRACT(WEEK|DOW)``
on Postgres, ``WEEK()`` / ``DAYOFWEEK()`` on MySQL), so their numbering differs between databases."""

UNSUPPORTED_LOOKUPS: dict[str, str] = {
    "search": "use QuerySet.search(term) for Directus's full-text search",
    "week_day": "Directus's weekday() numbers days differently per database (0 = Sunday on SQLite and "
                "Postgres, 1 = Sunday on MySQL): use the weekday transform, which passes Directus's value on",
    "iso_week_day": "Directus has no ISO weekday function; use weekday (database-dependent numbering)",
    "iso_year": "Directus has no ISO year function",
    "quarter": "Directus has no quarter function; use month__in=[...] or month__range=(...)",
    "date": "Directus has no date() function; use a range on the datetime field",
}
"""Django lookups Directus cannot evaluate, with the reason given to the user."""


def lookups_for_kind(kind: str) -> list[str]:
    """Lookup names usable (un-negated) on a field of ``kind``."""
    allowed = OPERATORS_BY_KIND[kind]
    names = []
    for lk in LOOKUPS.values():
        if lk.operator in EMULATED:
            if kind in ("string", "any"):
                names.append(lk.name)
            continue
        ops = {lk.operator, NEGATED[lk.operator]} if lk.shape == "bool" else {lk.operator}
        if ops <= allowed:
            names.append(lk.name)
    return names
