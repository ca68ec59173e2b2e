"""Helpers shared by the tests (import them from here; ``tests/conftest.py`` holds the fixtures)."""

from tests.support.schema import create_collection, create_user
from tests.support.server import ServerInfo, raw_bigint, server_database, server_version

__all__ = ["ServerInfo", "create_collection", "create_user", "raw_bigint", "server_database",
           "server_version"]
