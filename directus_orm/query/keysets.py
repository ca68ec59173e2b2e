"""Conditions Directus cannot evaluate, as nodes of a compiled filter (pure: no I/O).

Directus passes ``%``, ``_`` (and, on Postgres/MySQL, ``\\``) in ``_contains`` / ``_starts_with`` /
``_ends_with`` and their ``i``/``n`` forms into SQL ``LIKE`` unescaped, and has no ``_nicontains``,
``_ieq`` or regular expressions. The compiler puts a :class:`KeySet` where such a condition stands: "the
rows of this collection whose keys a sub-query returns" (``pk _in keys``, or ``pk _nin keys`` for a
negation, which keeps NULL rows as Django's ``exclude()`` does). The sub-query sends a *broader* filter
Directus evaluates correctly (the literal fragments of the value) and the exact check runs here, in
Python, on the values it returns. A :class:`Pending` node is a to-many condition whose related filter
holds such nodes: it is finished (``_some`` / ``_none`` / the join form) once they are resolved.

:mod:`directus_orm.query.emulation` resolves the nodes (one request per :class:`KeySet`) right before
a query is sent; a query without nodes is sent exactly as compiled, with no extra request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..exceptions import FieldError

__all__ = ["WILDCARDS", "Deferred", "KeySet", "Pending", "first_pk_of", "folds_beyond_ascii", "has_nodes",
           "has_wildcard", "insensitive", "literal_keyset", "nest", "regex_keyset", "values_at"]

WILDCARDS = "%_\\"
"""Characters SQL ``LIKE`` may treat specially: ``%`` and ``_`` everywhere, ``\\`` as the default escape
character on Postgres and MySQL (SQLite has none unless asked)."""
_SPLIT = re.compile(r"[%_\\]")


def has_wildcard(value: Any) -> bool:
    return isinstance(value, str) and any(c in value for c in WILDCARDS)


def folds_beyond_ascii(value: Any) -> bool:
    """Whether lowering ``value`` changes a character outside ASCII (``"ÉLAN"``). Directus lowers the
    value of an ``i`` operator in JavaScript but the column with the database's ``LOWER()``, which on
    SQLite folds ASCII only: ``LOWER('ÉLAN')`` is ``'Élan'``, so ``_icontains: "ÉLAN"`` misses the row
    ``"ÉLAN"`` itself."""
    return isinstance(value, str) and not value.isascii() and any(
        c.lower() != c for c in value if not c.isascii())


class Deferred:
    """A node of a compiled filter that needs requests before the filter can be sent."""

    def __str__(self) -> str:  # shown by print(qs.query)
        raise NotImplementedError

    def first_pk(self) -> str:
        raise NotImplementedError


@dataclass(eq=False)
class KeySet(Deferred):
    """``pk _in keys`` (``exclude``: ``pk _nin keys``), the keys being those of the rows of
    ``collection`` that match ``filter`` (sent as is; it may hold nodes itself) and, when ``check`` is
    set, whose value at ``path`` passes it (several values through a to-many path: any of them)."""

    collection: str
    pk: str
    filter: Any
    exclude: bool
    what: str  # the condition, for people: "name contains '50%' (literally)"
    path: tuple[str, ...] | None = None
    check: Callable[[Any], bool] | None = None

    def first_pk(self) -> str:
        return self.pk

    def __str__(self) -> str:
        sent = json.dumps(self.filter, default=str, separators=(",", ":"))
        moved = f"{self.pk} and {'.'.join(self.path)}" if self.path else self.pk
        return (f"<emulated {self.what}: {self.pk} {'_nin' if self.exclude else '_in'} the keys read by "
                f"1 request to {self.collection} (filter={sent}, fields={moved} of every row it matches)>")


@dataclass(eq=False)
class Pending(Deferred):
    """A to-many condition whose related filter ``inner`` holds nodes: ``finish`` builds the condition
    from the resolved filter (pure, the compiler's own code)."""

    inner: Any
    finish: Callable[[Any], Any]

    def first_pk(self) -> str:
        return first_pk_of(self.inner)

    def __str__(self) -> str:
        return f"<to-many condition on the rows matching {json.dumps(self.inner, default=str)}>"


def first_pk_of(node: Any) -> str:
    found = next(_nodes(node), None)
    if found is None:  # pragma: no cover - only called on trees that hold nodes
        raise FieldError("internal error: no emulated condition in this filter")
    return found.first_pk()


def _nodes(node: Any) -> Iterator[Deferred]:
    """The nodes of a filter tree (not looking into operator values: key lists are data)."""
    if isinstance(node, Deferred):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("_and", "_or"):
                for part in value:
                    yield from _nodes(part)
            elif not key.startswith("_") or key in ("_some", "_none"):
                yield from _nodes(value)


def has_nodes(node: Any) -> bool:
    """Whether a filter tree holds nodes (checked before every request: kept a plain recursion)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "_and" or key == "_or":
                for part in value:
                    if has_nodes(part):
                        return True
            elif (key[:1] != "_" or key == "_some" or key == "_none") and has_nodes(value):
                return True
        return False
    return isinstance(node, Deferred)


def values_at(row: Any, path: tuple[str, ...]) -> Iterator[Any]:
    """The values at ``path`` in an answered row (lists, from to-many steps, are walked)."""
    if isinstance(row, list):
        for item in row:
            yield from values_at(item, path)
        return
    if not path:
        yield row
        return
    if isinstance(row, dict):
        yield from values_at(row.get(path[0]), path[1:])


# --- building the nodes --------------------------------------------------------------------------------
def nest(path: Sequence[str], condition: dict[str, Any]) -> dict[str, Any]:
    """``("author", "name"), {"_eq": 1}`` -> ``{"author": {"name": {"_eq": 1}}}``."""
    node: dict[str, Any] = condition
    for segment in reversed(path):
        node = {segment: node}
    return node


def insensitive(path: Sequence[str], operator: str, value: Any) -> dict[str, Any]:
    """``{path: {"_<operator>": value}}`` for a case-insensitive operator (``icontains``, ``istarts_with``,
    ``iends_with``), or-ed with its plain form when the value folds beyond ASCII: the plain form finds
    the identical string on every database, which SQLite's ASCII-only ``LOWER()`` misses."""
    node = nest(path, {f"_{operator}": value})
    if not folds_beyond_ascii(value):
        return node
    return {"_or": [node, nest(path, {f"_{operator[1:]}": value})]}


def broad_filter(path: tuple[str, ...], operator: str, value: str) -> dict[str, Any]:
    """A filter Directus evaluates that every row passing the literal ``operator`` (``contains``,
    ``istarts_with``, ``ieq``, ...) passes too: its fragments between wildcard characters, anchored
    where the value is."""
    insensitive_op = operator.startswith("i")
    base = operator[1:] if insensitive_op else operator
    parts = _SPLIT.split(value)
    conditions: list[dict[str, Any]] = []
    last = len(parts) - 1
    for i, fragment in enumerate(parts):
        if not fragment:
            continue
        ops = []
        if i == 0 and base in ("starts_with", "eq"):
            ops.append("starts_with")
        if i == last and base in ("ends_with", "eq"):
            ops.append("ends_with")
        for op in ops or ["contains"]:
            condition = (insensitive(path, f"i{op}", fragment) if insensitive_op
                         else nest(path, {f"_{op}": fragment}))
            if condition not in conditions:
                conditions.append(condition)
    if not conditions:
        return nest(path, {"_nnull": True})
    return conditions[0] if len(conditions) == 1 else {"_and": conditions}


def _checker(operator: str, value: str) -> Callable[[Any], bool]:
    low = value.lower()
    tests: dict[str, Callable[[str], bool]] = {
        "contains": lambda s: value in s,
        "icontains": lambda s: low in s.lower(),
        "starts_with": lambda s: s.startswith(value),
        "istarts_with": lambda s: s.lower().startswith(low),
        "ends_with": lambda s: s.endswith(value),
        "iends_with": lambda s: s.lower().endswith(low),
        "ieq": lambda s: s.lower() == low,
    }
    test = tests[operator]
    return lambda s: isinstance(s, str) and test(s)


_WORDS = {"contains": "contains", "icontains": "icontains", "starts_with": "startswith",
          "istarts_with": "istartswith", "ends_with": "endswith", "iends_with": "iendswith",
          "ieq": "iexact"}


def literal_keyset(collection: str, pk: str, path: tuple[str, ...], operator: str, value: Any,
                   exclude: bool, literal: bool) -> KeySet:
    """The rows whose value at ``path`` passes ``operator`` (a positive pattern operator, or ``ieq``)
    with ``value`` taken literally (checked here), or, when not ``literal`` (no wildcard in it, or a
    dynamic variable), as Directus's own operator takes it (only its negation was missing)."""
    name = ".".join(path)
    if not literal or not isinstance(value, str):
        condition = insensitive(path, operator, value) if operator.startswith("i") else nest(
            path, {f"_{operator}": value})
        return KeySet(collection, pk, condition, exclude,
                      f"{'NOT ' if exclude else ''}{name} {_WORDS[operator]} {value!r}")
    what = f"{'NOT ' if exclude else ''}{name} {_WORDS[operator]} {value!r} (checked literally in Python)"
    return KeySet(collection, pk, broad_filter(path, operator, value), exclude, what, path,
                  _checker(operator, value))


def regex_keyset(collection: str, pk: str, path: tuple[str, ...], key: str, pattern: Any,
                 insensitive: bool, exclude: bool) -> KeySet:
    """``regex`` / ``iregex``: every non-NULL value is read and matched with Python's ``re.search``
    (Django's own semantics on SQLite)."""
    if not isinstance(pattern, str):
        raise FieldError(f"{key!r} takes a regular expression (a string), got {pattern!r}")
    try:
        compiled = re.compile(pattern, re.IGNORECASE if insensitive else 0)
    except re.error as exc:
        raise FieldError(f"{key!r}: invalid regular expression {pattern!r}: {exc}") from None
    name = ".".join(path)
    what = f"{'NOT ' if exclude else ''}{name} {'iregex' if insensitive else 'regex'} {pattern!r} (Python re)"
    return KeySet(collection, pk, nest(path, {"_nnull": True}), exclude, what, path,
                  lambda s: isinstance(s, str) and compiled.search(s) is not None)
