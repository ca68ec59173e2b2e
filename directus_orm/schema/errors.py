"""Errors of the schema tools (all :class:`~directus_orm.exceptions.DirectusError`)."""

from __future__ import annotations

from ..exceptions import DirectusError

__all__ = ["MigrationError", "SchemaAccessDenied", "SchemaError"]


class SchemaError(DirectusError):
    """A schema tool cannot do what it was asked (a model it cannot map, an answer it cannot read)."""


class SchemaAccessDenied(SchemaError):
    """The connection's user is not an admin: Directus shows non-admins a filtered schema."""


class MigrationError(SchemaError):
    """A migration step was refused by the server; the steps before it were applied (named in the
    message), the ones after it were not."""
