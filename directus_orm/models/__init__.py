"""Models: ``DirectusModel``, its metaclass and ``Meta`` options, managers."""

from .base import DirectusModel, ModelBase, get_model, registered_models
from .manager import BaseManager, Manager
from .options import Options

__all__ = [
    "BaseManager", "DirectusModel", "Manager", "ModelBase", "Options", "get_model", "registered_models",
]
