"""Directus's own API: typed models of its system collections (docs/system.md) and the endpoints that are
not collections, as namespaces on the connection (``conn.server``, ``conn.utils``, ``conn.flows``,
``conn.versions``, ``conn.account``; docs/endpoints.md).

Every model is a :class:`~directus_orm.models.system.SystemModel`: subclass one to declare a project's
custom fields (``class User(DirectusUser)``), the collection is implied. How each endpoint differs from
an items endpoint (lists read whole, singletons, read-only logs) is declared once, in
:mod:`directus_orm.connection.profiles`; what an endpoint cannot do raises
:class:`~directus_orm.exceptions.UnsupportedOperation` before any request.
"""

from ..connection.profiles import SYSTEM_PROFILES, EndpointProfile, endpoint_profile
from ..files.models import File, Folder
from ..models.system import SystemModel
from .account import Account, TwoFactorSecret
from .content import (
    DirectusActivity,
    DirectusComment,
    DirectusDashboard,
    DirectusFlow,
    DirectusNotification,
    DirectusOperation,
    DirectusPanel,
    DirectusPreset,
    DirectusRevision,
    DirectusShare,
    DirectusTranslation,
    DirectusVersion,
)
from .endpoints import Endpoints, attach
from .flows import Flows
from .schema import DirectusCollection, DirectusExtension, DirectusField, DirectusRelation
from .server import Health, Server
from .settings import DirectusSettings
from .user_manager import UserManager, UserQuerySet
from .users import DirectusAccess, DirectusPermission, DirectusPolicy, DirectusRole, DirectusUser
from .utils import ImportResult, Utils
from .versions import VersionComparison, Versions

attach({"server": Server, "utils": Utils, "flows": Flows, "versions": Versions, "account": Account})

DirectusFile = File
"""``directus_files``: the same class as :class:`~directus_orm.files.File`, under the name the other
system models use (``DirectusFile.objects.filter(type="image/png")``)."""
DirectusFolder = Folder
"""``directus_folders``: the same class as :class:`~directus_orm.files.Folder`."""

__all__ = [
    "SYSTEM_PROFILES",
    "Account",
    "DirectusAccess",
    "DirectusActivity",
    "DirectusCollection",
    "DirectusComment",
    "DirectusDashboard",
    "DirectusExtension",
    "DirectusField",
    "DirectusFile",
    "DirectusFlow",
    "DirectusFolder",
    "DirectusNotification",
    "DirectusOperation",
    "DirectusPanel",
    "DirectusPermission",
    "DirectusPolicy",
    "DirectusPreset",
    "DirectusRelation",
    "DirectusRevision",
    "DirectusRole",
    "DirectusSettings",
    "DirectusShare",
    "DirectusTranslation",
    "DirectusUser",
    "DirectusVersion",
    "EndpointProfile",
    "Endpoints",
    "File",
    "Flows",
    "Folder",
    "Health",
    "ImportResult",
    "Server",
    "SystemModel",
    "TwoFactorSecret",
    "UserManager",
    "UserQuerySet",
    "Utils",
    "VersionComparison",
    "Versions",
    "endpoint_profile",
]
