"""The connection registry without a server: sources, precedence, laziness, overrides, error messages."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

import directus_orm
from directus_orm import Directus, ImproperlyConfigured, PasswordAuth, StaticToken, connections
from directus_orm.connection.registry import ENV_VARS

URL = "http://127.0.0.1:9"  # never contacted: nothing here sends a request
_modules = itertools.count()


@pytest.fixture(autouse=True)
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in [*ENV_VARS.values(), "DIRECTUS_SETTINGS_MODULE"]:
        monkeypatch.delenv(var, raising=False)
    connections.reset()
    yield
    connections.reset()


def settings_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> str:
    """Write a settings module to tmp_path, put it on sys.path and name it in DIRECTUS_SETTINGS_MODULE."""
    name = f"directus_test_settings_{next(_modules)}"  # unique: imported modules are cached
    (tmp_path / f"{name}.py").write_text(body)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("DIRECTUS_SETTINGS_MODULE", name)
    return name


# --- sources ---------------------------------------------------------------------------------------
def test_configure() -> None:
    directus_orm.configure({"default": {"url": URL, "token": "tok-a"}, "other": {"url": URL + "1"}})
    conn = connections["default"]
    assert isinstance(conn, Directus) and isinstance(conn.auth, StaticToken)
    assert conn.alias == "default" and conn.url == URL
    assert connections["other"].url == URL + "1" and connections["other"].auth is None
    assert connections.get() is conn and connections.get("other") is connections["other"]
    assert sorted(connections) == ["default", "other"] and "other" in connections


def test_settings_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings_module(tmp_path, monkeypatch,
                    f"DIRECTUS = {{'default': {{'url': {URL!r}, 'email': 'a@b.c', 'password': 'pw'}}}}\n")
    conn = connections["default"]
    assert isinstance(conn.auth, PasswordAuth) and conn.url == URL


def test_environment_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRECTUS_URL", URL)
    monkeypatch.setenv("DIRECTUS_TOKEN", "tok-env")
    assert isinstance(connections["default"].auth, StaticToken)


def test_environment_email_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRECTUS_URL", URL)
    monkeypatch.setenv("DIRECTUS_EMAIL", "a@b.c")
    monkeypatch.setenv("DIRECTUS_PASSWORD", "pw")
    assert isinstance(connections["default"].auth, PasswordAuth)


def test_precedence_configure_over_module_over_environment(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRECTUS_URL", "http://env.invalid")
    monkeypatch.setenv("DIRECTUS_TOKEN", "tok-env")
    assert connections["default"].url == "http://env.invalid"
    settings_module(tmp_path, monkeypatch, "DIRECTUS = {'default': {'url': 'http://module.invalid'}}\n")
    connections.reset()
    assert connections["default"].url == "http://module.invalid"
    directus_orm.configure({"default": {"url": "http://explicit.invalid"}})
    assert connections["default"].url == "http://explicit.invalid"
    connections.reset()  # forgets configure(): the module again
    assert connections["default"].url == "http://module.invalid"


def test_a_settings_module_replaces_the_environment_entirely(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRECTUS_URL", URL)
    settings_module(tmp_path, monkeypatch, f"DIRECTUS = {{'other': {{'url': {URL!r}}}}}\n")
    with pytest.raises(ImproperlyConfigured, match=r"no Directus connection 'default' in settings module"):
        connections["default"]


# --- laziness ----------------------------------------------------------------------------------------
def test_settings_are_read_at_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    connections.reset()
    monkeypatch.setenv("DIRECTUS_URL", URL)  # set after the registry exists, before first use
    monkeypatch.setenv("DIRECTUS_TOKEN", "tok")
    assert connections["default"].url == URL


def test_connections_are_created_once_and_lazily() -> None:
    directus_orm.configure({"default": {"url": URL, "email": "a@b.c", "password": "pw"},
                            "broken": {"url": URL, "email": "a@b.c"}})  # not used: no error
    assert connections._connections == {}
    conn = connections["default"]
    assert connections["default"] is conn
    assert isinstance(conn.auth, PasswordAuth) and not conn.auth.authenticated  # nothing sent yet


def test_connections_share_one_pool_unless_a_timeout_is_set() -> None:
    directus_orm.configure({"a": {"url": URL}, "b": {"url": URL}, "slow": {"url": URL, "timeout": 99}})
    assert connections["a"].pool is connections["b"].pool
    assert connections["slow"].pool is not connections["a"].pool


def test_option() -> None:
    directus_orm.configure({"default": {"url": URL, "page_size": 250}})
    assert connections.option("default", "page_size") == 250
    assert connections.option("default", "missing", 7) == 7


# --- errors --------------------------------------------------------------------------------------------
def test_nothing_configured_says_where_it_looked() -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        connections["default"]
    message = str(info.value)
    for where in ("directus_orm.configure()", "DIRECTUS_SETTINGS_MODULE (unset)", "DIRECTUS_URL",
                  "DIRECTUS_TOKEN", "DIRECTUS_EMAIL", "DIRECTUS_PASSWORD"):
        assert where in message


def test_missing_alias_names_the_source_and_what_it_defines() -> None:
    directus_orm.configure({"default": {"url": URL}})
    with pytest.raises(ImproperlyConfigured,
                       match=r"no Directus connection 'reports' in directus_orm.configure\(\); "
                             r"it defines: default"):
        connections["reports"]


def test_environment_only_configures_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRECTUS_URL", URL)
    with pytest.raises(ImproperlyConfigured, match=r"'reports' in environment variables"):
        connections["reports"]


def test_missing_url_in_each_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directus_orm.configure({"default": {"token": "t"}})
    with pytest.raises(ImproperlyConfigured,
                       match=r"setting 'url' is missing \(looked in directus_orm.configure\(\)\)"):
        connections["default"]
    connections.reset()
    name = settings_module(tmp_path, monkeypatch, "DIRECTUS = {'default': {'token': 't'}}\n")
    with pytest.raises(ImproperlyConfigured,
                       match=rf"setting 'url' is missing \(looked in settings module '{name}'\)"):
        connections["default"]
    connections.reset()
    monkeypatch.delenv("DIRECTUS_SETTINGS_MODULE")
    monkeypatch.setenv("DIRECTUS_TOKEN", "t")
    with pytest.raises(ImproperlyConfigured,
                       match=r"setting 'url' is missing \(looked in environment variable DIRECTUS_URL\)"):
        connections["default"]


def test_missing_password_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRECTUS_URL", URL)
    monkeypatch.setenv("DIRECTUS_EMAIL", "a@b.c")
    with pytest.raises(ImproperlyConfigured,
                       match=r"setting 'password' is missing \(looked in environment variable "
                             r"DIRECTUS_PASSWORD\)"):
        connections["default"]


def test_missing_email_in_configure() -> None:
    directus_orm.configure({"default": {"url": URL, "password": "pw"}})
    with pytest.raises(ImproperlyConfigured,
                       match=r"setting 'email' is missing \(looked in directus_orm.configure\(\)\)"):
        connections["default"]


def test_contradictory_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRECTUS_URL", URL)
    monkeypatch.setenv("DIRECTUS_TOKEN", "tok-secret")
    monkeypatch.setenv("DIRECTUS_EMAIL", "a@b.c")
    monkeypatch.setenv("DIRECTUS_PASSWORD", "pw-secret")
    with pytest.raises(ImproperlyConfigured) as info:
        connections["default"]
    message = str(info.value)
    assert "contradictory credentials: token and email/password" in message
    assert "environment variables" in message
    assert "tok-secret" not in message and "pw-secret" not in message


def test_unknown_setting() -> None:
    directus_orm.configure({"default": {"url": URL, "tokn": "x"}})
    with pytest.raises(ImproperlyConfigured,
                       match=r"connection 'default' in directus_orm.configure\(\): unknown setting\(s\) "
                             r"\['tokn'\]"):
        connections["default"]


def test_settings_module_that_cannot_be_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRECTUS_SETTINGS_MODULE", "no_such_module_for_directus_tests")
    with pytest.raises(ImproperlyConfigured,
                       match=r"DIRECTUS_SETTINGS_MODULE='no_such_module_for_directus_tests' could not be "
                             r"imported"):
        connections["default"]


def test_settings_module_without_directus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = settings_module(tmp_path, monkeypatch, "OTHER = 1\n")
    with pytest.raises(ImproperlyConfigured, match=rf"settings module '{name}' .* has no DIRECTUS dict"):
        connections["default"]


def test_alias_settings_that_are_not_a_dict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = settings_module(tmp_path, monkeypatch, "DIRECTUS = {'default': 'http://x'}\n")
    with pytest.raises(ImproperlyConfigured,
                       match=rf"connection 'default' in settings module '{name}': expected a dict"):
        connections["default"]


def test_bad_url() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"connection 'default': setting 'url' "
                       r"\(directus_orm.configure\(\)\) must be one absolute http:// or https:// URL"):
        directus_orm.configure({"default": {"url": "ftp://nope"}})


SEVERAL = [
    ([URL, URL + "1"], "must be a str, got list"),
    ((URL,), "must be a str, got tuple"),
    (f"{URL},{URL}1", "it holds several URLs"),
    (f"{URL}, {URL}1", "it holds whitespace"),
    (f"{URL} {URL}1", "it holds whitespace"),
    (f"{URL}{URL}", "it holds several URLs"),
    ("127.0.0.1:8055", "no http:// or https:// scheme"),
    ("http://", "no host"),
]


@pytest.mark.parametrize(("url", "why"), SEVERAL)
def test_url_that_is_not_one_url_is_refused_by_configure(url: object, why: str) -> None:
    """Several base URLs for one alias (a list, commas, spaces) are refused naming the setting, and the
    message says how to reach several instances."""
    with pytest.raises(ImproperlyConfigured) as info:
        directus_orm.configure({"default": {"url": url, "token": "t"}})
    message = str(info.value)
    assert message.startswith("connection 'default': setting 'url' (directus_orm.configure())")
    assert why in message and "one URL per alias" in message and "load balancer" in message


@pytest.mark.parametrize(("url", "why"), SEVERAL)
def test_url_that_is_not_one_url_is_refused_by_directus(url: object, why: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=rf"^Directus url .*{why}.*load balancer"):
        Directus(url, token="t")  # type: ignore[arg-type]


def test_url_list_in_a_settings_module_or_the_environment(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    body = f"DIRECTUS = {{'default': {{'url': [{URL!r}, {URL!r}]}}}}\n"
    name = settings_module(tmp_path, monkeypatch, body)
    with pytest.raises(ImproperlyConfigured, match=rf"^connection 'default': setting 'url' "
                       rf"\(settings module '{name}'\) must be a str"):
        connections["default"]
    monkeypatch.delenv("DIRECTUS_SETTINGS_MODULE")
    monkeypatch.setenv("DIRECTUS_URL", f"{URL},{URL}")
    connections.reset()
    with pytest.raises(ImproperlyConfigured, match=r"^connection 'default': setting 'url' "
                       r"\(environment variable DIRECTUS_URL\) must be one absolute"):
        connections["default"]


def test_an_httpx_url_is_one_url_and_a_refused_url_keeps_its_password_out() -> None:
    import httpx

    assert Directus(httpx.URL(URL + "/"), token="t").url == URL
    with pytest.raises(ImproperlyConfigured) as info:
        Directus("http://user:s3cret@a:1,http://user:s3cret@b:1", token="t")
    assert "s3cret" not in str(info.value)


# --- override ----------------------------------------------------------------------------------------
def test_override_sync_and_nested() -> None:
    directus_orm.configure({"default": {"url": URL}})
    base = connections["default"]
    first, second = Directus(URL, token="one"), Directus(URL, token="two")
    with connections.override(first) as entered:
        assert entered is first and connections["default"] is first
        with connections.override(second):
            assert connections["default"] is second
        assert connections["default"] is first
    assert connections["default"] is base


def test_override_of_another_alias_and_of_an_unconfigured_one() -> None:
    directus_orm.configure({"default": {"url": URL}})
    extra = Directus(URL, token="x")
    with connections.override(extra, alias="reports"):
        assert connections["reports"] is extra
        assert connections["default"] is not extra
    with pytest.raises(ImproperlyConfigured):
        connections["reports"]


def test_the_same_override_object_can_be_reentered() -> None:
    directus_orm.configure({"default": {"url": URL}})
    conn = Directus(URL, token="x")
    override = connections.override(conn)
    with override:
        with override:
            assert connections["default"] is conn
        assert connections["default"] is conn
    assert connections["default"] is not conn


def test_override_restored_after_an_exception() -> None:
    directus_orm.configure({"default": {"url": URL}})
    conn = Directus(URL, token="x")
    with pytest.raises(ValueError), connections.override(conn):
        raise ValueError
    assert connections["default"] is not conn


async def test_override_is_task_local() -> None:
    directus_orm.configure({"default": {"url": URL}})
    base = connections["default"]
    a, b = Directus(URL, token="a"), Directus(URL, token="b")
    inside = asyncio.Event()
    seen: dict[str, list[Directus]] = {"a": [], "b": []}

    async def task(name: str, conn: Directus) -> None:
        async with connections.override(conn):
            seen[name].append(connections["default"])
            if name == "a":
                inside.set()
            await inside.wait()
            await asyncio.sleep(0)  # both tasks are inside their blocks now
            seen[name].append(connections["default"])

    await asyncio.gather(task("a", a), task("b", b))
    assert seen == {"a": [a, a], "b": [b, b]}
    assert connections["default"] is base  # the outer context never saw either
