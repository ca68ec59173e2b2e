"""Filters applied client-side, for endpoints that answer a whole list whatever the query
(``/collections``, ``/fields``, ``/relations``, ``/extensions``: ``connection/profiles.py``).

Only conditions whose answer Python knows exactly are evaluated: equality (``_eq``, ``_neq``, ``_in``,
``_nin``) and ``_null`` / ``_nnull`` on the rows' own top-level fields, combined with ``_and`` / ``_or``.
Values compare in their JSON form, as the compiled filter holds them. Anything else (comparisons,
patterns, paths into ``meta`` or ``schema``, relations) is refused before the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["local_filter_problem", "matches"]

_LEAF_OPERATORS = frozenset({"_eq", "_neq", "_in", "_nin", "_null", "_nnull"})


def local_filter_problem(where: Mapping[str, Any]) -> str | None:
    """Why ``where`` cannot be evaluated here (None: it can)."""
    for key, value in where.items():
        if key in ("_and", "_or"):
            if not isinstance(value, list):
                return f"{key} without a list"
            for part in value:
                problem = local_filter_problem(part)
                if problem:
                    return problem
            continue
        if key.startswith("_") or not isinstance(value, Mapping):
            return f"the condition {key!r}"
        for op in value:
            if op not in _LEAF_OPERATORS:
                return f"{op!r} on {key!r} (only equality, in and null tests are evaluated client-side)"
    return None


def _leaf(row: Mapping[str, Any], field: str, op: str, value: Any) -> bool:
    have = row.get(field)
    if op == "_null":
        return (have is None) == bool(value)
    if op == "_nnull":
        return (have is not None) == bool(value)
    if have is None:
        return False  # SQL: a comparison with NULL is not true
    if op == "_eq":
        return bool(have == value)
    if op == "_neq":
        return bool(have != value)
    if op == "_in":
        return have in value
    return have not in value  # _nin


def matches(where: Mapping[str, Any], row: Mapping[str, Any]) -> bool:
    """Whether ``row`` matches ``where`` (checked first with :func:`local_filter_problem`)."""
    for key, value in where.items():
        if key == "_and":
            if not all(matches(part, row) for part in value):
                return False
        elif key == "_or":
            if not any(matches(part, row) for part in value):
                return False
        elif not all(_leaf(row, key, op, operand) for op, operand in value.items()):
            return False
    return True
