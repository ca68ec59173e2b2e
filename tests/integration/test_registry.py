"""The connection registry against the real server: each source, aliases, laziness, overrides."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import directus_orm
from directus_orm import Directus, connections
from directus_orm.connection.registry import ENV_VARS
from directus_orm.exceptions import ImproperlyConfigured, InvalidCredentials, NetworkError
from tests.conftest import ServerInfo

pytestmark = pytest.mark.integration

_modules = itertools.count()


@pytest.fixture(autouse=True)
async def clean_registry(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    for var in [*ENV_VARS.values(), "DIRECTUS_SETTINGS_MODULE"]:
        monkeypatch.delenv(var, raising=False)
    connections.reset()
    yield
    await connections.aclose_all()
    connections.reset()


async def me_email(alias: str = "default") -> str:
    return str((await connections[alias].me(fields="email"))["email"])


async def test_configure_token_and_password_aliases(directus_server: ServerInfo) -> None:
    directus_orm.configure({
        "default": {"url": directus_server.url, "token": directus_server.token},
        "by_password": {"url": directus_server.url, "email": directus_server.email,
                        "password": directus_server.password},
        "public": {"url": directus_server.url},
    })
    assert await me_email() == directus_server.email
    assert await me_email("by_password") == directus_server.email
    with pytest.raises(InvalidCredentials):
        await me_email("public")  # the public role may not read /users/me
    assert connections["by_password"].pool is connections["default"].pool


async def test_settings_module(directus_server: ServerInfo, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"directus_it_settings_{next(_modules)}"
    (tmp_path / f"{name}.py").write_text(
        f"DIRECTUS = {{'default': {{'url': {directus_server.url!r}, 'token': {directus_server.token!r}}},\n"
        f"            'second': {{'url': {directus_server.url!r}, 'email': {directus_server.email!r},\n"
        f"                        'password': {directus_server.password!r}}}}}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("DIRECTUS_SETTINGS_MODULE", name)
    assert await me_email() == directus_server.email
    assert await me_email("second") == directus_server.email


async def test_environment_token(directus_server: ServerInfo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRECTUS_URL", directus_server.url)
    monkeypatch.setenv("DIRECTUS_TOKEN", directus_server.token)
    assert await me_email() == directus_server.email


async def test_environment_email_password(directus_server: ServerInfo,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRECTUS_URL", directus_server.url)
    monkeypatch.setenv("DIRECTUS_EMAIL", directus_server.email)
    monkeypatch.setenv("DIRECTUS_PASSWORD", directus_server.password)
    assert await me_email() == directus_server.email


async def test_configure_wins_over_environment(directus_server: ServerInfo,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRECTUS_URL", directus_server.url)
    monkeypatch.setenv("DIRECTUS_TOKEN", "an-invalid-token-from-the-environment")
    with pytest.raises(InvalidCredentials):
        await me_email()
    directus_orm.configure({"default": {"url": directus_server.url, "token": directus_server.token}})
    assert await me_email() == directus_server.email


@pytest.mark.live_only  # no HTTP answer to record: the cassette player would refuse the request
async def test_several_urls_for_one_alias_are_refused_before_any_request(directus_server: ServerInfo) -> None:
    """Two base URLs of real instances in one alias (a list, a comma-separated string) raise
    ImproperlyConfigured naming the setting (they raised AttributeError / InvalidRequest at the first
    query); the alias configured with one of them works."""
    url, token = directus_server.url, directus_server.token
    for several in ([url, url], f"{url},{url}"):
        with pytest.raises(ImproperlyConfigured, match=r"setting 'url' .*one URL per alias.*load balancer"):
            directus_orm.configure({"default": {"url": several, "token": token}})
        with pytest.raises(ImproperlyConfigured, match=r"load balancer"):
            Directus(several, token=token)  # type: ignore[arg-type]
    directus_orm.configure({"default": {"url": url, "token": token}})
    assert await me_email() == directus_server.email


@pytest.mark.live_only  # its first use is a refused connection to port 9: nothing to replay
async def test_lazy_creation_sends_nothing_until_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing listens on port 9 (discard) here: creating the connection must not try to reach it.
    directus_orm.configure({"default": {"url": "http://127.0.0.1:9", "email": "a@b.c", "password": "pw"}})
    conn = connections["default"]
    assert not conn.auth.authenticated  # type: ignore[union-attr]
    with pytest.raises(NetworkError) as info:
        await conn.me()  # first use: the lazy login is the first request
    assert info.value.path == "/auth/login"


async def test_override_runs_a_block_as_another_user(directus_server: ServerInfo, admin: Directus) -> None:
    directus_orm.configure({"default": {"url": directus_server.url, "token": directus_server.token}})
    email = "registry-override@example.com"
    found = await admin.get("/users", params={"filter": {"email": {"_eq": email}}, "fields": "id"})
    for row in found["data"]:
        await admin.delete(f"/users/{row['id']}")
    await admin.post("/users", json={"email": email, "password": "pw-override-1", "status": "active",
                                     "token": "registry-override-token-1"})
    other = connections["default"].with_auth(token="registry-override-token-1")
    async with connections.override(other):
        me = await connections["default"].me(fields="id")
        assert set(me) == {"id"}  # a user without a role sees only its id
        assert connections["default"] is other
    assert await me_email() == directus_server.email


async def test_override_is_task_local_against_the_server(directus_server: ServerInfo) -> None:
    directus_orm.configure({"default": {"url": directus_server.url}})  # public by default
    admin_conn = connections["default"].with_auth(token=directus_server.token)
    password_conn = connections["default"].with_auth(email=directus_server.email,
                                                     password=directus_server.password)
    both_inside = asyncio.Barrier(2)

    async def as_(conn: Directus) -> list[str]:
        async with connections.override(conn):
            await both_inside.wait()
            return [await me_email(), str(connections["default"].auth)]

    first, second = await asyncio.gather(as_(admin_conn), as_(password_conn))
    assert first == [directus_server.email, repr(admin_conn.auth)]
    assert second == [directus_server.email, repr(password_conn.auth)]
    with pytest.raises(InvalidCredentials):
        await me_email()  # outside both blocks: the configured public connection


def test_override_sync_form_with_the_sync_face(directus_server: ServerInfo) -> None:
    directus_orm.configure({"default": {"url": directus_server.url}})
    conn = Directus(directus_server.url, token=directus_server.token)
    with connections.override(conn):
        # The sync face carries the caller's context variables to its loop.
        assert connections["default"].sync.me()["email"] == directus_server.email
    with pytest.raises(InvalidCredentials):
        connections["default"].sync.me()
    conn.sync.aclose()
