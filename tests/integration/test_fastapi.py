"""FastAPI integration, part 1: the per-request connection, guards and error mapping, driven
over HTTP (httpx ASGI transport) against the real server with two users whose policies differ:

* ``fa-editor`` (role "FA Editor", policy "FA Editor policy"): creates, reads, updates and deletes
  ``fa_langs`` and reads ``fa_notes``;
* ``fa-viewer`` (role "FA Viewer", policy "FA Viewer policy"): reads ``fa_langs``, nothing else.

Directus 12's core license refuses custom permission rules (a row filter, a field list other than
``*``, validation, presets: ``403 RESOURCE_RESTRICTED`` on create, ignored on read), so the users differ
by collection and action; row-level rules of the app's own are ``objects_filter`` (test_fastapi_router).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI

from directus_orm import Directus, DirectusModel, connections
from directus_orm.contrib.fastapi import (
    DirectusDependency,
    RoleCache,
    install_exception_handlers,
    require_permission,
    require_policy,
    require_role,
)
from directus_orm.exceptions import UnsupportedByServer
from tests.conftest import ServerInfo, create_collection
from tests.support.roles import before_11, drop_roles_named
from tests.support.roles import make_role as make_made_role
from tests.support.router_app import bearer

pytestmark = [pytest.mark.integration, pytest.mark.live_only]  # tokens are minted per run

COLLECTION = "fa_langs"
ROWS = [
    {"code": "en", "name": "English", "speakers": 1500, "family": "Indo-European"},
    {"code": "fi", "name": "Finnish", "speakers": 6, "family": "Uralic"},
    {"code": "hu", "name": "Hungarian", "speakers": 17, "family": "Uralic"},
    {"code": "el", "name": "Greek", "speakers": 13, "family": "Indo-European"},
]


NOTES = "fa_notes"


class FaNote(DirectusModel):
    id: int | None = None
    text: str

    class Meta:
        collection = NOTES
        ordering = ["id"]


class FaLang(DirectusModel):
    id: int | None = None
    code: str
    name: str | None = None
    speakers: int | None = None
    family: str | None = None

    class Meta:
        collection = COLLECTION
        ordering = ["code"]


@dataclass
class Users:
    editor_token: str
    viewer_token: str
    editor_email: str
    viewer_email: str
    password: str
    editor_id: str
    viewer_id: str
    editor_role: str
    viewer_role: str


async def _delete_where(admin: Directus, path: str, flt: dict[str, Any]) -> None:
    body = await admin.get(path, params={"filter": flt, "fields": "id", "limit": -1})
    ids = [row["id"] for row in body["data"]]
    if ids:
        await admin.delete(path, json=ids)


async def make_role(admin: Directus, name: str, permissions: list[dict[str, Any]]) -> str:
    """A role holding ``permissions`` (tests.support.roles: on 11+ through a policy named after it),
    replacing one an earlier run left; returns the role id."""
    await drop_roles_named(admin, name)
    return (await make_made_role(admin, name, permissions)).id


async def make_user(admin: Directus, email: str, password: str, role: str, token: str) -> str:
    await _delete_where(admin, "/users", {"email": {"_eq": email}})
    body = await admin.post("/users", json={"email": email, "password": password, "role": role,
                                           "status": "active", "token": token})
    return str(body["data"]["id"])


@pytest.fixture(scope="module")
async def users(admin: Directus) -> AsyncIterator[Users]:
    await create_collection(admin, COLLECTION, [
        {"field": "code", "type": "string", "schema": {"is_unique": True, "is_nullable": False}},
        {"field": "name", "type": "string", "schema": {}},
        {"field": "speakers", "type": "integer", "schema": {}},
        {"field": "family", "type": "string", "schema": {}},
    ])
    await admin.post(f"/items/{COLLECTION}", json=ROWS)
    await create_collection(admin, NOTES, [{"field": "text", "type": "string", "schema": {}}])
    await admin.post(f"/items/{NOTES}", json=[{"text": "editors only"}, {"text": "still editors only"}])
    editor_role = await make_role(admin, "FA Editor", [
        *({"collection": COLLECTION, "action": a} for a in ("create", "read", "update", "delete")),
        {"collection": NOTES, "action": "read"},
    ])
    viewer_role = await make_role(admin, "FA Viewer", [{"collection": COLLECTION, "action": "read"}])
    password = "fa-password-1"
    users = Users(
        editor_token=secrets.token_urlsafe(24), viewer_token=secrets.token_urlsafe(24),
        editor_email="fa-editor@example.com", viewer_email="fa-viewer@example.com", password=password,
        editor_id="", viewer_id="", editor_role=editor_role, viewer_role=viewer_role,
    )
    users.editor_id = await make_user(admin, users.editor_email, password, editor_role, users.editor_token)
    users.viewer_id = await make_user(admin, users.viewer_email, password, viewer_role, users.viewer_token)
    yield users
    for email in (users.editor_email, users.viewer_email):
        await _delete_where(admin, "/users", {"email": {"_eq": email}})


def build_app(directus: DirectusDependency) -> FastAPI:
    app = FastAPI(lifespan=directus.lifespan)
    install_exception_handlers(app)

    @app.get("/me")
    # A default, not Annotated: with postponed annotations FastAPI resolves names in module globals,
    # and ``directus`` is local to this function.
    async def me(conn: Directus = Depends(directus)) -> dict[str, Any]:  # noqa: B008
        # Explicit use of the yielded connection, and implicit use through the registry.
        explicit = await conn.me(fields="id")
        implicit = await connections["default"].me(fields="id")
        return {"explicit": explicit["id"], "implicit": implicit["id"]}

    @app.get("/langs", dependencies=[Depends(directus)])
    async def langs() -> list[str]:
        return [lang.code for lang in await FaLang.objects.all()]   # no connection passed around

    @app.get("/notes", dependencies=[Depends(directus)])
    async def notes() -> list[str]:
        return [note.text for note in await FaNote.objects.all()]

    @app.get("/sync-notes", dependencies=[Depends(directus)])
    def sync_notes() -> list[str]:   # a sync endpoint: runs in a worker thread, uses the sync face
        return [note.text for note in FaNote.objects.all()]

    @app.patch("/langs/{code}", dependencies=[Depends(directus)])
    async def rename(code: str, name: str) -> dict[str, Any]:
        lang = await FaLang.objects.get(code=code)
        lang.name = name
        await lang.save()
        return {"code": lang.code, "name": lang.name}

    @app.post("/langs", dependencies=[Depends(directus)], status_code=201)
    async def create(body: dict[str, Any]) -> dict[str, Any]:
        row = await connections["default"].post(f"/items/{COLLECTION}", json=body)
        return dict(row["data"])

    @app.get("/typo-role", dependencies=[directus.require_role("FA Editr")])
    async def typo_role() -> str:
        return "ok"

    @app.get("/editor-only", dependencies=[require_role("FA Editor", directus=directus)])
    async def editor_only() -> str:
        return "ok"

    @app.get("/editor-decorated")
    @directus.require_role("FA Editor")
    async def editor_decorated(flag: int = 0) -> dict[str, int]:
        return {"flag": flag}

    @app.get("/writers", dependencies=[require_permission(COLLECTION, "update", directus=directus)])
    async def writers() -> str:
        return "ok"

    @app.get("/full-readers", dependencies=[directus.require_permission(COLLECTION, "read", full=True)])
    async def full_readers() -> str:
        return "ok"

    @app.get("/viewer-policy", dependencies=[require_policy("FA Viewer policy", directus=directus)])
    async def viewer_policy() -> str:
        return "ok"

    @app.get("/any-role", dependencies=[directus.require_role("FA Editor", "FA Viewer")])
    async def any_role() -> str:
        return "ok"

    @app.get("/public", dependencies=[Depends(directus)])
    async def public() -> str:
        return "ok"

    return app


@pytest.fixture
def registry_admin(directus_server: ServerInfo) -> Iterator[None]:
    connections.configure({"default": {"url": directus_server.url, "token": directus_server.token}})
    yield
    connections.reset()


@pytest.fixture
async def client(users: Users, registry_admin: None) -> AsyncIterator[httpx.AsyncClient]:
    directus = DirectusDependency(access_cookie="directus_access_token")
    app = build_app(directus)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        yield http


# --- authentication ------------------------------------------------------------------------------
async def test_no_credentials_is_401_json_with_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/langs")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer realm="directus"')
    assert response.headers["content-type"] == "application/json"
    assert response.json()["code"] == "NOT_AUTHENTICATED"
    assert "location" not in response.headers


async def test_invalid_token_is_401_invalid_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/langs", headers=bearer("not-a-real-token"))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.json()["code"] == "INVALID_CREDENTIALS"
    assert "not-a-real-token" not in response.text


async def test_malformed_authorization_header_is_401(client: httpx.AsyncClient, users: Users) -> None:
    response = await client.get("/langs", headers={"Authorization": f"Basic {users.editor_token}"})
    assert response.status_code == 401
    assert users.editor_token not in response.text


async def test_explicit_and_registry_connection_are_the_caller(client: httpx.AsyncClient,
                                                                users: Users) -> None:
    for token, user_id in ((users.editor_token, users.editor_id), (users.viewer_token, users.viewer_id)):
        response = await client.get("/me", headers=bearer(token))
        assert response.status_code == 200, response.text
        assert response.json() == {"explicit": user_id, "implicit": user_id}


async def test_orm_queries_run_with_the_callers_permissions(client: httpx.AsyncClient, users: Users) -> None:
    assert (await client.get("/langs", headers=bearer(users.viewer_token))).json() == ["el", "en", "fi", "hu"]
    editor = await client.get("/notes", headers=bearer(users.editor_token))
    viewer = await client.get("/notes", headers=bearer(users.viewer_token))
    assert editor.json() == ["editors only", "still editors only"]
    assert viewer.status_code == 403
    assert viewer.json()["code"] == "FORBIDDEN"


async def test_sync_endpoint_sees_the_override(client: httpx.AsyncClient, users: Users) -> None:
    assert (await client.get("/sync-notes", headers=bearer(users.editor_token))).json() == [
        "editors only", "still editors only"]
    assert (await client.get("/sync-notes", headers=bearer(users.viewer_token))).status_code == 403


async def test_override_does_not_leak_out_of_the_request(client: httpx.AsyncClient, users: Users) -> None:
    # ASGITransport runs the app in this very task: a leaked override would show here.
    await client.get("/notes", headers=bearer(users.viewer_token))
    assert (await connections["default"].me(fields="id"))["id"] not in (users.viewer_id, users.editor_id)
    assert len(await FaNote.objects.all()) == 2


async def test_concurrent_requests_keep_their_own_caller(client: httpx.AsyncClient, users: Users) -> None:
    calls = [client.get("/notes", headers=bearer(t)) for t in [users.editor_token, users.viewer_token] * 5]
    statuses = [r.status_code for r in await asyncio.gather(*calls)]
    assert statuses == [200, 403] * 5


async def test_session_cookie(client: httpx.AsyncClient, users: Users, directus_server: ServerInfo) -> None:
    async with httpx.AsyncClient() as raw:
        login = await raw.post(f"{directus_server.url}/auth/login",
                               json={"email": users.viewer_email, "password": users.password,
                                     "mode": "session"})
    session = login.cookies["directus_session_token"]
    response = await client.get("/me", headers={"Cookie": f"directus_session_token={session}"})
    assert response.json()["implicit"] == users.viewer_id
    garbage = await client.get("/me", headers={"Cookie": "directus_session_token=garbage"})
    assert garbage.status_code == 401


async def test_access_token_cookie(client: httpx.AsyncClient, users: Users,
                                   directus_server: ServerInfo) -> None:
    async with httpx.AsyncClient() as raw:
        login = await raw.post(f"{directus_server.url}/auth/login",
                               json={"email": users.editor_email, "password": users.password})
    access = login.json()["data"]["access_token"]
    cookie = {"Cookie": f"directus_access_token={access}"}
    response = await client.get("/me", headers=cookie)
    assert response.json()["implicit"] == users.editor_id
    # The Authorization header wins over cookies.
    both = await client.get("/me", headers={**bearer(users.viewer_token), **cookie})
    assert both.json()["implicit"] == users.viewer_id


async def test_anonymous_allowed_runs_as_public_role(users: Users, registry_admin: None) -> None:
    directus = DirectusDependency(allow_anonymous=True)
    app = build_app(directus)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        assert (await http.get("/public")).status_code == 200
        # The public role may not read fa_langs: Directus's 403 stays a 403.
        response = await http.get("/langs")
        assert response.status_code == 403
        assert response.json()["code"] == "FORBIDDEN"
        assert (await http.get("/editor-only")).status_code == 403


async def test_sync_generator_dependency_would_lose_the_override(users: Users, registry_admin: None,
                                                                 directus_server: ServerInfo) -> None:
    """Why DirectusDependency is an *async* generator: FastAPI enters sync generator dependencies in a
    worker thread, so a context variable they set never reaches the endpoint (and their exit, in
    another worker thread's context, cannot even reset it: ValueError "created in a different
    Context")."""
    viewer = Directus(directus_server.url, token=users.viewer_token)
    exit_errors: list[BaseException] = []

    def sync_dep() -> Iterator[None]:
        override = connections.override(viewer)
        override.__enter__()
        yield
        try:
            override.__exit__(None, None, None)
        except ValueError as exc:
            exit_errors.append(exc)

    async def async_dep() -> AsyncIterator[None]:
        with connections.override(viewer):
            yield

    app = FastAPI()

    @app.get("/sync", dependencies=[Depends(sync_dep)])
    async def via_sync() -> str:
        return str((await connections["default"].me(fields="id"))["id"])

    @app.get("/async", dependencies=[Depends(async_dep)])
    async def via_async() -> str:
        return str((await connections["default"].me(fields="id"))["id"])

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        assert (await http.get("/sync")).json() != users.viewer_id
        assert (await http.get("/async")).json() == users.viewer_id
    assert exit_errors and "different Context" in str(exit_errors[0])
    await viewer.aclose()


# --- errors --------------------------------------------------------------------------------------
async def test_forbidden_write_stays_403(client: httpx.AsyncClient, users: Users) -> None:
    response = await client.patch("/langs/fi", params={"name": "Suomi"}, headers=bearer(users.viewer_token))
    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"


async def test_editor_edits_a_row_the_viewer_cannot(client: httpx.AsyncClient, users: Users,
                                                    admin: Directus) -> None:
    missing = await client.patch("/langs/xx", params={"name": "?"}, headers=bearer(users.editor_token))
    assert missing.status_code == 404  # DoesNotExist -> 404
    assert missing.json()["code"] == "NOT_FOUND"
    done = await client.patch("/langs/el", params={"name": "Ellinika"}, headers=bearer(users.editor_token))
    assert done.json() == {"code": "el", "name": "Ellinika"}
    row = await admin.get(f"/items/{COLLECTION}", params={"filter": {"code": {"_eq": "el"}}})
    assert row["data"][0]["name"] == "Ellinika"
    await admin.patch(f"/items/{COLLECTION}/{row['data'][0]['id']}", json={"name": "Greek"})


async def test_unique_violation_is_409(client: httpx.AsyncClient, users: Users) -> None:
    response = await client.post("/langs", json={"code": "en", "name": "dup"},
                                 headers=bearer(users.editor_token))
    assert response.status_code == 409
    assert response.json()["code"] == "RECORD_NOT_UNIQUE"
    assert response.json()["field"] == "code"


async def test_validation_failure_is_422(client: httpx.AsyncClient, users: Users) -> None:
    response = await client.post("/langs", json={"code": None, "name": "nameless"},
                                 headers=bearer(users.editor_token))
    assert response.status_code == 422
    assert response.json()["code"] == "FAILED_VALIDATION"


# --- guards --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/editor-only", "/editor-decorated"])
async def test_require_role(client: httpx.AsyncClient, users: Users, path: str) -> None:
    assert (await client.get(path, headers=bearer(users.editor_token))).status_code == 200
    refused = await client.get(path, headers=bearer(users.viewer_token))
    assert refused.status_code == 403
    assert refused.json() == {"detail": "forbidden: requires role 'FA Editor'", "code": "FORBIDDEN"}
    assert (await client.get(path)).status_code == 401  # authentication comes first


async def test_require_role_warns_once_about_a_role_that_does_not_exist(
    client: httpx.AsyncClient, users: Users, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="directus_orm.fastapi"):
        for _ in range(2):
            assert (await client.get("/typo-role", headers=bearer(users.editor_token))).status_code == 403
        assert (await client.get("/editor-only", headers=bearer(users.viewer_token))).status_code == 403
    warned = [r.getMessage() for r in caplog.records if "require_role" in r.getMessage()]
    assert len(warned) == 1 and "'FA Editr'" in warned[0], warned
    assert users.editor_token not in warned[0]


async def test_decorated_endpoint_keeps_its_parameters(client: httpx.AsyncClient, users: Users) -> None:
    response = await client.get("/editor-decorated", params={"flag": 7}, headers=bearer(users.editor_token))
    assert response.json() == {"flag": 7}


async def test_require_role_accepts_any_of_several(client: httpx.AsyncClient, users: Users) -> None:
    for token in (users.editor_token, users.viewer_token):
        assert (await client.get("/any-role", headers=bearer(token))).status_code == 200


async def test_require_permission(client: httpx.AsyncClient, users: Users, admin: Directus) -> None:
    if await before_11(admin):
        with pytest.raises(UnsupportedByServer, match=r"require_permission .* needs Directus >= 11\.0\.0"):
            await client.get("/writers", headers=bearer(users.editor_token))
        return
    assert (await client.get("/writers", headers=bearer(users.editor_token))).status_code == 200
    assert (await client.get("/writers", headers=bearer(users.viewer_token))).status_code == 403
    # Both read fa_langs without a row filter ("full"; the core license allows no other kind).
    assert (await client.get("/full-readers", headers=bearer(users.editor_token))).status_code == 200
    assert (await client.get("/full-readers", headers=bearer(users.viewer_token))).status_code == 200


async def test_require_policy(client: httpx.AsyncClient, users: Users, admin: Directus) -> None:
    if await before_11(admin):
        with pytest.raises(UnsupportedByServer, match=r"require_policy .* needs Directus >= 11\.0\.0"):
            await client.get("/viewer-policy", headers=bearer(users.viewer_token))
        return
    assert (await client.get("/viewer-policy", headers=bearer(users.viewer_token))).status_code == 200
    assert (await client.get("/viewer-policy", headers=bearer(users.editor_token))).status_code == 403


async def test_role_names_are_cached_for_the_ttl(users: Users, admin: Directus, registry_admin: None) -> None:
    cache = RoleCache(ttl=300)
    directus = DirectusDependency()
    app = FastAPI()
    install_exception_handlers(app)

    @app.get("/x", dependencies=[require_role("FA Editor", directus=directus, cache=cache)])
    async def x() -> str:
        return "ok"

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        assert (await http.get("/x", headers=bearer(users.editor_token))).status_code == 200
        await admin.patch(f"/roles/{users.editor_role}", json={"name": "FA Editor renamed"})
        try:
            # Within the TTL the name still resolves to the role's id ...
            assert (await http.get("/x", headers=bearer(users.editor_token))).status_code == 200
            cache.clear()
            # ... and once the cache is gone, "FA Editor" names no role any more.
            assert (await http.get("/x", headers=bearer(users.editor_token))).status_code == 403
        finally:
            await admin.patch(f"/roles/{users.editor_role}", json={"name": "FA Editor"})
    await directus.aclose()


async def test_openapi_declares_the_security_schemes(users: Users, registry_admin: None) -> None:
    directus = DirectusDependency(access_cookie="directus_access_token")
    schema = build_app(directus).openapi()
    assert set(schema["components"]["securitySchemes"]) == {
        "DirectusBearer", "DirectusAccessCookie", "DirectusSession"}
    assert schema["paths"]["/langs"]["get"]["security"]
    # the decorator's hidden parameter is not an API parameter
    params = [p["name"] for p in schema["paths"]["/editor-decorated"]["get"].get("parameters", [])]
    assert params == ["flag"]


def test_cookie_value_never_in_repr() -> None:
    from directus_orm.contrib.fastapi import CookieCredentials

    secret = secrets.token_urlsafe(16)
    assert secret not in repr(CookieCredentials("directus_session_token", secret))
