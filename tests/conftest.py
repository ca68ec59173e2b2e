"""Test fixtures: a real Directus for the session, admin connections, schema helpers.

Where the server comes from, first match wins:

* ``DIRECTUS_TEST_URL`` + ``DIRECTUS_TEST_TOKEN`` (admin static token), and optionally
  ``DIRECTUS_TEST_EMAIL`` / ``DIRECTUS_TEST_PASSWORD``: an already running server;
* otherwise ``directus_orm.testing`` starts one (cached install, fresh SQLite, loopback).

When ``DIRECTUS_ORM_REQUIRE_SERVER=1`` (the test command sets it), failing to get a server is an error,
never a skip, and a run in which no integration test passed fails.

Cassettes (vcrpy): ``DIRECTUS_ORM_RECORD=1`` (``python3 -m devtools record``) records every integration
module's traffic with the live server into ``tests/cassettes/<module>.yaml``;
``DIRECTUS_ORM_OFFLINE=1`` replays them with no server at all (for contributors without Node).
Tests marked ``live_only`` (timing, concurrency, second servers) are skipped offline.

What a test needs of the server is declared with a marker (on a test, a class, or a module's
``pytestmark``), and checked here before the run - a skip then names the version or database and why:

* ``@pytest.mark.directus("11", reason="policies arrived in 11")``: Directus >= 11 (``--directus``);
* ``@pytest.mark.databases("sqlite", reason="...")``: only on these databases (``--db``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from directus_orm import Directus, connections
from tests.support import ServerInfo, create_collection, create_user, server_database, server_version

pytest_plugins = ["pytester"]  # tests/integration/test_testing_plugin.py runs a user's session

# Re-exported: tests import these from here too (``from tests.conftest import create_collection``).
__all__ = ["ServerInfo", "create_collection", "create_user"]


OFFLINE = os.environ.get("DIRECTUS_ORM_OFFLINE") == "1"
RECORD = os.environ.get("DIRECTUS_ORM_RECORD") == "1"
CASSETTES = Path(__file__).parent / "cassettes"
#: What replay compares: not the host (the recording server's port was random) nor headers (tokens).
MATCH_ON = ["method", "path", "query", "body"]
SECRET_HEADERS = ["authorization", "cookie", "set-cookie"]


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """Keep issued tokens out of cassettes (replay never needs their values)."""
    body = response.get("body", {}).get("string")
    if isinstance(body, bytes) and (b"access_token" in body or b"refresh_token" in body):
        import re

        body = re.sub(rb'"(access_token|refresh_token)":"[^"]*"', rb'"\1":"REDACTED"', body)
        response["body"]["string"] = body
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() == "set-cookie":
            headers[name] = ["REDACTED"]
    return response


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "directus(minimum, *, reason): needs Directus >= minimum (\"11\", \"12.1\"); "
        "skipped, with the reason, when the run's server is older (--directus)")
    config.addinivalue_line(
        "markers", "databases(*names, reason): runs only on these databases (\"sqlite\", \"postgres\", "
        "\"mariadb\"); skipped elsewhere (--db), with the reason")


def _unmet_requirement(item: pytest.Item) -> str | None:
    """Why ``item`` cannot run against this run's server (its ``directus`` / ``databases`` markers),
    or None. Each marker must say why: a skip is documented where it is declared."""
    for mark in item.iter_markers("directus"):
        reason = mark.kwargs.get("reason")
        if len(mark.args) != 1 or not reason:
            raise pytest.UsageError(f"{item.nodeid}: use @pytest.mark.directus(\"11\", reason=...)")
        minimum = tuple(int(p) for p in str(mark.args[0]).split("."))
        version = server_version()
        if version < minimum:
            shown = ".".join(map(str, version))
            return f"needs Directus >= {mark.args[0]} (this run: {shown}): {reason}"
    for mark in item.iter_markers("databases"):
        reason = mark.kwargs.get("reason")
        if not mark.args or not reason:
            raise pytest.UsageError(f"{item.nodeid}: use @pytest.mark.databases(\"sqlite\", reason=...)")
        if server_database() not in mark.args:
            return f"runs on {', '.join(mark.args)} only (this run: {server_database()}): {reason}"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        unmet = _unmet_requirement(item)
        if unmet is not None:
            item.add_marker(pytest.mark.skip(reason=unmet))
    if not OFFLINE:
        return
    for item in items:
        if item.get_closest_marker("live_only"):
            item.add_marker(pytest.mark.skip(reason="live_only: cannot replay from a cassette"))
        elif item.get_closest_marker("integration"):
            cassette = CASSETTES / f"{item.module.__name__.rsplit('.', 1)[-1]}.yaml"  # type: ignore[union-attr]
            if not cassette.exists():
                item.add_marker(pytest.mark.skip(reason=f"no cassette {cassette.name}; record it"))


@pytest.fixture(scope="module", autouse=True)
def _cassette(request: pytest.FixtureRequest) -> Iterator[None]:
    """Record or replay the module's HTTP traffic when asked to; otherwise do nothing."""
    if not (OFFLINE or RECORD) or request.node.get_closest_marker("integration") is None:
        yield
        return
    import vcr

    recorder = vcr.VCR(
        match_on=MATCH_ON,
        filter_headers=SECRET_HEADERS,
        before_record_response=_scrub_response,
        record_mode="all" if RECORD else "none",
        decode_compressed_response=True,
        # Only Directus is replayed: requests to an app under test (httpx's ASGITransport) must reach it.
        ignore_hosts=["testserver", "t"],
    )
    name = request.module.__name__.rsplit(".", 1)[-1]
    CASSETTES.mkdir(exist_ok=True)
    with recorder.use_cassette(str(CASSETTES / f"{name}.yaml")):
        yield


_passed_integration: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed and "integration" in report.keywords:
        _passed_integration.append(report.nodeid)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    terminalreporter.write_line(f"integration tests passed against Directus: {len(_passed_integration)}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if (
        os.environ.get("DIRECTUS_ORM_REQUIRE_SERVER") == "1"
        and not _passed_integration
        and session.testscollected
        and not session.config.option.collectonly
        and exitstatus == 0
        and not session.config.getoption("markexpr", "")
    ):
        session.exitstatus = 1
        print("\nERROR: no integration test ran against Directus (DIRECTUS_ORM_REQUIRE_SERVER=1)")


def _start_server() -> Iterator[ServerInfo]:
    if OFFLINE:
        # The recording server's fixed admin credentials: login bodies must match the cassettes.
        from directus_orm.testing.server import ADMIN_EMAIL, ADMIN_PASSWORD

        yield ServerInfo("http://127.0.0.1:8055", "offline-token", ADMIN_EMAIL, ADMIN_PASSWORD)
        return
    from directus_orm.testing import local_directus

    session = local_directus()
    try:
        server = next(session)
    except (RuntimeError, SystemExit, OSError) as exc:
        if os.environ.get("DIRECTUS_ORM_REQUIRE_SERVER") == "1":
            raise
        pytest.skip(f"no Directus server could be started: {exc}")
    try:
        yield server
    finally:
        session.close()


@pytest.fixture(scope="session")
def directus_server() -> Iterator[ServerInfo]:
    """The real Directus server for this test session."""
    yield from _start_server()


@pytest.fixture(scope="module", autouse=True)
def _drop_leftover_collections(request: pytest.FixtureRequest) -> Iterator[None]:
    """Drop the collections an integration module (or a docs example it runs) left behind: the
    unlicensed core allows 25 user collections per server, and the suite shares one."""
    if OFFLINE or request.node.get_closest_marker("integration") is None:
        yield
        return
    from tests.support.schema import drop_collections, user_collections

    server: ServerInfo = request.getfixturevalue("directus_server")
    before = user_collections(server.url, server.token)
    yield
    drop_collections(server.url, server.token, user_collections(server.url, server.token) - before)


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
