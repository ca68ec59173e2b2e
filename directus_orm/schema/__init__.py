"""Schema tools: models from a live Directus (``inspect``), collections from models (``migrate``) and
the differences between them (``check``). Admin only. See docs/schema.md."""

from .api import SchemaTools, check
from .errors import MigrationError, SchemaAccessDenied, SchemaError
from .plan import Step
from .types import DirectusType

__all__ = ["DirectusType", "MigrationError", "SchemaAccessDenied", "SchemaError", "SchemaTools", "Step",
           "check"]
