"""pytest fixtures for testing an app against a real Directus. Enable them in ``conftest.py``::

    pytest_plugins = ["directus_orm.testing.plugin"]

* ``directus_server`` (session): the :class:`~directus_orm.testing.LocalDirectus` the session uses
  (``DIRECTUS_TEST_URL`` + ``DIRECTUS_TEST_TOKEN`` when set, else a local Directus started once);
* ``directus`` (test): ``directus_orm.connections`` configured for that server with its admin token, and
  the collections of the models named by ``@pytest.mark.directus_models([Article, ...])`` created from the
  models (schema tools' ``migrate``) before the test and dropped after it, with anything else the test
  created, and the fields they added to collections that were there before (``directus_users`` ...).
  Yields the ``LocalDirectus``.

The fixtures are synchronous, so they work with any async plugin (pytest-asyncio, anyio) or none.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from ..connection import Directus, connections
from ..exceptions import LocalServerError
from ..models import DirectusModel
from ..schema import SchemaTools
from ..sync import run
from .session import LocalDirectus, local_directus

__all__ = ["directus", "directus_server"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "directus_models([models]): create these models' collections for "
                                       "the test (directus_orm.testing.plugin) and drop them after it")


def _user_collections(server: LocalDirectus) -> list[str]:
    answer = httpx.get(f"{server.url}/collections", params={"fields": "collection"},
                       headers={"Authorization": f"Bearer {server.token}"}, timeout=30)
    answer.raise_for_status()
    return [c["collection"] for c in answer.json()["data"] if not c["collection"].startswith("directus_")]


def _drop(server: LocalDirectus, names: list[str]) -> None:
    # Later collections first (a junction before what it joins); a refusal is retried once after the rest.
    pending = list(reversed(names))
    for _ in range(2):
        refused = []
        for name in pending:
            answer = httpx.delete(f"{server.url}/collections/{name}", timeout=60,
                                  headers={"Authorization": f"Bearer {server.token}"})
            if answer.status_code not in (200, 204, 403):
                refused.append(name)
        pending = refused
    if pending:
        raise LocalServerError(f"could not drop the test's collections {pending}")


async def _migrate(server: LocalDirectus, models: list[type[DirectusModel]]) -> list[tuple[str, str]]:
    """Migrate ``models``; returns the fields it added to collections that were there before."""
    async with Directus(server.url, token=server.token) as conn:
        steps = await SchemaTools(conn).migrate(models)
    created = {s.collection for s in steps if s.kind == "create_collection"}
    return [(s.collection, s.field) for s in steps
            if s.kind == "create_field" and s.field and s.collection not in created]


def _drop_fields(server: LocalDirectus, fields: list[tuple[str, str]]) -> None:
    refused = []
    for collection, name in reversed(fields):
        answer = httpx.delete(f"{server.url}/fields/{quote(collection, safe='')}/{quote(name, safe='')}",
                              timeout=60, headers={"Authorization": f"Bearer {server.token}"})
        if answer.status_code not in (200, 204, 403):
            refused.append(f"{collection}.{name}")
    if refused:
        raise LocalServerError(f"could not drop the fields the test added {refused}")


@pytest.fixture(scope="session")
def directus_server() -> Iterator[LocalDirectus]:
    """The Directus this test session talks to (started once when none is given)."""
    yield from local_directus()


@pytest.fixture
def directus(directus_server: LocalDirectus, request: pytest.FixtureRequest) -> Iterator[LocalDirectus]:
    """The registry configured for the session's server, with the marked models' collections."""
    before = set(_user_collections(directus_server))
    marker = request.node.get_closest_marker("directus_models")
    # A list: pytest.mark.x(SomeClass) with one class would decorate that class instead.
    args = marker.args if marker else ()
    models = [m for arg in args for m in (arg if isinstance(arg, (list, tuple)) else [arg])]
    connections.configure({"default": {"url": directus_server.url, "token": directus_server.token}})
    added: list[tuple[str, str]] = []
    try:
        if models:
            added = run(_migrate(directus_server, models), name="directus_models")
        yield directus_server
    finally:
        run(connections.aclose_all(), name="connections.aclose_all")
        connections.reset()
        _drop_fields(directus_server, added)
        _drop(directus_server, [c for c in _user_collections(directus_server) if c not in before])
