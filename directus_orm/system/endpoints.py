"""The base of the endpoint namespaces (``conn.server``, ``conn.utils``, ``conn.flows``,
``conn.versions``, ``conn.account``) and how they are attached to :class:`Directus`.

The connection layer does not import this package: :func:`attach` puts the namespaces on the class
when ``directus_orm.system`` is imported (``import directus_orm`` does). Each namespace is a small
object over one connection, or over the ``default`` one when built without it (``Server()``).
"""

from __future__ import annotations

from typing import Any

import httpx

from ..connection.client import Directus
from ..connection.registry import DEFAULT_ALIAS, connections
from ..exceptions import UnexpectedResponse

__all__ = ["Endpoints", "attach", "data_of", "json_or_text", "without_retries"]


class Endpoints:
    """Endpoints over one connection (``connection=None``: the ``default`` connection at each call)."""

    def __init__(self, connection: Directus | None = None) -> None:
        self.connection = connection

    def _conn(self) -> Directus:
        return self.connection if self.connection is not None else connections[DEFAULT_ALIAS]

    def __repr__(self) -> str:
        target = "default connection" if self.connection is None else repr(self.connection)
        return f"<{type(self).__name__} on {target}>"


def without_retries(conn: Directus) -> Directus:
    """The same server, user and pool, with reads never retried (a flow triggered by GET may write;
    a health report of 503 is the answer, not a reason to ask again)."""
    return Directus(conn.url, auth=conn.auth, pool=conn.pool, deadline=conn.deadline, retries=0,
                    max_payload=conn.max_payload, alias=conn.alias)


def data_of(body: Any, method: str, path: str, kind: type | tuple[type, ...] = dict) -> Any:
    """``body["data"]`` when it is a ``kind``; anything else is not the answer the endpoint gives."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, kind):
        raise UnexpectedResponse(f"{method} {path} answered without the expected data", status=200,
                                 method=method, path=path)
    return data


def json_or_text(response: httpx.Response) -> Any:
    """The decoded JSON of an answer whose body is whatever its producer chose (a flow's last step):
    JSON of any type, the text when it is not JSON, None when there is none."""
    if not response.content:
        return None
    if "json" in response.headers.get("content-type", ""):
        try:
            return response.json()
        except ValueError:
            pass
    return response.text


def attach(namespaces: dict[str, type[Endpoints]]) -> None:
    """``conn.<name>`` builds ``namespaces[name](conn)`` (cheap: an object holding the connection)."""
    for name, cls in namespaces.items():
        setattr(Directus, name, property(cls, doc=f"{cls.__name__} endpoints over this connection"))
