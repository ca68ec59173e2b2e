"""What a relay allows and how it behaves: :class:`RelayConfig`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...connection.client import Directus
from ...exceptions import ImproperlyConfigured
from ...realtime.backoff import Backoff

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection

__all__ = ["Authenticate", "Identity", "RelayConfig"]


@dataclass(frozen=True)
class Identity:
    """Who a client is upstream: ``key`` names the Directus identity (clients with one key share its
    upstream socket and subscriptions, so it must stand for one set of permissions: a user id, not a
    role when permissions use ``$CURRENT_USER``); ``connection`` is what reads as that identity."""

    key: str
    connection: Directus
    expires_at: float | None = None
    """Seconds since the epoch after which the client must reconnect (its token expires); None: never."""

    def __repr__(self) -> str:  # never the connection's credentials
        return f"<Identity {self.key}>"


Authenticate = Callable[["HTTPConnection"], Awaitable[Identity | None]]
"""The app's own authentication: the upgrade request -> an :class:`Identity`, or None to refuse it
(HTTP 401). Raising ``Forbidden("why")`` refuses it with 403, ``AuthenticationError("why")`` with 401
(both from ``directus_orm.exceptions``, also exported by this package; any status they carry is
ignored, and ``why`` is not sent to the client); another ``DirectusError``, or no answer within
``upstream_timeout``, answers 503."""


@dataclass
class RelayConfig:
    """Everything a relay allows.

    * ``url``: the Directus server (or ``connection``: an app connection whose URL and pool are used;
      its credentials are never lent to clients unless ``authenticate`` does so).
    * ``collections``: the allow-list, ``{collection: fields}``; ``None`` as fields allows every field
      the client's Directus user may read. A field path may be dotted (``author.name``); ``"author.*"``
      allows every field below ``author``.
    * ``origins``: the browser origins allowed (``scheme://host[:port]``, compared as scheme, host and
      port); ``None`` allows only the relay's own host and port (as Directus does), ``("*",)`` any.
      A request without an ``Origin`` header (not a browser: browsers always send one) is refused when
      ``origins`` lists origins, unless ``allow_missing_origin``; with ``None`` or ``"*"`` it is allowed.
    * ``authenticate``: the app's callback; without it, each client's own Directus token (an
      ``Authorization: Bearer`` header, the session cookie, or, when ``first_message_auth``, an
      ``{"type": "auth", "access_token": ...}`` first message).
    * ``allow_reads``: also relay ``{"type": "items", "action": "read"}`` messages.
    * ``max_queue``: messages a client may fall behind before it is disconnected
      (:data:`~directus_orm.contrib.relay.CLOSE_SLOW_CONSUMER`); ``send_timeout``: seconds one message may
      take to be accepted by the client's connection before it counts as slow too.
    * ``upstream_timeout``: seconds a client's subscribe, unsubscribe, read or ``auth`` may wait for
      Directus, from its arrival, before it is answered with a ``SERVICE_UNAVAILABLE`` error frame (the
      client may send it again); meanwhile its pings are answered. A token check at connection time
      gets as long (then 503, or ``SERVICE_UNAVAILABLE`` and close 1013 for a first-message ``auth``).
      ``max_pending``: such requests a client may have waiting, the one being answered included
      (default: ``max_subscriptions``, so a page subscribing to everything it may at once is served);
      more are refused with ``REQUESTS_EXCEEDED`` (send it again once answers arrive).
      A refusal that retrying cannot change is ``LIMIT_EXCEEDED``.
    * ``max_message_size``: bytes a client message may have; a longer one gets a
      ``MESSAGE_TOO_LARGE`` error frame and the connection is closed with 1009. ``max_depth`` /
      ``max_nodes``: how deeply a message may nest and how many values it may hold (a filter
      ``{"_and": [...]}`` takes two levels per step); beyond, a ``LIMIT_EXCEEDED`` error frame (the
      connection stays open).
    * ``metrics_path``: where the text metrics are served (None: not served); ``on_metrics``: called with
      the counters every ``metrics_interval`` seconds.
    """

    url: str | None = None
    collections: Mapping[str, Collection[str] | None] = field(default_factory=dict)
    origins: Collection[str] | None = None
    allow_missing_origin: bool = False
    connection: Directus | None = None
    authenticate: Authenticate | None = None
    first_message_auth: bool = True
    auth_timeout: float = 10.0
    cookie_name: str = "directus_session_token"
    allow_reads: bool = False
    max_queue: int = 1000
    send_timeout: float = 10.0
    path: str = "/"
    metrics_path: str | None = "/metrics"
    on_metrics: Callable[[dict[str, int]], Any] | None = None
    metrics_interval: float = 10.0
    reconnect: Backoff = field(default_factory=Backoff)
    max_subscriptions: int = 100  # per client
    upstream_timeout: float = 10.0
    max_pending: int | None = None  # per client; None: max_subscriptions
    max_message_size: int = 64 * 1024
    max_depth: int = 32
    max_nodes: int = 2000

    def __post_init__(self) -> None:
        if self.connection is None and not self.url:
            raise ImproperlyConfigured("RelayConfig needs url= or connection=")
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise ImproperlyConfigured(f"RelayConfig url must start with http:// or https://, "
                                       f"got {self.url!r}")
        if not self.collections:
            raise ImproperlyConfigured("RelayConfig needs collections= (the allow-list); nothing is relayed "
                                       "otherwise")
        for name, fields in self.collections.items():
            if not isinstance(name, str) or not name:
                raise ImproperlyConfigured(f"collection names must be non-empty strings, got {name!r}")
            bad = isinstance(fields, str) or not all(isinstance(f, str) for f in fields or ())
            if fields is not None and bad:
                raise ImproperlyConfigured(f"the fields of {name!r} must be a collection of strings or None")
        limits = (self.max_queue, self.max_subscriptions, self.pending_limit, self.max_message_size,
                  self.max_depth, self.max_nodes)
        if min(limits) < 1:
            raise ImproperlyConfigured("max_queue, max_subscriptions, max_pending, max_message_size, "
                                       "max_depth and max_nodes must be positive")
        if min(self.auth_timeout, self.send_timeout, self.metrics_interval, self.upstream_timeout) <= 0:
            raise ImproperlyConfigured("auth_timeout, send_timeout, metrics_interval and upstream_timeout "
                                       "must be positive")
        if not self.path.startswith("/"):
            raise ImproperlyConfigured(f"path must start with '/', got {self.path!r}")

    @property
    def pending_limit(self) -> int:
        """``max_pending``, or its default."""
        return self.max_subscriptions if self.max_pending is None else self.max_pending
