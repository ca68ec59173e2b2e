"""directus-orm: Django's ORM, over Directus."""

from . import exceptions
from .connection import (
    DEFAULT_ALIAS,
    ConnectionPool,
    Directus,
    PasswordAuth,
    SessionAuth,
    StaticToken,
    TokenAuth,
    configure,
    connections,
)
from .exceptions import (
    DirectusError,
    FieldError,
    ImproperlyConfigured,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
    UnsupportedLookup,
)
from .models import BaseManager, DirectusModel, Manager, get_model
from .query import Q, QuerySet, collection

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_ALIAS",
    "BaseManager",
    "ConnectionPool",
    "Directus",
    "DirectusError",
    "DirectusModel",
    "FieldError",
    "ImproperlyConfigured",
    "Manager",
    "MultipleObjectsReturned",
    "ObjectDoesNotExist",
    "PasswordAuth",
    "Q",
    "QuerySet",
    "SessionAuth",
    "StaticToken",
    "TokenAuth",
    "UnsupportedLookup",
    "collection",
    "configure",
    "connections",
    "exceptions",
    "get_model",
]
