"""Models: ``DirectusModel``, its metaclass and ``Meta`` options, managers, relations."""

from ..exceptions import DeferredFieldError
from .base import DirectusModel, ModelBase
from .manager import BaseManager, Manager
from .options import Options
from .registry import get_model, registered_models
from .related import RelatedManager
from .relations import ManyToMany, ManyToOne, OneToMany

__all__ = [
    "BaseManager", "DeferredFieldError", "DirectusModel", "Manager", "ManyToMany", "ManyToOne", "ModelBase",
    "OneToMany", "Options", "RelatedManager", "get_model", "registered_models",
]
