"""The one place that imports pydantic's private modules.

pydantic exposes no public name for its model metaclass, which :class:`~directus_orm.DirectusModel`'s
metaclass extends (as SQLModel's does). Import it from here only, so a pydantic release that moves it
breaks one line; pyproject.toml caps pydantic below 3 for the same reason.
"""

from __future__ import annotations

from pydantic._internal._model_construction import ModelMetaclass

__all__ = ["ModelMetaclass"]
