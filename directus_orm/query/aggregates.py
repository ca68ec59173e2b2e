"""Aggregates: ``Sum``, ``Avg``, ``Min``, ``Max``, ``Count`` -> Directus's ``aggregate`` parameter.

``aggregate(Sum("price"))`` sends ``aggregate={"sum": ["price"]}`` and answers ``{"price__sum": ...}``;
``values("country").annotate(n=Count("id"))`` adds ``groupBy=["country"]``; on rows,
``annotate(n=Count("books"))`` (a to-many relation) becomes the ``count(books)`` function field.

Numbers come back as numbers: Postgres and MySQL answer sums, averages and counts as strings, SQLite
as numbers; results are converted with the field's type (``Decimal`` for decimal fields, ``int`` for
counts, ``float`` for averages of other fields).
"""

from __future__ import annotations

import decimal
from typing import Any, ClassVar

from ..exceptions import FieldError, InexactNumber, UnexpectedResponse
from .schema import FieldInfo
from .sendable import MAX_SAFE_INTEGER

__all__ = ["Aggregate", "Avg", "Count", "Max", "Min", "Sum"]

NUMERIC_KINDS = frozenset({"integer", "float", "any"})
"""Kinds ``Sum`` and ``Avg`` accept; ``any``: the model cannot tell (a dict collection), the server
decides."""


def _number(value: Any) -> Any:
    """A string from the database -> int or Decimal; numbers unchanged."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return decimal.Decimal(value)
            except decimal.InvalidOperation:
                return value
    return value


class Aggregate:
    """``function`` is Django's name; ``operation`` Directus's (``countDistinct``, ``sumDistinct``...)."""

    function: ClassVar[str] = ""
    allows_distinct: ClassVar[bool] = False
    numeric_only: ClassVar[bool] = False
    """Only numeric fields (``Sum``, ``Avg``); a field of unknown kind (``any``) is let through."""
    exact: ClassVar[bool] = True
    """An integer field's result is an integer that must be exact (``Avg`` is a float, as in Django)."""

    def __init__(self, field: str, *, distinct: bool = False) -> None:
        if not isinstance(field, str) or not field:
            raise FieldError(f"{type(self).__name__}() takes a field name, got {field!r}")
        if distinct and not self.allows_distinct:
            raise FieldError(f"{type(self).__name__} does not take distinct=True")
        self.field = field
        self.distinct = distinct

    @property
    def operation(self) -> str:
        """The Directus aggregate function sent: ``function``, plus ``Distinct`` when ``distinct=True``."""
        return self.function + ("Distinct" if self.distinct else "")

    @property
    def default_alias(self) -> str:
        """The result's key when no name is given, as in Django: ``Sum("price")`` -> ``"price__sum"``."""
        return f"{self.field}__{self.function}"

    def check(self, info: FieldInfo, method: str) -> None:
        """Refuse, before any request, a field this aggregate cannot compute (Django refuses ``Sum`` and
        ``Avg`` over non-numeric fields; Directus would answer 0 or NULL)."""
        if self.numeric_only and info.kind not in NUMERIC_KINDS:
            raise FieldError(
                f"{method}({self!r}): {type(self).__name__} needs a numeric field; {self.field!r} is "
                f"{info.kind_name or 'of unknown kind'}"
                + (" (a relation: aggregate one of the related model's fields)" if info.relation else "")
            )
        if info.kind == "boolean" and not isinstance(self, Count):
            # SQLite would answer 0/1, PostgreSQL has no min(boolean): Directus answers 500 there.
            raise FieldError(
                f"{method}({self!r}): {type(self).__name__} over the boolean field {self.field!r} is not "
                "supported on every database; filter on it and use exists() or count()"
            )

    def convert(self, value: Any, info: FieldInfo | None) -> Any:
        """The server's value -> a Python value of the field's type."""
        if value is None:
            return None
        if (self.exact and isinstance(value, (int, float)) and not isinstance(value, bool)
                and abs(value) > MAX_SAFE_INTEGER and (info is None or info.kind in ("integer", "any"))):
            # A JSON number past 2**53 - 1 went through a JavaScript number: for an integer (or a field
            # of unknown kind) it may not be the sum the database computed. Strings (PostgreSQL) are exact.
            raise InexactNumber(self.field, type(self).__name__)
        if isinstance(value, float):
            # SQLite sums decimals as doubles (11.00 + 9.99 = 20.990000000000002): 15 significant
            # digits are what a double holds exactly.
            value = float(format(value, ".15g"))
        parse = info.parse if info is not None else None
        if parse is not None:
            try:
                return parse(value)
            except ValueError:
                pass
        return _number(value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Aggregate) and type(other) is type(self) and (
            (other.field, other.distinct) == (self.field, self.distinct))

    def __hash__(self) -> int:
        return hash((type(self), self.field, self.distinct))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.field!r}{', distinct=True' if self.distinct else ''})"


class Sum(Aggregate):
    """The sum of a numeric field (Directus ``aggregate[sum]``; ``distinct=True``: ``sumDistinct``)::

        await Book.objects.aggregate(Sum("price"))  # {"price__sum": Decimal("41.50")}

    ``None`` over no rows, as in Django."""

    function = "sum"
    allows_distinct = True
    numeric_only = True


class Avg(Aggregate):
    """The average of a numeric field (Directus ``aggregate[avg]``; ``distinct=True``: ``avgDistinct``):
    a ``float``, or a ``Decimal`` for a decimal field, as in Django::

        await Book.objects.aggregate(avg_pages=Avg("pages"))  # {"avg_pages": 312.5}"""

    function = "avg"
    allows_distinct = True
    numeric_only = True
    exact = False

    def convert(self, value: Any, info: FieldInfo | None) -> Any:
        """The server's average as Django gives it: a ``Decimal`` for a decimal field, else a ``float``."""
        converted = super().convert(value, info)
        if converted is None or (isinstance(converted, decimal.Decimal) and _is_decimal(info)):
            return converted  # a decimal field's average stays a Decimal, as in Django
        try:
            # Django's float for other fields; 15 significant digits, whether the database sent a
            # double (SQLite, GraphQL) or a numeric string (PostgreSQL over REST).
            return float(format(float(converted), ".15g"))
        except (TypeError, ValueError):
            return converted


def _is_decimal(info: FieldInfo | None) -> bool:
    """Whether the field parses values as ``Decimal`` (an integer field's parser refuses a fraction)."""
    if info is None or info.parse is None:
        return False
    try:
        return isinstance(info.parse(decimal.Decimal("0.5")), decimal.Decimal)
    except ValueError:
        return False


class Min(Aggregate):
    """The smallest value of a field (Directus ``aggregate[min]``), in the field's type::

        await Book.objects.aggregate(Min("published"))  # {"published__min": date(1965, 8, 1)}"""

    function = "min"


class Max(Aggregate):
    """The largest value of a field (Directus ``aggregate[max]``), in the field's type::

        await Book.objects.filter(author__name="Herbert").aggregate(Max("pages"))"""

    function = "max"


class Count(Aggregate):
    """``Count("id")`` counts non-NULL values, ``Count("*")`` rows, ``Count("x", distinct=True)`` distinct
    values; ``Count("books")`` in ``annotate()`` counts each row's related rows."""

    function = "count"
    allows_distinct = True

    @property
    def default_alias(self) -> str:
        """``"count"`` for ``Count("*")``, else ``"<field>__count"`` (Django's alias)."""
        return "count" if self.field == "*" else f"{self.field}__count"

    def convert(self, value: Any, info: FieldInfo | None) -> Any:
        """The server's count as an ``int`` (0 over no rows)."""
        try:
            return int(value or 0)
        except (TypeError, ValueError):
            # Directus 12.4 on SQLite answers a count over a date field with a date.
            raise UnexpectedResponse(f"Directus answered {value!r} for a count of {self.field!r}",
                                     status=200, content_type="application/json") from None
