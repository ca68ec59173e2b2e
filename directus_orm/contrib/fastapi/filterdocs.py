"""The list route's filters as typed OpenAPI query parameters: one per allowed field path and lookup
(``speakers``, ``speakers__gte``, ``family__in``, ``family__isnull``), typed from the field's kind, so
clients and generated SDKs see them rather than a prose description.

They are documented only (added to the operation through ``openapi_extra``): the values are still read
and checked by :mod:`.querystring`, so a bad value answers the same ``400`` as before, and the Directus
aliases (``__eq``, ``__nnull`` ...) keep working without being listed. Comma-separated lists are
``array`` parameters with ``style: form, explode: false`` (``?family__in=Uralic,Japonic``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...query.lookups import LOOKUPS, lookups_for_kind
from ...query.schema import LOOKUP_SEP, Schema, resolve_field_path

__all__ = ["DOCUMENTED_LOOKUPS", "filter_parameters"]

DOCUMENTED_LOOKUPS = ("exact", "iexact", "contains", "icontains", "startswith", "istartswith", "endswith",
                      "iendswith", "regex", "iregex", "in", "gt", "gte", "lt", "lte", "range", "isnull")
"""The Django lookups listed per field (the Directus-named aliases are accepted, not listed)."""

_KIND_SCHEMA: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "float": {"type": "number"},
    "boolean": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "time": {"type": "string", "format": "time"},
    "uuid": {"type": "string", "format": "uuid"},
}


def _parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    param: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": schema,
                             "description": description}
    if schema.get("type") == "array":
        param.update(style="form", explode=False)
    return param


def filter_parameters(schema: Schema, paths: Iterable[str], reserved: Iterable[str]) -> list[dict[str, Any]]:
    """OpenAPI parameter objects for every documented lookup on each of ``paths`` (sorted; a name in
    ``reserved`` - a route parameter - is left out)."""
    skip = set(reserved)
    out: list[dict[str, Any]] = []
    for path in sorted(paths):
        info = resolve_field_path(schema, path, "filter_fields", date_parts=False).field
        value = _KIND_SCHEMA.get(info.kind, {})
        dotted = path.replace(LOOKUP_SEP, ".")
        allowed = set(lookups_for_kind(info.kind))
        for lookup in DOCUMENTED_LOOKUPS:
            if lookup not in allowed:
                continue
            name = path if lookup == "exact" else f"{path}{LOOKUP_SEP}{lookup}"
            if name in skip:
                continue
            shape = LOOKUPS[lookup].shape
            if shape == "bool":
                typed: dict[str, Any] = {"type": "boolean"}
                text = f"{dotted} is null (true) or not (false)"
            elif shape == "list":
                typed = {"type": "array", "items": value}
                text = f"{dotted} is one of these (comma-separated)"
            elif shape == "pair":
                typed = {"type": "array", "items": value, "minItems": 2, "maxItems": 2}
                text = f"{dotted} between these two, inclusive (comma-separated)"
            else:
                typed = dict(value)
                text = f"{dotted} {lookup}" if lookup != "exact" else f"{dotted} equals"
            if info.nullable is False and lookup == "isnull":
                continue
            out.append(_parameter(name, typed, text))
    return out
