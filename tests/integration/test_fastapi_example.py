"""example_project.app over HTTP against the real server: login pass-through, generated routes, the
hand-written endpoint, guards, as the admin and as a user without a role."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import httpx
import pytest

from directus_orm import Directus
from example_project.seed import LANGUAGES, seed
from tests.conftest import ServerInfo
from tests.integration.test_fastapi import _delete_where, bearer

pytestmark = [pytest.mark.integration, pytest.mark.live_only]

NOBODY = "fa-example-nobody@example.com"


@pytest.fixture
async def client(admin: Directus, registry: None) -> AsyncIterator[httpx.AsyncClient]:
    await seed(admin)
    from example_project.app import app

    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        yield http


async def login(client: httpx.AsyncClient, email: str, password: str) -> str:
    response = await client.post("/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"access_token", "refresh_token", "expires"}
    return str(response.json()["access_token"])


async def test_login_then_generated_and_hand_written_routes(client: httpx.AsyncClient,
                                                            directus_server: ServerInfo) -> None:
    token = await login(client, directus_server.email, directus_server.password)
    page = (await client.get("/languages", params={"family": "Uralic", "sort": "-speakers",
                                                   "fields": "code,name"}, headers=bearer(token))).json()
    assert page["results"] == [{"code": "hu", "name": "Hungarian"}, {"code": "fi", "name": "Finnish"}]
    assert (await client.get("/languages", headers=bearer(token))).json()["count"] >= len(LANGUAGES)
    families = (await client.get("/languages-by-family", params={"min_speakers": 100_000_000},
                                 headers=bearer(token))).json()
    big = [lang for lang in LANGUAGES if (lang["speakers"] or 0) >= 100_000_000]
    assert sorted(n for f in families for n in f["languages"]) == sorted(lang["name"] for lang in big)
    assert families[0]["family"] == "Indo-European"
    totals = (await client.get("/languages/aggregate", params={"count": "id", "sum": "speakers",
                                                               "group_by": "family", "family": "Uralic"},
                               headers=bearer(token))).json()
    uralic = [lang for lang in LANGUAGES if lang["family"] == "Uralic"]
    assert totals == [{"family": "Uralic", "count": {"id": len(uralic)},
                       "sum": {"speakers": sum(lang["speakers"] or 0 for lang in uralic)}}]
    who = (await client.get("/whoami", headers=bearer(token))).json()
    assert who["email"] == directus_server.email and "title" in who


async def test_wrong_password_is_401_json(client: httpx.AsyncClient, directus_server: ServerInfo) -> None:
    response = await client.post("/login", json={"email": directus_server.email, "password": "wrong"})
    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_CREDENTIALS"
    assert "wrong" not in response.text


async def test_session_login_sets_the_cookie_the_api_accepts(client: httpx.AsyncClient,
                                                             directus_server: ServerInfo) -> None:
    response = await client.post("/login", json={"email": directus_server.email,
                                                  "password": directus_server.password, "mode": "session"})
    assert response.status_code == 200 and "access_token" not in response.json()
    cookie = response.cookies["directus_session_token"]
    assert "httponly" in response.headers["set-cookie"].lower()
    me = await client.get("/me", headers={"Cookie": f"directus_session_token={cookie}"})
    assert me.json()["email"] == directus_server.email


@pytest.mark.directus("11", reason="the app guards writes with require_permission, which reads "
                     "/permissions/me: Directus 11")
async def test_a_user_without_permissions(client: httpx.AsyncClient, admin: Directus) -> None:
    await _delete_where(admin, "/users", {"email": {"_eq": NOBODY}})
    password = secrets.token_urlsafe(12)
    await admin.post("/users", json={"email": NOBODY, "password": password, "status": "active"})
    try:
        token = await login(client, NOBODY, password)
        assert (await client.get("/languages", headers=bearer(token))).status_code == 403   # Directus
        refused = await client.post("/languages", json={"code": "xx"}, headers=bearer(token))
        assert refused.status_code == 403                                                  # the guard
        assert "permission on 'languages'" in refused.json()["detail"]
        bulk = await client.post("/languages/bulk", json=[{"code": "xx"}], headers=bearer(token))
        assert bulk.status_code == 403 and "permission on 'languages'" in bulk.json()["detail"]
        assert (await client.get("/languages")).status_code == 401
    finally:
        await _delete_where(admin, "/users", {"email": {"_eq": NOBODY}})
