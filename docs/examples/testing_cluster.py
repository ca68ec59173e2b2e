"""Losing and restarting one instance of a local cluster (directus_orm.testing.DirectusCluster): two
Directus instances on one PostgreSQL database and one Redis, all started by this example (PostgreSQL and
Redis come from PyPI wheels, installed on first use). Needs the local Directus install (`python -m
directus_orm.testing provision`; the suite has it); creates nothing on DIRECTUS_URL."""

from __future__ import annotations

from directus_orm import Directus
from directus_orm.exceptions import NetworkError

# --8<-- [start:restart]
from directus_orm.testing import DirectusCluster

with DirectusCluster(extra_env={"ACCESS_TOKEN_TTL": "5m"}) as cluster:
    a, b = cluster.servers
    on_a = Directus(a.url, token=cluster.admin_token)
    on_b = Directus(b.url, token=cluster.admin_token)
    b.stop()  # instance B is gone: its port refuses connections
    try:
        on_b.sync.me()
    except NetworkError as exc:
        print("B is down:", type(exc).__name__)
    print("A still serves", on_a.sync.me(fields="email")["email"])
    b.start()  # the same port, database, SECRET and admin token: B serves the same data again
    print("B is back on", b.url, "as", on_b.sync.me(fields="email")["email"])
    # --8<-- [end:restart]
    on_a.sync.aclose()
    on_b.sync.aclose()
print("stopped")
