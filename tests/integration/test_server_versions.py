"""The server's version and limits, read once per connection from the real ``/server/info``: on every
Directus the harness provisions (``python3 -m devtools test --directus V``)."""

from __future__ import annotations

import pytest

from directus_orm import Directus, UnsupportedByServer
from directus_orm.connection.serverinfo import parse_version, require_version, server_info
from tests.conftest import ServerInfo

pytestmark = pytest.mark.integration


async def test_the_version_is_the_one_running(directus_server: ServerInfo, admin: Directus) -> None:
    info = await server_info(admin)
    assert info.version is not None, info.data
    if directus_server.server is not None:  # a server we started: we know what it runs
        assert info.version == parse_version(directus_server.server.version)
    assert info.query_limit_max == -1  # Directus's default QUERY_LIMIT_MAX
    assert await server_info(admin) is info


async def test_a_feature_of_a_newer_directus_is_refused_by_name(admin: Directus) -> None:
    info = await server_info(admin)
    assert info.version is not None
    newer = f"{info.version[0] + 1}.0.0"
    with pytest.raises(UnsupportedByServer, match=rf"^time travel needs Directus >= {newer}; "):
        await require_version(admin, newer, "time travel")
    assert await require_version(admin, "10.0.0", "anything") is info
