"""Transport failures are chained to their httpx cause, and no secret shows in the whole traceback.

Secrets are made at run time (``secrets.token_hex``), so a traceback's source lines cannot hold them.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import traceback
from collections.abc import AsyncIterator

import httpx
import pytest

from directus_orm import Directus
from directus_orm.connection.failures import WITHHELD
from directus_orm.exceptions import InvalidRequest, NetworkError, RequestTimeout, UnexpectedResponse
from tests.support.fault_proxy import FaultProxy
from tests.support.server import ServerInfo

pytestmark = [pytest.mark.integration, pytest.mark.live_only]  # faults on the wire: nothing to replay

def formatted(error: BaseException) -> str:
    return "".join(traceback.format_exception(error))


@pytest.fixture
def refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
async def proxy(directus_server: ServerInfo) -> AsyncIterator[FaultProxy]:
    async with FaultProxy(directus_server.url) as p:
        yield p


async def test_a_network_error_is_chained_to_the_httpx_error(refused_url: str) -> None:
    token, in_query, in_url = (secrets.token_hex(16) for _ in range(3))
    url = refused_url.replace("http://", f"http://someone:{in_url}@")
    async with Directus(url, token=token, retries=0) as conn:
        with pytest.raises(NetworkError) as caught:
            await conn.get("/server/ping", params={"access_token": in_query})
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    text = formatted(caught.value)
    assert "httpx.ConnectError" in text and "direct cause" in text
    for secret in (token, in_query, in_url):
        assert secret not in text


@pytest.mark.parametrize("where", ["token", "session_token", "header"])
async def test_a_header_value_httpx_refuses_is_not_quoted(directus_server: ServerInfo, where: str) -> None:
    # h11 refuses a value holding a line break, quoting it: "Illegal header value b'Bearer <token>\n'"
    secret = secrets.token_hex(16)
    credentials = {"token": directus_server.token}
    headers = {}
    if where == "header":
        headers["X-Api-Key"] = f"{secret}\nx"
    else:
        credentials = {where: f"{secret}\nx"}
    async with Directus(directus_server.url, **credentials) as conn:
        with pytest.raises(InvalidRequest) as caught:
            await conn.get("/server/info", headers=headers)
        assert await conn.with_auth(token=directus_server.token).ping()  # the connection still works
    assert isinstance(caught.value.__cause__, httpx.LocalProtocolError)
    assert str(caught.value.__cause__) == WITHHELD
    text = formatted(caught.value)
    assert "LocalProtocolError" in text and secret not in text


async def test_a_failed_refresh_is_chained_for_every_waiter(proxy: FaultProxy) -> None:
    access, refresh = secrets.token_hex(16), secrets.token_hex(16)
    proxy.add("drop", lambda r: r.path.endswith("/auth/refresh"), times=None)
    async with Directus(proxy.url, access_token=access, refresh_token=refresh, expires=1) as conn:
        results = await asyncio.gather(*(conn.get("/users/me") for _ in range(3)), return_exceptions=True)
    assert proxy.count("POST", "/auth/refresh") == 1  # one refresh, the others waited for it
    for result in results:
        assert isinstance(result, NetworkError), result
        assert (result.method, result.path) == ("POST", "/auth/refresh")
        assert isinstance(result.__cause__, httpx.RemoteProtocolError), result.__cause__
        text = formatted(result)
        assert access not in text and refresh not in text


async def test_the_deadline_is_chained_to_the_timeout(proxy: FaultProxy, directus_server: ServerInfo) -> None:
    proxy.add("stall", lambda r: r.path.endswith("/server/info"), seconds=5)
    async with Directus(proxy.url, token=directus_server.token, deadline=0.5) as conn:
        with pytest.raises(RequestTimeout) as caught:
            await conn.get("/server/info")
    assert isinstance(caught.value.__cause__, TimeoutError)


async def test_a_body_that_is_not_json_is_chained_to_the_decoding_error(
    proxy: FaultProxy, directus_server: ServerInfo
) -> None:
    proxy.add("fake", lambda r: r.path.endswith("/server/info"), headers={"Content-Type": "text/html"},
              body=b"<html>Down for maintenance</html>")
    async with Directus(proxy.url, token=directus_server.token) as conn:
        with pytest.raises(UnexpectedResponse) as caught:
            await conn.get("/server/info")
    assert isinstance(caught.value.__cause__, json.JSONDecodeError)
    assert "maintenance" not in formatted(caught.value)  # the body is not quoted
