"""Schema tools: models from a live Directus (``inspect``), collections from models (``migrate``) and
the differences between them (``check``). Admin only. See docs/schema.md."""

from .api import check, inspect, migrate, plan_migration
from .errors import MigrationError, SchemaAccessDenied, SchemaError
from .plan import Step
from .types import DirectusType

__all__ = ["DirectusType", "MigrationError", "SchemaAccessDenied", "SchemaError", "Step", "check",
           "inspect", "migrate", "plan_migration"]
