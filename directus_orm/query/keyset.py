"""Keyset pagination: the next page is "the rows after the last one seen" in the query's total order
(``id > 1200``, or ``(rank, id) > (3, 1200)`` as ``rank > 3 OR (rank = 3 AND id > 1200)``), not "skip N
rows". Rows deleted or inserted behind the cursor then neither shift nor repeat the rest, and the
server finds each page by index instead of scanning past every earlier row.

It needs every sort term to be a plain column whose values compare with ``_gt`` / ``_lt`` and are never
NULL (where NULLs sort is database-specific): integer columns the model declares non-nullable, and the
primary key. Directus refuses ``_gt`` on strings and UUIDs, so other orderings page with ``offset``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .schema import Schema

__all__ = ["Keyset", "keyset_for"]

Filter = dict[str, Any]


@dataclass(frozen=True)
class Keyset:
    """The sort columns (``(field, "_gt" | "_lt")``, ending with the primary key) of a query that can
    page by keyset; ``added`` are those the request asks for only to read the cursor."""

    terms: tuple[tuple[str, str], ...]
    added: tuple[str, ...]

    def cursor(self, row: dict[str, Any]) -> tuple[int, ...] | None:
        """The last row's sort values; None when one is not an integer (a numeric key answered as a
        string, a NULL): then the query pages by offset."""
        values = tuple(row.get(name) for name, _ in self.terms)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return values  # type: ignore[return-value]
        return None

    def after(self, cursor: Sequence[Any], where: Filter | None) -> Filter:
        """The rows strictly after ``cursor`` in the sort order (and matching ``where``)."""
        options: list[Filter] = []
        for i, (name, operator) in enumerate(self.terms):
            parts: list[Filter] = [{n: {"_eq": cursor[j]}} for j, (n, _) in enumerate(self.terms[:i])]
            parts.append({name: {operator: cursor[i]}})
            options.append(parts[0] if len(parts) == 1 else {"_and": parts})
        condition = options[0] if len(options) == 1 else {"_or": options}
        return condition if where is None else {"_and": [where, condition]}

    def strip(self, rows: list[dict[str, Any]]) -> None:
        """Drop the columns asked for the cursor only (the caller did not ask for them)."""
        for name in self.added:
            for row in rows:
                row.pop(name, None)


def keyset_for(schema: Schema, sort: Sequence[str], fields: list[str] | None) -> Keyset | None:
    """The keyset of a query sorted by ``sort`` and reading ``fields`` (None: every field), or None
    when its order does not allow one."""
    pk = schema.pk_name
    terms: list[tuple[str, str]] = []
    for term in sort:
        name = term.lstrip("-")
        operator = "_lt" if term.startswith("-") else "_gt"
        if name == pk:
            terms.append((name, operator))
            break  # the key is unique: later terms never decide
        info = schema.get_field(name)
        if (info is None or info.relation is not None or info.nullable or info.kind != "integer"
                or "." in name or "(" in name):
            return None
        terms.append((name, operator))
    else:
        return None  # the order is not total without the key
    pk_info = schema.get_field(pk)
    if pk_info is not None and pk_info.kind not in ("integer", "any"):
        return None  # a string or UUID key: Directus has no _gt for it
    added: tuple[str, ...] = ()
    if fields is not None and "*" not in fields:
        added = tuple(name for name, _ in terms if name not in fields)
    return Keyset(tuple(terms), added)
