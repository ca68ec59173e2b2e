"""What the session's ``directus_server`` fixture hands out: the public harness's ``LocalDirectus``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from directus_orm.testing import LocalDirectus

#: The suite's historical name for it.
ServerInfo = LocalDirectus


def server_database() -> str:
    """The database behind the suite's server: ``DIRECTUS_ORM_DB`` (``devtools test --db`` sets it; set
    it too for a server of your own), else SQLite."""
    import os

    return os.environ.get("DIRECTUS_ORM_DB") or "sqlite"


def raw_bigint(value: Any) -> int | None:
    """A ``bigInteger`` value as raw REST sends it (``directus_files.filesize`` ...): a number on
    SQLite and MariaDB, a string on PostgreSQL (JavaScript numbers stop at 2**53). Checks the wire
    type, gives an int."""
    if value is None:
        return None
    assert isinstance(value, str if server_database() == "postgres" else int), value
    return int(value)


def server_version() -> tuple[int, int, int]:
    """The Directus version behind the suite's server: ``DIRECTUS_ORM_DIRECTUS`` (``devtools test
    --directus`` sets it; set it too for a server of your own), else the harness's default."""
    import os

    from directus_orm.testing.server import DIRECTUS_VERSION

    text = os.environ.get("DIRECTUS_ORM_DIRECTUS") or DIRECTUS_VERSION
    major, minor, patch = (int(part) for part in text.split("."))
    return major, minor, patch


@contextlib.contextmanager
def another_server(**env: str) -> Iterator[LocalDirectus]:
    """A server of its own, its environment extended by ``env`` (``ACCESS_TOKEN_TTL="3s"`` ...),
    stopped on leaving: ``with another_server(X="1") as server: yield server`` in a fixture, or around
    a test's body. Also when the suite runs against a server of yours (``DIRECTUS_TEST_URL``)."""
    from directus_orm.testing import DirectusServer

    with DirectusServer(extra_env=env) as server:
        yield LocalDirectus(server.url, server.admin_token, server.admin_email, server.admin_password, server)


def separate_server() -> Iterator[LocalDirectus]:
    """A server of the module's own (a module-scoped ``directus_server`` override): for modules whose
    concurrent writes and websocket subscriptions could wear out the suite's shared SQLite server
    (Directus can exhaust its one SQLite connection under that load)."""
    with another_server() as server:
        yield server
