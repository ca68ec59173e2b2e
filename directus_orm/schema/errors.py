"""Errors of the schema tools: they live with the others in :mod:`directus_orm.exceptions`."""

from __future__ import annotations

from ..exceptions import MigrationError, NotDirectusServer, SchemaAccessDenied, SchemaError

__all__ = ["MigrationError", "NotDirectusServer", "SchemaAccessDenied", "SchemaError"]
