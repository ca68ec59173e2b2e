"""Pages of the list route: ``next`` / ``previous`` links, keyset (cursor) pages, an optional count.

* offset pages (``?limit=&offset=`` or ``?page=``): ``next`` and ``previous`` are this request's URL
  with the offset (or page) moved; ``?count=false`` skips Directus's ``filter_count`` (one more
  database query per request) and reads one row more than the page to know whether a next exists.
* keyset pages (``?cursor=`` empty for the first page, then the ``next_cursor`` of the previous
  answer, which the ``next`` link carries): the rows after the last one in the sort order
  (``id > 1200``, or ``(rank, id) > (3, 1200)``), so rows inserted or deleted behind it neither
  shift nor repeat the rest. It needs an order :func:`~directus_orm.query.keyset.keyset_for`
  accepts (non-null integer columns ending with an integer primary key, which is appended to the
  order when missing); otherwise ``?cursor=`` answers 400 ``CURSOR_UNSUPPORTED``. The sort columns
  are read along with ``?fields=`` (not answered), and ``count`` counts the rows from the cursor on.
  A cursor is opaque to clients (base64 of the order and the last row's values) and is refused
  (400 ``INVALID_CURSOR``) with another order.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...exceptions import FieldError
from ...query import Q
from ...query.keyset import Keyset, keyset_for
from ...query.schema import Schema
from .querystring import param_error

__all__ = ["Cursor", "cursor_order", "decode_cursor", "encode_cursor", "links"]


@dataclass(frozen=True)
class Cursor:
    """The keyset of an order: the Q of "rows after ``values``" and how to read a row's cursor."""

    order: tuple[str, ...]
    keyset: Keyset

    def after(self, values: Sequence[Any]) -> Q:
        options: list[Q] = []
        for i, (name, operator) in enumerate(self.keyset.terms):
            before = {n: values[j] for j, (n, _) in enumerate(self.keyset.terms[:i])}
            options.append(Q(**before, **{f"{name}__{operator.lstrip('_')}": values[i]}))
        out = options[0]
        for option in options[1:]:
            out |= option
        return out

    def values_of(self, row: Any) -> list[Any] | None:
        """The last row's sort values, or None when one is not an integer (then no next cursor)."""
        values = [row.get(n) if isinstance(row, dict) else getattr(row, n, None)
                  for n, _ in self.keyset.terms]
        ok = all(isinstance(v, int) and not isinstance(v, bool) for v in values)
        return values if ok else None


def cursor_order(schema: Schema, order: Sequence[str]) -> Cursor | None:
    """The keyset order for ``order`` (the primary key appended unless it is in it), or None."""
    terms = list(order)
    if not any(t.lstrip("-") in (schema.pk_name, "pk") for t in terms):
        terms.append(schema.pk_name)
    terms = [schema.pk_name if t == "pk" else "-" + schema.pk_name if t == "-pk" else t for t in terms]
    keyset = keyset_for(schema, terms, None)
    return None if keyset is None else Cursor(tuple(terms), keyset)


def encode_cursor(cursor: Cursor, values: Sequence[Any]) -> str:
    raw = json.dumps([list(cursor.order), list(values)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: Cursor, token: str) -> list[Any]:
    """The values a ``?cursor=`` carries (FieldError, answered 400 ``INVALID_CURSOR``, when it is not
    one of this order's cursors)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        order, values = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise _invalid() from exc
    if (not isinstance(order, list) or tuple(order) != cursor.order or not isinstance(values, list)
            or len(values) != len(cursor.keyset.terms)
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in values)):
        raise _invalid()
    return values


def _invalid() -> FieldError:
    return param_error("?cursor= is not a cursor of this list in this order (take next_cursor from the "
                       "previous page, with the same sort)", "INVALID_CURSOR")


def links(url: Any, *, offset: int, limit: int, page: int | None, has_next: bool,
          next_cursor: str | None, keyset: bool) -> tuple[str | None, str | None]:
    """``(next, previous)`` URLs: ``url`` (the request's ``starlette.datastructures.URL``) with its
    offset, page or cursor moved (keyset pages link forward only)."""
    if keyset:
        after = url.include_query_params(cursor=next_cursor) if next_cursor else None
        return (str(after) if after is not None and has_next else None), None
    if page is not None:
        return (str(url.include_query_params(page=page + 1)) if has_next else None,
                str(url.include_query_params(page=page - 1)) if page > 1 else None)
    nxt = str(url.include_query_params(offset=offset + limit)) if has_next else None
    prev = str(url.include_query_params(offset=max(offset - limit, 0))) if offset > 0 else None
    return nxt, prev
