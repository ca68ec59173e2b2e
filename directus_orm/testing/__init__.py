"""Test your own app against a real, local Directus: the harness directus-orm's own suite runs on.

``python -m directus_orm.testing run`` installs Directus (once, into ``~/.cache/directus-orm``, with its
own Node from the npm registry) and starts it on loopback with a fresh SQLite database; in pytest,
``pytest_plugins = ["directus_orm.testing.plugin"]`` gives the fixtures (see docs/testing.md)::

    @pytest.mark.directus_models([Article])     # created from the model, dropped after the test
    async def test_publish(directus):
        article = await Article.objects.create(title="Hi")
        ...

Needs Node 20+ and npm only for the first install; nothing else is installed system-wide.
"""

from .server import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    DIRECTUS_VERSION,
    VERSIONS,
    DirectusCluster,
    DirectusServer,
    provision,
)
from .session import LocalDirectus, local_directus

__all__ = ["ADMIN_EMAIL", "ADMIN_PASSWORD", "DIRECTUS_VERSION", "VERSIONS", "DirectusCluster",
           "DirectusServer", "LocalDirectus", "local_directus", "provision"]
