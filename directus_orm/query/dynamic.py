"""Directus's dynamic variables as filter values: resolved by the server at request time.

``published__gte=Now("-1 year")`` sends ``"$NOW(-1 year)"``; ``user_created=CurrentUser()`` sends
``"$CURRENT_USER"``. Directus resolves them in filters (``filter``, ``deep[...][_filter]``, permission
rules and presets), not in payloads. ``CurrentUser("role.name")`` reaches a field of the current user
(``$CURRENT_USER.role.name``), as Directus allows in filters.
"""

from __future__ import annotations

import re

from ..exceptions import InvalidArgument

__all__ = ["CurrentPolicies", "CurrentRole", "CurrentRoles", "CurrentUser", "DynamicVariable", "Now"]

_ADJUSTMENT = re.compile(r"^[+-]?\s*\d+\s*[a-zA-Z]+(\s+[+-]?\s*\d+\s*[a-zA-Z]+)*$")


class DynamicVariable:
    """A value the server fills in. Compared and hashed by its wire form."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DynamicVariable) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"


def _path(var: str, path: str | None) -> str:
    if path is None:
        return var
    if not re.fullmatch(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*", path):
        raise InvalidArgument(f"invalid field path {path!r} for {var}")
    return f"{var}.{path}"


class Now(DynamicVariable):
    """``$NOW``, or ``$NOW(<adjustment>)`` e.g. ``Now("-1 year")``, ``Now("+2 hours")``."""

    __slots__ = ()

    def __init__(self, adjustment: str | None = None) -> None:
        if adjustment is None:
            super().__init__("$NOW")
            return
        adjustment = adjustment.strip()
        if not _ADJUSTMENT.match(adjustment):
            raise InvalidArgument(f"invalid $NOW adjustment {adjustment!r}; e.g. '-1 year', '+7 days'")
        super().__init__(f"$NOW({adjustment})")


class CurrentUser(DynamicVariable):
    """``$CURRENT_USER`` (the requesting user's id), or one of its fields: ``CurrentUser("email")``."""

    __slots__ = ()

    def __init__(self, path: str | None = None) -> None:
        super().__init__(_path("$CURRENT_USER", path))


class CurrentRole(DynamicVariable):
    """``$CURRENT_ROLE`` (the user's role id), or a field of it: ``CurrentRole("name")``."""

    __slots__ = ()

    def __init__(self, path: str | None = None) -> None:
        super().__init__(_path("$CURRENT_ROLE", path))


class CurrentRoles(DynamicVariable):
    """``$CURRENT_ROLES``: every role id of the user (nested roles included); use with ``__in``."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__("$CURRENT_ROLES")


class CurrentPolicies(DynamicVariable):
    """``$CURRENT_POLICIES``: the ids of the user's policies; use with ``__in``."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__("$CURRENT_POLICIES")
