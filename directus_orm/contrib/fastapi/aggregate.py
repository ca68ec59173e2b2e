"""The aggregate route: ``GET /<collection>/aggregate?count=id&sum=speakers&group_by=family``.

``count`` / ``sum`` / ``avg`` / ``min`` / ``max`` each take comma-separated field names, ``group_by``
the fields to group by; the list route's filters and ``search`` narrow the rows first, and the row rule
applies. One request to Directus, through the query layer (``aggregate()``, or ``values(...).annotate``
when grouped). The answer is a list of groups, each with its ``group_by`` values and one object per
function (``[{"family": "Uralic", "count": {"id": 2}, "sum": {"speakers": 18000000}}]``); without
``group_by``, a list of one. Numbers come back as the query layer types them (``sum`` of an integer
field an integer, ``avg`` a float, of a decimal field a decimal as a string in JSON).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ...exceptions import FieldError
from ...query import Avg, Count, Max, Min, QuerySet, Sum
from ...query.aggregates import Aggregate
from .querystring import names, param_error

__all__ = ["AGGREGATE_PARAMETERS", "FUNCTIONS", "aggregate_rows"]

FUNCTIONS: dict[str, type[Aggregate]] = {"count": Count, "sum": Sum, "avg": Avg, "min": Min, "max": Max}
AGGREGATE_PARAMETERS = frozenset({*FUNCTIONS, "group_by", "search"})
"""The aggregate route's own parameters (never filters)."""


def _check(field: str, valid: Iterable[str], param: str) -> None:
    allowed = list(valid)
    if field not in allowed:
        raise param_error(f"unknown field {field!r} in ?{param}=", "UNKNOWN_FIELD", valid=allowed,
                          parameter=param)


async def aggregate_rows(qs: QuerySet[Any], params: Mapping[str, str | None],
                         fields: Iterable[str]) -> list[dict[str, Any]]:
    """Run the aggregate ``params`` ask for over ``qs``; ``fields``: the names they may use."""
    valid = list(fields)
    group_by = names(params.get("group_by"))
    for name in group_by:
        _check(name, valid, "group_by")
    wanted: list[tuple[str, str]] = []
    for function in FUNCTIONS:
        for name in names(params.get(function)):
            _check(name, valid, function)
            wanted.append((function, name))
    if not wanted:
        raise param_error("give at least one of ?count=, ?sum=, ?avg=, ?min=, ?max= (field names)",
                          "NO_AGGREGATE", valid=sorted(FUNCTIONS))
    aliases = {f"agg_{i}_{function}": (function, name) for i, (function, name) in enumerate(wanted)}
    expressions = {alias: FUNCTIONS[function](name) for alias, (function, name) in aliases.items()}
    try:
        if group_by:
            grouped = qs.values(*group_by).annotate(**expressions).order_by(*group_by)
            rows: list[dict[str, Any]] = list(await grouped)
        else:
            rows = [await qs.aggregate(**expressions)]
    except FieldError as exc:  # e.g. sum over a text field, a to-many group
        raise param_error(str(exc), "INVALID_AGGREGATE") from None
    out: list[dict[str, Any]] = []
    for row in rows:
        group: dict[str, Any] = {name: row.get(name) for name in group_by}
        for alias, (function, name) in aliases.items():
            group.setdefault(function, {})[name] = row.get(alias)
        out.append(group)
    return out
