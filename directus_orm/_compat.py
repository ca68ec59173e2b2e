"""The one place that imports pydantic's private modules.

pydantic exposes no public name for its model metaclass, which :class:`~directus_orm.DirectusModel`'s
metaclass extends (as SQLModel's does). Import it from here only, so a pydantic release that moves it
breaks one line; pyproject.toml caps pydantic below 3 for the same reason.
"""

from __future__ import annotations

import inspect

from pydantic import BaseModel
from pydantic._internal._model_construction import ModelMetaclass

__all__ = ["SERIALIZE_AS_ANY", "ModelMetaclass"]

SERIALIZE_AS_ANY = "serialize_as_any" in inspect.signature(BaseModel.model_dump).parameters
"""``model_dump(serialize_as_any=...)`` exists (pydantic 2.7 and later)."""
