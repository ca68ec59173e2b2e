"""Models: ``DirectusModel``, its metaclass and ``Meta`` options, managers, relations."""

from .base import DeferredFieldError, DirectusModel, ModelBase, get_model, registered_models
from .manager import BaseManager, Manager
from .options import Options
from .related import RelatedManager
from .relations import ManyToMany, ManyToOne, OneToMany

__all__ = [
    "BaseManager", "DeferredFieldError", "DirectusModel", "Manager", "ManyToMany", "ManyToOne", "ModelBase",
    "OneToMany", "Options", "RelatedManager", "get_model", "registered_models",
]
