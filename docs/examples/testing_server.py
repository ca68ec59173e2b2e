"""A Directus of the test's own, started from Python (directus_orm.testing.DirectusServer): a fresh SQLite
database on a free loopback port, stopped when the block ends. Needs the local Directus install
(`python -m directus_orm.testing provision`; the suite has it); creates nothing on DIRECTUS_URL."""

from __future__ import annotations

import httpx

# --8<-- [start:server]
from directus_orm.testing import DirectusServer

with DirectusServer(extra_env={"ACCESS_TOKEN_TTL": "5s"}) as server:
    print(server.url, server.admin_token)
    # --8<-- [end:server]
    login = httpx.post(f"{server.url}/auth/login", json={"email": server.admin_email,
                                                         "password": server.admin_password}).json()["data"]
    print("its access tokens last", login["expires"], "ms")
print("stopped")
