"""What the session's ``directus_server`` fixture hands out: the public harness's ``LocalDirectus``."""

from __future__ import annotations

from directus_orm.testing import LocalDirectus

#: The suite's historical name for it.
ServerInfo = LocalDirectus


def server_database() -> str:
    """The database behind the suite's server: ``DIRECTUS_ORM_DB`` (``devtools test --db`` sets it; set
    it too for a server of your own), else SQLite."""
    import os

    return os.environ.get("DIRECTUS_ORM_DB") or "sqlite"
