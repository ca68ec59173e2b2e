"""FastAPI integration, part 2: ``DirectusRouter``'s generated routes over HTTP against the real
server, as two users: ``fr-editor`` (CRUD on the three collections) and ``fr-viewer`` (read only), plus an
app-side row rule (``objects_filter``) that shows the viewer only the Uralic languages.

Expected answers are computed in plain Python from the seeded rows.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel

from directus_orm import ConnectionPool, Directus, DirectusModel, Q, connections
from directus_orm.contrib.fastapi import DirectusDependency, DirectusRouter, install_exception_handlers
from example_project.seed import LANGUAGES
from tests.conftest import ServerInfo, create_collection
from tests.integration.test_fastapi import _delete_where, bearer, make_role, make_user

pytestmark = [pytest.mark.integration, pytest.mark.live_only]  # tokens are minted per run

LANGS, COMPANIES, DEPARTMENTS = "fr_langs", "fr_companies", "fr_departments"
ROWS: list[dict[str, Any]] = LANGUAGES  # the example project's seed rows


class FrLang(DirectusModel):
    id: int | None = None
    code: str
    name: str | None = None
    speakers: int | None = None
    family: str | None = None

    class Meta:
        collection = LANGS
        ordering = ["name"]


class FrCompany(DirectusModel):
    id: int | None = None
    name: str

    class Meta:
        collection = COMPANIES
        ordering = ["id"]


class FrDepartment(DirectusModel):
    id: int | None = None
    name: str
    company: FrCompany | int | None = None   # a declared many-to-one: ?fields=company.name reads through it

    class Meta:
        collection = DEPARTMENTS
        ordering = ["name"]


@dataclass
class Users:
    editor: str = field(repr=False)  # static tokens: kept out of failure reports
    viewer: str = field(repr=False)
    editor_id: str
    viewer_id: str


def by_name(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: r["name"])


@pytest.fixture(scope="module")
async def users(admin: Directus) -> AsyncIterator[Users]:
    await create_collection(admin, LANGS, [
        {"field": "code", "type": "string", "schema": {"is_unique": True, "is_nullable": False}},
        {"field": "name", "type": "string", "schema": {}},
        {"field": "speakers", "type": "bigInteger", "schema": {}},
        {"field": "family", "type": "string", "schema": {}},
    ])
    await admin.post(f"/items/{LANGS}", json=ROWS)
    await create_collection(admin, COMPANIES, [{"field": "name", "type": "string", "schema": {}}])
    await create_collection(admin, DEPARTMENTS, [
        {"field": "name", "type": "string", "schema": {}},
        {"field": "company", "type": "integer", "schema": {}, "meta": {"interface": "select-dropdown-m2o"}},
    ])
    await admin.post("/relations", json={"collection": DEPARTMENTS, "field": "company",
                                         "related_collection": COMPANIES})
    await admin.post(f"/items/{COMPANIES}", json=[{"name": "Acme"}, {"name": "Globex"}])
    await admin.post(f"/items/{DEPARTMENTS}", json=[
        {"name": "Sales", "company": 1}, {"name": "Research", "company": 1}, {"name": "Legal", "company": 2}])
    collections = (LANGS, COMPANIES, DEPARTMENTS)
    editor_role = await make_role(admin, "FR Editor", [
        {"collection": c, "action": a} for c in collections for a in ("create", "read", "update", "delete")])
    viewer_role = await make_role(admin, "FR Viewer",
                                  [{"collection": c, "action": "read"} for c in collections])
    editor, viewer = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    users = Users(editor, viewer,
                  await make_user(admin, "fr-editor@example.com", "fr-password-1", editor_role, editor),
                  await make_user(admin, "fr-viewer@example.com", "fr-password-1", viewer_role, viewer))
    yield users
    for email in ("fr-editor@example.com", "fr-viewer@example.com"):
        await _delete_where(admin, "/users", {"email": {"_eq": email}})
    for name in (DEPARTMENTS, COMPANIES, LANGS):  # the unlicensed core allows 25 collections
        await admin.delete(f"/collections/{name}")


class LangCreate(BaseModel):
    """A hand-written create schema: code and name only."""

    code: str
    name: str


@dataclass
class App:
    http: httpx.AsyncClient
    sent: list[httpx.Request]  # what the app sent to Directus


@pytest.fixture
def registry_admin(directus_server: ServerInfo) -> Iterator[None]:
    connections.configure({"default": {"url": directus_server.url, "token": directus_server.token}})
    yield
    connections.reset()


@pytest.fixture
async def app(users: Users, registry_admin: None) -> AsyncIterator[App]:
    sent: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        sent.append(request)

    pool = ConnectionPool(event_hooks={"request": [record]})
    directus = DirectusDependency(pool=pool)

    def row_rule(request: Request) -> Q | None:
        # The app's own row-level rule: everyone but the editor sees the Uralic languages only.
        return None if request.state.directus.user_id == users.editor_id else Q(family="Uralic")

    api = FastAPI(lifespan=directus.lifespan)
    install_exception_handlers(api)
    editor_only = [directus.require_role("FR Editor")]
    langs: DirectusRouter[FrLang] = DirectusRouter(
        FrLang, directus=directus, objects_filter=row_rule, create_schema=LangCreate,
        dependencies_for={"create": editor_only, "delete": editor_only})
    companies: DirectusRouter[FrCompany] = DirectusRouter(FrCompany, directus=directus,
                                                          routes=("list", "retrieve"))
    companies.nested(FrDepartment, fk="company")
    api.include_router(langs)
    api.include_router(companies)
    async with api.router.lifespan_context(api), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api), base_url="http://testserver"
    ) as http:
        yield App(http, sent)
    await pool.aclose()


async def get(app: App, path: str, token: str, **query: Any) -> Any:
    response = await app.http.get(path, params=query, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()


# --- list: filters, sort, search, pagination ------------------------------------------------------
async def test_list_everything_in_model_ordering(app: App, users: Users) -> None:
    page = await get(app, f"/{LANGS}", users.editor)
    assert page["count"] == len(ROWS)
    assert [r["code"] for r in page["results"]] == [r["code"] for r in by_name(ROWS)]
    assert set(page["results"][0]) == {"id", "code", "name", "speakers", "family"}


async def test_filters(app: App, users: Users) -> None:
    page = await get(app, f"/{LANGS}", users.editor, name__icontains="en", speakers__gte=10_000_000)
    expected = [r["code"] for r in by_name(ROWS)
                if "en" in r["name"].lower() and (r["speakers"] or 0) >= 10_000_000]
    assert [r["code"] for r in page["results"]] == expected == ["en", "fr"]
    assert page["count"] == 2
    uralic_or_japonic = await get(app, f"/{LANGS}", users.editor, family__in="Uralic,Japonic")
    assert {r["code"] for r in uralic_or_japonic["results"]} == {"fi", "hu", "ja"}
    no_family = await get(app, f"/{LANGS}", users.editor, family__isnull="true")
    assert [r["code"] for r in no_family["results"]] == ["eo"]
    assert (await get(app, f"/{LANGS}", users.editor, code="el"))["results"][0]["name"] == "Greek"


async def test_sort(app: App, users: Users) -> None:
    page = await get(app, f"/{LANGS}", users.editor, sort="-speakers", speakers__isnull="false")
    known = [r for r in ROWS if r["speakers"] is not None]
    assert [r["code"] for r in page["results"]] == [
        r["code"] for r in sorted(known, key=lambda r: -r["speakers"])]
    two_keys = await get(app, f"/{LANGS}", users.editor, sort="family,-name", family__isnull="false")
    with_family = [r for r in ROWS if r["family"]]
    by_family = sorted(sorted(with_family, key=lambda r: r["name"], reverse=True), key=lambda r: r["family"])
    assert [r["code"] for r in two_keys["results"]] == [r["code"] for r in by_family]


async def test_search(app: App, users: Users) -> None:
    page = await get(app, f"/{LANGS}", users.editor, search="finn")
    assert [r["code"] for r in page["results"]] == ["fi"]
    assert page["count"] == 1   # the count honours the search too


async def test_limit_offset_and_page_keep_the_total(app: App, users: Users) -> None:
    codes = [r["code"] for r in by_name(ROWS)]
    window = await get(app, f"/{LANGS}", users.editor, limit=3, offset=3)
    assert (window["count"], window["limit"], window["offset"]) == (8, 3, 3)
    assert [r["code"] for r in window["results"]] == codes[3:6]
    page2 = await get(app, f"/{LANGS}", users.editor, limit=3, page=2)
    assert [r["code"] for r in page2["results"]] == codes[3:6]
    assert page2["page"] == 2
    last = await get(app, f"/{LANGS}", users.editor, limit=3, page=3)
    assert [r["code"] for r in last["results"]] == codes[6:]
    filtered = await get(app, f"/{LANGS}", users.editor, limit=1, family="Indo-European")
    assert filtered["count"] == 3 and len(filtered["results"]) == 1


@pytest.mark.parametrize("query, code", [
    ({"nope__exact": "x"}, "UNKNOWN_FILTER"),
    ({"speakers__gte": "many"}, "INVALID_QUERY"),
    ({"name__gt": "a"}, "INVALID_QUERY"),            # Directus has no _gt on strings
    ({"sort": "-nope"}, "INVALID_QUERY"),
    ({"family__isnull": "maybe"}, "INVALID_FILTER"),
    ({"page": 1, "offset": 2}, "INVALID_QUERY"),
])
async def test_bad_list_parameters_are_400(app: App, users: Users, query: dict[str, Any], code: str) -> None:
    response = await app.http.get(f"/{LANGS}", params=query, headers=bearer(users.editor))
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code


async def test_limit_is_bounded(app: App, users: Users) -> None:
    response = await app.http.get(f"/{LANGS}", params={"limit": 10_000}, headers=bearer(users.editor))
    assert response.status_code == 422


# --- sparse fieldsets ------------------------------------------------------------------------------
async def test_fields_are_pushed_down_to_directus(app: App, users: Users) -> None:
    app.sent.clear()
    page = await get(app, f"/{LANGS}", users.editor, fields="code,name", limit=2)
    assert [set(r) for r in page["results"]] == [{"code", "name"}] * 2
    reads = [r for r in app.sent if r.url.path == f"/items/{LANGS}" and "aggregate" not in r.url.params]
    assert [r.url.params["fields"] for r in reads] == ["code,name"]


async def test_omit(app: App, users: Users) -> None:
    page = await get(app, f"/{LANGS}", users.editor, omit="speakers,family")
    assert {frozenset(r) for r in page["results"]} == {frozenset({"id", "code", "name"})}
    one = await get(app, f"/{LANGS}/1", users.editor, fields="name")
    assert one == {"name": "English"}


async def test_unknown_field_is_400_listing_the_valid_ones(app: App, users: Users) -> None:
    response = await app.http.get(f"/{LANGS}", params={"fields": "code,nope"}, headers=bearer(users.editor))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "UNKNOWN_FIELD"
    assert "nope" in body["detail"]
    assert body["valid"] == ["id", "code", "name", "speakers", "family"]


async def test_nested_fields_through_a_relation(app: App, users: Users) -> None:
    page = await get(app, f"/{COMPANIES}/1/{DEPARTMENTS}", users.viewer, fields="name,company.name")
    assert page["results"] == [{"name": "Research", "company": {"name": "Acme"}},
                               {"name": "Sales", "company": {"name": "Acme"}}]
    unknown = await app.http.get(f"/{COMPANIES}/1/{DEPARTMENTS}", params={"fields": "name,company.nope"},
                                 headers=bearer(users.viewer))
    assert unknown.status_code == 400   # checked through the relation, not left to Directus (403)
    assert unknown.json()["valid"] == ["id", "name"] and unknown.json()["at"] == "company"


# --- retrieve / create / update / delete, as two users ---------------------------------------------
async def test_row_rule_and_permissions_split_the_users(app: App, users: Users) -> None:
    viewer = await get(app, f"/{LANGS}", users.viewer)
    assert [r["code"] for r in viewer["results"]] == ["fi", "hu"]
    assert viewer["count"] == 2
    english = (await get(app, f"/{LANGS}", users.editor, code="en"))["results"][0]["id"]
    assert (await app.http.get(f"/{LANGS}/{english}", headers=bearer(users.viewer))).status_code == 404
    assert (await get(app, f"/{LANGS}/{english}", users.editor))["name"] == "English"
    # The viewer sees Finnish but may not change it (Directus says no): 403 stays 403.
    finnish = (await get(app, f"/{LANGS}", users.viewer, code="fi"))["results"][0]["id"]
    refused = await app.http.patch(f"/{LANGS}/{finnish}", json={"name": "Suomi"},
                                   headers=bearer(users.viewer))
    assert refused.status_code == 403
    assert refused.json()["code"] == "FORBIDDEN"
    hidden = await app.http.patch(f"/{LANGS}/{english}", json={"name": "?"}, headers=bearer(users.viewer))
    assert hidden.status_code == 404


async def test_partial_update_sends_only_the_changes(app: App, users: Users, admin: Directus) -> None:
    greek = (await get(app, f"/{LANGS}", users.editor, code="el"))["results"][0]["id"]
    app.sent.clear()
    response = await app.http.patch(f"/{LANGS}/{greek}", json={"speakers": 13_600_000},
                                    headers=bearer(users.editor))
    assert response.status_code == 200, response.text
    assert response.json()["speakers"] == 13_600_000 and response.json()["name"] == "Greek"
    patches = [r for r in app.sent if r.method == "PATCH"]
    assert [r.content for r in patches] == [b'{"speakers":13600000}']
    stored = await admin.get(f"/items/{LANGS}/{greek}")
    assert int(stored["data"]["speakers"]) == 13_600_000  # a bigInteger: a string on PostgreSQL
    invalid = await app.http.patch(f"/{LANGS}/{greek}", json={"speakers": "lots"},
                                   headers=bearer(users.editor))
    assert invalid.status_code == 422
    await admin.patch(f"/items/{LANGS}/{greek}", json={"speakers": 13_500_000})


async def test_create_conflict_guard_and_delete(app: App, users: Users) -> None:
    editor = bearer(users.editor)
    created = await app.http.post(f"/{LANGS}", json={"code": "la", "name": "Latin"}, headers=editor)
    assert created.status_code == 201, created.text
    latin = created.json()
    assert latin["code"] == "la" and isinstance(latin["id"], int)
    duplicate = await app.http.post(f"/{LANGS}", json={"code": "la", "name": "Latin"}, headers=editor)
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "RECORD_NOT_UNIQUE"
    # The custom create schema: code and name only, both required.
    assert (await app.http.post(f"/{LANGS}", json={"code": "xx"}, headers=editor)).status_code == 422
    extra = await app.http.post(f"/{LANGS}", json={"code": "yy", "name": "Y", "speakers": 5},
                                headers=bearer(users.editor))
    assert extra.status_code == 201 and extra.json()["speakers"] is None
    await app.http.delete(f"/{LANGS}/{extra.json()['id']}", headers=bearer(users.editor))
    # Guards on create/delete: the viewer is refused before anything reaches Directus.
    refused = await app.http.post(f"/{LANGS}", json={"code": "zz", "name": "Z"}, headers=bearer(users.viewer))
    assert refused.status_code == 403
    assert (await app.http.delete(f"/{LANGS}/{latin['id']}", headers=bearer(users.viewer))).status_code == 403
    gone = await app.http.delete(f"/{LANGS}/{latin['id']}", headers=bearer(users.editor))
    assert gone.status_code == 204 and gone.content == b""
    assert (await app.http.get(f"/{LANGS}/{latin['id']}", headers=bearer(users.editor))).status_code == 404


async def test_unauthenticated_is_401(app: App) -> None:
    response = await app.http.get(f"/{LANGS}")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


# --- nested routers, disabled routes, OpenAPI ------------------------------------------------------
async def test_nested_children(app: App, users: Users, admin: Directus) -> None:
    acme = await get(app, f"/{COMPANIES}/1/{DEPARTMENTS}", users.viewer)
    assert [d["name"] for d in acme["results"]] == ["Research", "Sales"] and acme["count"] == 2
    globex = await get(app, f"/{COMPANIES}/2/{DEPARTMENTS}", users.viewer)
    assert [d["name"] for d in globex["results"]] == ["Legal"]
    legal = globex["results"][0]["id"]
    assert (await app.http.get(f"/{COMPANIES}/1/{DEPARTMENTS}/{legal}", headers=bearer(users.viewer))
            ).status_code == 404   # Legal belongs to Globex
    missing = await app.http.get(f"/{COMPANIES}/99/{DEPARTMENTS}", headers=bearer(users.viewer))
    assert missing.status_code == 404
    created = await app.http.post(f"/{COMPANIES}/2/{DEPARTMENTS}", json={"name": "Ops"},
                                  headers=bearer(users.editor))
    assert created.status_code == 201, created.text
    assert created.json()["company"] == 2
    await admin.delete(f"/items/{DEPARTMENTS}/{created.json()['id']}")


async def test_disabled_routes_do_not_exist(app: App, users: Users) -> None:
    response = await app.http.post(f"/{COMPANIES}", json={"name": "Initech"}, headers=bearer(users.editor))
    assert response.status_code == 405
    assert (await app.http.delete(f"/{COMPANIES}/1", headers=bearer(users.editor))).status_code == 405


async def test_openapi(app: App) -> None:
    schema = (await app.http.get("/openapi.json")).json()
    paths = schema["paths"]
    assert set(paths[f"/{LANGS}"]) == {"get", "post"}
    assert set(paths[f"/{LANGS}/{{pk}}"]) == {"get", "patch", "delete"}
    assert set(paths[f"/{COMPANIES}"]) == {"get"}
    assert f"/{COMPANIES}/{{company_id}}/{DEPARTMENTS}/{{pk}}" in paths
    components = schema["components"]["schemas"]
    assert set(components["FrLangRead"]["properties"]) == {"id", "code", "name", "speakers", "family"}
    assert set(components["FrLangUpdate"]["properties"]) == {"code", "name", "speakers", "family"}
    assert components["LangCreate"]["required"] == ["code", "name"]
    assert "company" not in components["FrDepartmentCreate"]["properties"]   # comes from the path
    listing = paths[f"/{LANGS}"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"sort", "search", "limit", "offset", "page", "fields", "omit"} <= names
    ok = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page_schema = components[ok.rsplit("/", 1)[-1]]
    assert set(page_schema["properties"]) == {"count", "limit", "offset", "page", "next", "previous",
                                              "next_cursor", "results"}
    pk_param = next(p for p in paths[f"/{LANGS}/{{pk}}"]["get"]["parameters"] if p["name"] == "pk")
    assert pk_param["in"] == "path" and pk_param["schema"]["type"] == "integer"
    assert listing["security"]


def test_router_refuses_unknown_route_names() -> None:
    with pytest.raises(ValueError, match="unknown route name"):
        DirectusRouter(FrLang, routes=("list", "explode"))  # type: ignore[arg-type]
