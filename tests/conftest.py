"""Test fixtures: a real Directus for the session, admin connections, schema helpers.

Where the server comes from, first match wins:

* ``DIRECTUS_TEST_URL`` + ``DIRECTUS_TEST_TOKEN`` (admin static token), and optionally
  ``DIRECTUS_TEST_EMAIL`` / ``DIRECTUS_TEST_PASSWORD``: an already running server;
* otherwise ``devtools.directus`` starts one (cached install, fresh SQLite, loopback).

When ``DIRECTUS_ORM_REQUIRE_SERVER=1`` (the test command sets it), failing to get a server is an error,
never a skip.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from directus_orm import Directus, connections
from directus_orm.exceptions import APIError


@dataclass(frozen=True)
class ServerInfo:
    url: str
    token: str
    email: str
    password: str
    server: Any = None  # the DirectusServer when we started it

    def start_another(self, **extra_env: str) -> Any:
        """A second, separately configured server (e.g. a short ACCESS_TOKEN_TTL)."""
        from devtools.directus import DirectusServer

        return DirectusServer(extra_env=extra_env).start()


def _start_server() -> Iterator[ServerInfo]:
    url = os.environ.get("DIRECTUS_TEST_URL")
    if url:
        yield ServerInfo(
            url=url.rstrip("/"),
            token=os.environ["DIRECTUS_TEST_TOKEN"],
            email=os.environ.get("DIRECTUS_TEST_EMAIL", ""),
            password=os.environ.get("DIRECTUS_TEST_PASSWORD", ""),
        )
        return
    from devtools.directus import DirectusServer

    try:
        server = DirectusServer().start()
    except (RuntimeError, SystemExit, OSError) as exc:
        if os.environ.get("DIRECTUS_ORM_REQUIRE_SERVER") == "1":
            raise
        pytest.skip(f"no Directus server could be started: {exc}")
    try:
        yield ServerInfo(server.url, server.admin_token, server.admin_email, server.admin_password, server)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def directus_server() -> Iterator[ServerInfo]:
    """The real Directus server for this test session."""
    yield from _start_server()


@pytest.fixture(scope="session")
async def admin(directus_server: ServerInfo) -> AsyncIterator[Directus]:
    """An admin connection (static token), open for the whole session."""
    async with Directus(directus_server.url, token=directus_server.token) as conn:
        yield conn


@pytest.fixture
def registry(directus_server: ServerInfo) -> Iterator[None]:
    """Configure ``directus_orm.connections`` with the admin token for one test, then reset it."""
    connections.configure({"default": {"url": directus_server.url, "token": directus_server.token}})
    yield
    connections.reset()


async def create_collection(
    conn: Directus,
    name: str,
    fields: list[dict[str, Any]],
    *,
    pk: dict[str, Any] | None = None,
    replace: bool = True,
) -> None:
    """Create a collection through the API (dropping an older one of that name first).

    ``pk`` defaults to an auto-increment integer ``id``. Each field is a Directus field object
    (``{"field": "name", "type": "string", "schema": {...}}``).
    """
    if replace:
        with contextlib.suppress(APIError):
            await conn.delete(f"/collections/{name}")
    primary = pk or {
        "field": "id", "type": "integer",
        "schema": {"is_primary_key": True, "has_auto_increment": True}, "meta": {"hidden": True},
    }
    await conn.post(
        "/collections",
        json={"collection": name, "schema": {}, "meta": {"icon": "box"}, "fields": [primary, *fields]},
    )


async def create_user(
    conn: Directus, email: str, password: str, *, role: str | None = None, **extra: Any
) -> dict[str, Any]:
    """Create a user (admin connection); returns the user row."""
    body = await conn.post("/users", json={"email": email, "password": password, "role": role,
                                          "status": "active", **extra})
    return dict(body["data"])
