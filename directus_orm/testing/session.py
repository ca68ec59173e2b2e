"""Which Directus a test session uses: one already running (``DIRECTUS_TEST_URL`` +
``DIRECTUS_TEST_TOKEN``), else a local one started for the session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .server import DirectusServer


@dataclass(frozen=True)
class LocalDirectus:
    """The server a test session talks to: its URL, an admin static token and the admin's login."""

    url: str
    token: str
    email: str
    password: str
    server: DirectusServer | None = None  # when the session started it

    def start_another(self, **extra_env: str) -> DirectusServer:
        """A second, separately configured server (e.g. ``ACCESS_TOKEN_TTL="5s"``); stop it yourself
        (it is a context manager)."""
        return DirectusServer(extra_env=extra_env).start()

    def __repr__(self) -> str:
        return f"LocalDirectus(url={self.url!r}, email={self.email!r})"  # no token, no password


def local_directus(**extra_env: Any) -> Iterator[LocalDirectus]:
    """Yield the session's server: ``DIRECTUS_TEST_URL``/``DIRECTUS_TEST_TOKEN`` (and optionally
    ``DIRECTUS_TEST_EMAIL``/``DIRECTUS_TEST_PASSWORD``) when set, else a local Directus started now (its
    environment extended by ``extra_env``) and stopped when the generator is closed."""
    url = os.environ.get("DIRECTUS_TEST_URL")
    if url:
        yield LocalDirectus(url.rstrip("/"), os.environ["DIRECTUS_TEST_TOKEN"],
                            os.environ.get("DIRECTUS_TEST_EMAIL", ""),
                            os.environ.get("DIRECTUS_TEST_PASSWORD", ""))
        return
    server = DirectusServer(extra_env={k: str(v) for k, v in extra_env.items()}).start()
    try:
        yield LocalDirectus(server.url, server.admin_token, server.admin_email, server.admin_password, server)
    finally:
        server.stop()
