"""Schema tools: models from a live Directus (``inspect``), collections from models (``migrate``) and
the differences between them (``check``). Admin only. See docs/schema.md."""

from ..models.many_to_any import ManyToAny
from .api import SchemaTools, check
from .errors import MigrationError, NotDirectusServer, SchemaAccessDenied, SchemaError
from .plan import Step
from .types import DirectusType

__all__ = ["DirectusType", "ManyToAny", "MigrationError", "NotDirectusServer", "SchemaAccessDenied",
           "SchemaError", "SchemaTools", "Step", "check"]
