"""FastAPI integration (``pip install directus-orm[fastapi]``).

* :class:`DirectusDependency` - ``Depends(directus)``: a connection per request from the caller's
  Bearer token or Directus cookie; ORM queries inside the request run as the caller.
* guards - :func:`require_role`, :func:`require_policy`, :func:`require_permission`,
  :func:`require_admin`: dependencies and decorators answering 403.
* :func:`install_exception_handlers` - Directus errors as JSON HTTP answers (403, 409, 422 ...).
* :class:`DirectusRouter` - generated list/retrieve/create/update/delete routes for a model (and on
  request PUT, aggregate, bulk routes, a realtime websocket).
* :class:`TokenCache` - a short-lived cache of verified credentials; :class:`UserInfo` and
  :func:`current_user` (``directus.current_user(Model)``) - the caller as a user model.
* :func:`upload_file`, :func:`file_response` - files streamed in and out as the caller.
"""

try:
    import fastapi  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "directus_orm.contrib.fastapi needs FastAPI: pip install 'directus-orm[fastapi]'"
    ) from exc

from .dependency import (
    CookieCredentials,
    DirectusDependency,
    RequestContext,
    get_request_context,
    unauthorized,
)
from .errors import error_response, http_status_for, install_exception_handlers
from .files import file_response, upload_file
from .guards import (
    Guard,
    RoleCache,
    get_directus,
    guard,
    require_admin,
    require_permission,
    require_policy,
    require_role,
    role_cache,
)
from .router import ALL_ROUTE_NAMES, ROUTE_NAMES, DirectusRouter, Page, derive_schema
from .tokens import TokenCache
from .users import UserInfo, current_user

__all__ = [
    "ALL_ROUTE_NAMES",
    "ROUTE_NAMES",
    "CookieCredentials",
    "DirectusDependency",
    "DirectusRouter",
    "Guard",
    "Page",
    "RequestContext",
    "RoleCache",
    "TokenCache",
    "UserInfo",
    "current_user",
    "derive_schema",
    "error_response",
    "file_response",
    "get_directus",
    "get_request_context",
    "guard",
    "http_status_for",
    "install_exception_handlers",
    "require_admin",
    "require_permission",
    "require_policy",
    "require_role",
    "role_cache",
    "unauthorized",
    "upload_file",
]
