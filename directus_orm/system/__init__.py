"""Directus's own API: system collections and the endpoints that are not collections."""

# -- endpoint namespaces: conn.server, conn.utils, conn.flows, conn.versions, conn.account ------------
from .account import Account, TwoFactorSecret
from .endpoints import Endpoints, attach
from .flows import Flows
from .server import Health, Server
from .utils import ImportResult, Utils
from .versions import VersionComparison, Versions

attach({"server": Server, "utils": Utils, "flows": Flows, "versions": Versions, "account": Account})

__all__ = [
    "Account",
    "Endpoints",
    "Flows",
    "Health",
    "ImportResult",
    "Server",
    "TwoFactorSecret",
    "Utils",
    "VersionComparison",
    "Versions",
]
# -- end of the endpoint namespaces ----------------------------------------------------------------
