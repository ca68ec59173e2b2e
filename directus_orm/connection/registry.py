"""The connection registry: ``directus_orm.connections``, like Django's ``django.db.connections``.

Settings are looked up at first use, in this order:

1. ``directus_orm.configure({"default": {...}, "other": {...}})``;
2. the module named by ``DIRECTUS_SETTINGS_MODULE``, holding ``DIRECTUS = {"default": {...}, ...}``;
3. environment variables ``DIRECTUS_URL``, ``DIRECTUS_TOKEN``, ``DIRECTUS_EMAIL``, ``DIRECTUS_PASSWORD``
   (alias ``default`` only).

Every connection the registry creates shares one :class:`ConnectionPool`. A block of code can run as
another connection with ``async with connections.override(conn):`` (a context variable, so it is local
to the task or request that entered it).
"""

from __future__ import annotations

import contextvars
import importlib
import os
import threading
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import Any

from ..exceptions import ImproperlyConfigured, InvalidArgument
from ..sync import SyncFace
from .base_url import base_url
from .client import Directus
from .closing import close_attached
from .pool import ConnectionPool

__all__ = ["DEFAULT_ALIAS", "ConnectionHandler", "configure", "connections"]

DEFAULT_ALIAS = "default"
"""The alias of the connection used when none is named (``connections[DEFAULT_ALIAS]``)."""

SETTING_KEYS = frozenset(
    {
        "url", "token", "email", "password", "otp", "access_token", "refresh_token", "expires",
        "session_token", "session_cookie_name", "timeout", "deadline", "retries", "max_payload",
        "page_size",
    }
)
"""Keys an alias's settings may hold."""

ENV_VARS = {"url": "DIRECTUS_URL", "token": "DIRECTUS_TOKEN", "email": "DIRECTUS_EMAIL",
            "password": "DIRECTUS_PASSWORD"}

_overrides: contextvars.ContextVar[Mapping[str, Directus] | None] = contextvars.ContextVar(
    "directus_orm_connection_overrides", default=None
)


class _Override:
    """Context manager (sync and async) that makes ``alias`` resolve to ``connection``."""

    def __init__(self, connection: Directus, alias: str) -> None:
        self._connection = connection
        self._alias = alias
        # A stack, so the same object can be entered again inside its own block.
        self._tokens: list[contextvars.Token[Mapping[str, Directus] | None]] = []

    def __enter__(self) -> Directus:
        current = dict(_overrides.get() or {})
        current[self._alias] = self._connection
        self._tokens.append(_overrides.set(current))
        return self._connection

    def __exit__(self, *exc: object) -> None:
        _overrides.reset(self._tokens.pop())

    async def __aenter__(self) -> Directus:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__()


class ConnectionHandler(SyncFace):
    """Named, lazily created connections. ``connections["default"]`` or ``connections.get()``."""

    def __init__(self) -> None:
        self._explicit: dict[str, Any] | None = None
        self._settings: dict[str, Any] | None = None
        self._source = ""
        self._connections: dict[str, Directus] = {}
        self._pool: ConnectionPool | None = None
        self._lock = threading.RLock()

    # -- configuration ------------------------------------------------------------------------------
    def configure(self, settings: Mapping[str, Mapping[str, Any]]) -> None:
        """Set the settings explicitly (wins over the settings module and the environment).

        Connections created from earlier settings are forgotten (close them first with
        :meth:`aclose_all` if they were used).
        """
        for alias, conf in settings.items():
            if isinstance(conf, Mapping):
                _check_page_size(alias, conf)  # used far from here (when streaming): refuse it now
                if conf.get("url"):
                    base_url(conf["url"], f"connection {alias!r}: setting 'url' (directus_orm.configure())")
        with self._lock:
            self._explicit = dict(settings)  # checked alias by alias at first use
            self._settings = None
            self._connections.clear()

    def reset(self) -> None:
        """Forget explicit settings and created connections; settings are read again at next use."""
        with self._lock:
            self._explicit = None
            self._settings = None
            self._connections.clear()

    def _load(self) -> tuple[dict[str, Any], str]:
        if self._explicit is not None:
            return self._explicit, "directus_orm.configure()"
        module_name = os.environ.get("DIRECTUS_SETTINGS_MODULE")
        if module_name:
            try:
                module = importlib.import_module(module_name)
            except ImportError as exc:
                raise ImproperlyConfigured(
                    f"DIRECTUS_SETTINGS_MODULE={module_name!r} could not be imported: {exc}"
                ) from exc
            value = getattr(module, "DIRECTUS", None)
            if not isinstance(value, Mapping):
                raise ImproperlyConfigured(
                    f"settings module {module_name!r} (DIRECTUS_SETTINGS_MODULE) has no DIRECTUS dict"
                )
            return dict(value), f"settings module {module_name!r}"
        from_env = {key: os.environ[var] for key, var in ENV_VARS.items() if os.environ.get(var)}
        if from_env:
            return {DEFAULT_ALIAS: from_env}, "environment variables DIRECTUS_*"
        return {}, ""

    @property
    def settings(self) -> dict[str, Any]:
        """The settings in force (loaded on first access)."""
        with self._lock:
            if self._settings is None:
                self._settings, self._source = self._load()
            return self._settings

    def _settings_for(self, alias: str) -> dict[str, Any]:
        settings = self.settings
        if alias not in settings:
            looked = (
                "directus_orm.configure() (not called), "
                f"DIRECTUS_SETTINGS_MODULE ({os.environ.get('DIRECTUS_SETTINGS_MODULE') or 'unset'}), "
                "environment variables DIRECTUS_URL/DIRECTUS_TOKEN/DIRECTUS_EMAIL/DIRECTUS_PASSWORD"
            )
            if self._source:
                raise ImproperlyConfigured(
                    f"no Directus connection {alias!r} in {self._source}; it defines: "
                    f"{', '.join(sorted(settings)) or 'nothing'}"
                )
            raise ImproperlyConfigured(
                f"no Directus connection {alias!r} is configured. Looked in: {looked}"
                + ("" if alias == DEFAULT_ALIAS else " (the environment only configures 'default')")
            )
        conf = settings[alias]
        if not isinstance(conf, Mapping):
            raise ImproperlyConfigured(
                f"connection {alias!r} in {self._source}: expected a dict of settings, "
                f"got {type(conf).__name__}"
            )
        unknown = set(conf) - SETTING_KEYS
        if unknown:
            raise ImproperlyConfigured(
                f"connection {alias!r} in {self._source}: unknown setting(s) {sorted(unknown)}; "
                f"known: {sorted(SETTING_KEYS)}"
            )
        _check_page_size(alias, conf)
        if not conf.get("url"):
            raise ImproperlyConfigured(
                f"connection {alias!r}: setting 'url' is missing (looked in {self._where('url')})"
            )
        base_url(conf["url"], f"connection {alias!r}: setting 'url' ({self._where('url')})")
        if bool(conf.get("email")) != bool(conf.get("password")):
            missing = "password" if conf.get("email") else "email"
            raise ImproperlyConfigured(
                f"connection {alias!r}: setting {missing!r} is missing (looked in {self._where(missing)}); "
                "email/password authentication needs both"
            )
        return dict(conf)

    def _where(self, key: str) -> str:
        """Where the setting ``key`` was looked for, for error messages."""
        if self._source.startswith("environment") and key in ENV_VARS:
            return f"environment variable {ENV_VARS[key]}"
        return self._source

    # -- access -------------------------------------------------------------------------------------
    def __getitem__(self, alias: str) -> Directus:
        overrides = _overrides.get()
        if overrides and alias in overrides:
            return overrides[alias]
        with self._lock:
            conn = self._connections.get(alias)
            if conn is None:
                conf = dict(self._settings_for(alias))
                conf.pop("page_size", None)
                try:
                    conn = Directus(pool=self._shared_pool(conf.pop("timeout", None)), alias=alias, **conf)
                except ImproperlyConfigured as exc:
                    raise ImproperlyConfigured(f"connection {alias!r} ({self._source}): {exc}") from None
                self._connections[alias] = conn
            return conn

    def get(self, alias: str | None = None) -> Directus:
        """The connection named ``alias`` (``"default"`` when omitted), created on first use from
        :func:`configure` or the settings: ``conn = connections.get("replica")``."""
        return self[alias or DEFAULT_ALIAS]

    def option(self, alias: str, key: str, default: Any = None) -> Any:
        """A non-connection setting of an alias (e.g. ``page_size``)."""
        overrides = _overrides.get()
        if overrides and alias in overrides:
            alias_conf = self.settings.get(alias, {})
        else:
            alias_conf = self._settings_for(alias)
        return alias_conf.get(key, default)

    def _shared_pool(self, timeout: Any) -> ConnectionPool:
        if timeout is not None:
            return ConnectionPool(timeout=timeout)
        if self._pool is None or self._pool.closed:
            self._pool = ConnectionPool()
        return self._pool

    def __contains__(self, alias: str) -> bool:
        return alias in self.settings

    def __iter__(self) -> Iterator[str]:
        return iter(self.settings)

    def override(self, connection: Directus, alias: str = DEFAULT_ALIAS) -> _Override:
        """Within the block, ``alias`` resolves to ``connection`` (task- and thread-local).

        ``async with connections.override(conn): ...`` or plain ``with``.
        """
        return _Override(connection, alias)

    async def aclose_all(self) -> None:
        """Close every connection the registry created (and their shared pool), with their realtime
        sockets, on every event loop they were used on (the sync face's included): subscriptions still
        open end with :class:`~directus_orm.exceptions.ConnectionClosed`."""
        with self._lock:
            conns = list(self._connections.values())
            self._connections.clear()
            pool, self._pool = self._pool, None
        for conn in conns:
            await close_attached(conn)
        for conn in conns:
            if conn.pool is not pool:
                await conn.pool.aclose()
        if pool is not None:
            await pool.aclose()


connections = ConnectionHandler()
"""The process-wide :class:`ConnectionHandler`: ``connections["default"]``, ``connections.get()``;
configured by :func:`configure` or the settings."""


def _check_page_size(alias: str, conf: Mapping[str, Any]) -> None:
    size = conf.get("page_size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 1):
        raise InvalidArgument(f"connection {alias!r}: page_size must be a positive integer, got {size!r}")


def configure(settings: Mapping[str, Mapping[str, Any]]) -> None:
    """Configure connections explicitly: ``configure({"default": {"url": ..., "token": ...}})``."""
    connections.configure(settings)
