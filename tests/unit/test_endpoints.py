"""The endpoint namespaces and content-version reads without a server: what a QuerySet sends for
``version()``, what is refused before any request, and how the namespaces hang on a connection."""

from __future__ import annotations

import pytest

import directus_orm
from directus_orm import Directus, DirectusModel
from directus_orm.connection.paths import path_segment
from directus_orm.exceptions import InvalidArgument, InvalidUsage
from directus_orm.system import Account, Flows, Health, Server, TwoFactorSecret, Utils, Versions


class Draft(DirectusModel):
    id: int | None = None
    title: str | None = None

    class Meta:
        collection = "unit_endpoint_drafts"


def test_version_reads_send_the_version_parameter() -> None:
    qs = Draft.objects.filter(title="a").version("draft")
    params = qs.query.params()
    assert params["version"] == "draft" and params["filter"] == {"title": {"_eq": "a"}}
    assert qs.query.shape_params()["version"] == "draft"  # the item endpoint of get() too
    assert "version" not in Draft.objects.filter(title="a").query.params()
    assert "version" not in qs.version(None).query.params()
    assert Draft.objects.version("draft").query.version == "draft"  # the manager has it too


def test_version_rows_lose_their_meta_key() -> None:
    qs = Draft.objects.version("draft")
    rows = qs._results([{"id": 1, "title": "t", "$meta": {"version_id": "x"}}], "default")
    assert [(r.id, r.title) for r in rows] == [(1, "t")]


@pytest.mark.parametrize("bad", ["", 3, b"draft"])
def test_version_key_checked(bad: object) -> None:
    with pytest.raises(InvalidArgument):
        Draft.objects.version(bad)  # type: ignore[arg-type]


async def test_versioned_writes_refused_before_any_request() -> None:
    qs = Draft.objects.version("draft")
    with pytest.raises(InvalidUsage):
        await qs.update(title="x")
    with pytest.raises(InvalidUsage):
        await qs.delete()
    with pytest.raises(InvalidUsage):
        await qs.create(title="x")


def test_namespaces_hang_on_every_connection() -> None:
    conn = Directus("http://127.0.0.1:9")
    for name, cls in (("server", Server), ("utils", Utils), ("flows", Flows), ("versions", Versions),
                      ("account", Account)):
        namespace = getattr(conn, name)
        assert isinstance(namespace, cls) and namespace.connection is conn
        assert getattr(conn.sync, name).connection is conn  # ``conn.sync.server`` is the same thing
    assert Server().connection is None  # the default connection, at each call
    assert directus_orm.system.Server is Server


def test_reprs_hide_secrets() -> None:
    secret = TwoFactorSecret(secret="JBSWY3DPEHPK3PXP", otpauth_url="otpauth://totp/x?secret=JBSWY3DPEHPK3PXP")
    assert "JBSWY3DPEHPK3PXP" not in repr(secret)
    conn = Directus("http://127.0.0.1:9", token="very-secret-token")
    assert "very-secret-token" not in repr(conn.server)


def test_health_ok_and_path_segments() -> None:
    assert Health("ok").ok and Health("warn").ok and not Health("error").ok
    assert path_segment("a/b?c") == "a%2Fb%3Fc"
    assert path_segment("..") == "%2E%2E"
