"""``Q`` objects: a filter as a tree (children, connector, negated), combined with ``&``, ``|``, ``~``."""

from __future__ import annotations

from typing import Any, Literal

from ..exceptions import InvalidUsage

__all__ = ["Q"]

Connector = Literal["AND", "OR"]


class Q:
    """A condition tree, as in Django: ``Q(code="el") | ~Q(name__istartswith="a")``.

    Children are ``(keyword, value)`` pairs or nested ``Q`` objects. Keyword arguments are sorted so
    that equal conditions compile to equal JSON.
    """

    AND: Connector = "AND"
    OR: Connector = "OR"

    __slots__ = ("children", "connector", "negated")

    def __init__(
        self, *args: Q, _connector: Connector = "AND", _negated: bool = False, **kwargs: Any
    ) -> None:
        for arg in args:
            if not isinstance(arg, Q):
                raise InvalidUsage(f"Q() positional arguments must be Q objects, got {type(arg).__name__}")
        self.children: list[Q | tuple[str, Any]] = [*args, *sorted(kwargs.items())]
        self.connector: Connector = _connector
        self.negated = _negated

    def _combine(self, other: Q, connector: Connector) -> Q:
        if not isinstance(other, Q):
            raise InvalidUsage(f"cannot combine Q with {type(other).__name__}")
        if not other.children:
            return self.copy()
        if not self.children:
            return other.copy()
        return Q(self, other, _connector=connector)

    def __and__(self, other: Q) -> Q:
        return self._combine(other, "AND")

    def __or__(self, other: Q) -> Q:
        return self._combine(other, "OR")

    def __invert__(self) -> Q:
        q = self.copy()
        q.negated = not self.negated
        return q

    def copy(self) -> Q:
        """A shallow copy of this condition tree (the children are shared, never mutated)."""
        q = Q(_connector=self.connector, _negated=self.negated)
        q.children = list(self.children)
        return q

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Q)
            and self.connector == other.connector
            and self.negated == other.negated
            and self.children == other.children
        )

    def __hash__(self) -> int:
        return hash((self.connector, self.negated, repr(self.children)))

    def __bool__(self) -> bool:
        return bool(self.children)

    def __repr__(self) -> str:
        inner = f" {self.connector} ".join(
            repr(c) if isinstance(c, Q) else f"{c[0]}={c[1]!r}" for c in self.children
        )
        return f"<Q: {'NOT ' if self.negated else ''}({inner})>"
