"""Connections: transport (pool), authentication, the ``Directus`` client and the registry."""

from .auth import DirectusAuth, PasswordAuth, SessionAuth, StaticToken, TokenAuth
from .client import Directus, collection_path, item_path, key_in_path
from .pool import ConnectionPool
from .registry import DEFAULT_ALIAS, ConnectionHandler, configure, connections
from .retries import Retries

__all__ = [
    "DEFAULT_ALIAS",
    "ConnectionHandler",
    "ConnectionPool",
    "Directus",
    "DirectusAuth",
    "PasswordAuth",
    "Retries",
    "SessionAuth",
    "StaticToken",
    "TokenAuth",
    "collection_path",
    "configure",
    "connections",
    "item_path",
    "key_in_path",
]
