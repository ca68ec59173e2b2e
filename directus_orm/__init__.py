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
from .exceptions import DirectusError, ImproperlyConfigured

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_ALIAS",
    "ConnectionPool",
    "Directus",
    "DirectusError",
    "ImproperlyConfigured",
    "PasswordAuth",
    "SessionAuth",
    "StaticToken",
    "TokenAuth",
    "configure",
    "connections",
    "exceptions",
]
