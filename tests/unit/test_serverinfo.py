"""``/server/info`` read once per connection: the version in each Directus's shape, queryLimit, and the
typed error naming the version a feature needs."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from directus_orm import DirectusError, UnsupportedByServer
from directus_orm.connection.serverinfo import ServerInfo, parse_version, require_version, server_info
from directus_orm.exceptions import Forbidden, InvalidCredentials


class FakeConnection:
    """Counts ``/server/info`` reads; answers ``data`` (or raises ``error``)."""

    def __init__(self, data: Any = None, error: Exception | None = None) -> None:
        self.data, self.error, self.calls = data, error, 0

    async def get(self, path: str, **kwargs: Any) -> Any:
        assert path == "/server/info"
        self.calls += 1
        await asyncio.sleep(0)
        if self.error is not None:
            raise self.error
        return {"data": self.data}


def test_parse_version() -> None:
    assert parse_version("12.4.0") == (12, 4, 0)
    assert parse_version("10.13.4-rc.1") == (10, 13, 4)
    assert parse_version("12") is None
    assert parse_version(None) is None
    assert parse_version(12.4) is None


def test_the_version_in_each_shape() -> None:
    assert ServerInfo.from_data({"version": "12.4.0"}).version == (12, 4, 0)
    assert ServerInfo.from_data({"directus": {"version": "10.13.4"}}).version == (10, 13, 4)
    assert ServerInfo.from_data({"project": {}}).version is None
    assert ServerInfo.from_data(None) == ServerInfo()


def test_query_limit() -> None:
    assert ServerInfo.from_data({"queryLimit": {"default": 100, "max": -1}}).query_limit_max == -1
    assert ServerInfo.from_data({"queryLimit": {"max": 500}}).query_limit_max == 500
    assert ServerInfo.from_data({"queryLimit": {"max": True}}).query_limit_max is None
    assert ServerInfo.from_data({}).query_limit_max is None


async def test_read_once_per_connection_even_when_concurrent() -> None:
    conn = FakeConnection({"version": "11.17.4"})
    first, second = await asyncio.gather(server_info(conn), server_info(conn))  # type: ignore[arg-type]
    assert first is second and first.version == (11, 17, 4)
    assert await server_info(conn) is first  # type: ignore[arg-type]
    assert conn.calls == 1


async def test_a_refusal_adapts_nothing_and_an_auth_failure_is_raised() -> None:
    forbidden = FakeConnection(error=Forbidden("no", status=403, code="FORBIDDEN"))
    assert await server_info(forbidden) == ServerInfo()  # type: ignore[arg-type]
    refused = FakeConnection(error=InvalidCredentials("no", status=401, code="INVALID_CREDENTIALS"))
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            await server_info(refused)  # type: ignore[arg-type]
    assert refused.calls == 2  # nothing remembered


async def test_require_version_names_the_feature_and_both_versions() -> None:
    conn = FakeConnection({"version": "10.13.4"})
    with pytest.raises(UnsupportedByServer) as caught:
        await require_version(conn, "11.0.0", "policies")  # type: ignore[arg-type]
    assert isinstance(caught.value, DirectusError)
    assert str(caught.value) == "policies needs Directus >= 11.0.0; this server runs Directus 10.13.4"
    assert (caught.value.feature, caught.value.required, caught.value.found) == (
        "policies", "11.0.0", "10.13.4")
    assert (await require_version(conn, "10.0.0", "x")).version == (10, 13, 4)  # type: ignore[arg-type]
    hidden = FakeConnection({})
    assert (await require_version(hidden, "99.0.0", "x")).version is None  # type: ignore[arg-type]
