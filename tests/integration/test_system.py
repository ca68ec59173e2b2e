"""System collections against the real server: the endpoints that differ from an items endpoint (the
issue's three reproductions: /fields paging forever, /collections ignoring filters, /permissions counting
0), refused operations raising before any request, CRUD through the typed models (checked with raw
REST), a paged iteration that stops, a user-model subclass with ``me()``, and singletons."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from directus_orm import ConnectionPool, Count, Directus, DirectusModel, collection, connections
from directus_orm.exceptions import APIError, UnsupportedByServer, UnsupportedOperation
from directus_orm.system import (
    DirectusAccess,
    DirectusActivity,
    DirectusCollection,
    DirectusComment,
    DirectusDashboard,
    DirectusExtension,
    DirectusField,
    DirectusFlow,
    DirectusOperation,
    DirectusPanel,
    DirectusPermission,
    DirectusPolicy,
    DirectusPreset,
    DirectusRelation,
    DirectusRevision,
    DirectusRole,
    DirectusSettings,
    DirectusShare,
    DirectusTranslation,
    DirectusUser,
    DirectusVersion,
)
from tests.conftest import ServerInfo, create_collection
from tests.support import server_version

pytestmark = pytest.mark.integration

ARTICLES = "orm_sys_articles"
SINGLE = "orm_sys_home"
#: A read that pages forever (the issue's /fields loop) is stopped after this many requests.
REQUEST_BUDGET = 40


class RequestBudgetExceeded(Exception):
    pass


@pytest.fixture(scope="module")
async def schema(admin: Directus) -> AsyncIterator[None]:
    await create_collection(admin, ARTICLES, [{"field": "title", "type": "string"}])
    await admin.post("/collections", json={
        "collection": SINGLE, "schema": {}, "meta": {"singleton": True},
        "fields": [{"field": "id", "type": "integer", "schema": {"is_primary_key": True,
                                                               "has_auto_increment": True}},
                   {"field": "headline", "type": "string"}, {"field": "visits", "type": "integer"}]})
    yield
    for name in (ARTICLES, SINGLE):
        with contextlib.suppress(APIError):
            await admin.delete(f"/collections/{name}")


@pytest.fixture
def sent(schema: None, directus_server: ServerInfo) -> Iterator[list[httpx.Request]]:
    """The default alias is the admin, every request it sends recorded; past REQUEST_BUDGET requests
    the next one fails (a never-ending read stops)."""
    recorded: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        recorded.append(request)
        if len(recorded) > REQUEST_BUDGET:
            raise RequestBudgetExceeded(f"{len(recorded)} requests")

    conn = Directus(directus_server.url, token=directus_server.token,
                    pool=ConnectionPool(event_hooks={"request": [hook]}))
    with connections.override(conn):
        yield recorded


async def bounded(awaitable: Awaitable[Any]) -> Any:
    return await asyncio.wait_for(awaitable, timeout=60)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# -- the three reproductions ------------------------------------------------------------------

async def test_fields_of_a_collection_end_in_one_request(sent: list[httpx.Request]) -> None:
    fields = collection("directus_fields").filter(collection=ARTICLES)
    flat = await bounded(fields.values_list("field", flat=True))
    assert sorted(flat) == ["id", "title"]
    assert len(sent) == 1 and sent[0].url.path == "/fields"
    sent.clear()
    # Streamed in pages: /fields ignores limit and offset, so every page was full and the stream never
    # ended; the whole list is read once and cut here.
    streamed = collection("directus_fields").filter(collection=ARTICLES).values_list("field", flat=True)
    assert sorted([f async for f in streamed.iterator(chunk_size=5)]) == ["id", "title"]
    assert len(sent) == 1
    typed = await bounded(DirectusField.objects.filter(collection=ARTICLES))
    assert {(f.field, f.type) for f in typed} == {("id", "integer"), ("title", "string")}
    title = next(f for f in typed if f.field == "title")
    assert title.column is not None and title.column["table"] == ARTICLES  # the "schema" part
    assert await bounded(DirectusField.objects.filter(collection=ARTICLES).count()) == 2


async def test_collections_filters_count_and_exists(sent: list[httpx.Request], admin: Directus) -> None:
    qs = collection("directus_collections", pk="collection").filter(collection=ARTICLES)
    rows = await qs
    assert [r["collection"] for r in rows] == [ARTICLES]
    assert await qs.count() == 1
    missing = collection("directus_collections", pk="collection").filter(collection="orm_nope")
    assert await missing.exists() is False
    raw = (await admin.get("/collections"))["data"]
    wanted = DirectusCollection.objects.filter(collection__in=[ARTICLES, SINGLE, "orm_nope"])
    names = await wanted.values_list("collection", flat=True)
    assert sorted(names) == sorted(r["collection"] for r in raw if r["collection"] in (ARTICLES, SINGLE))
    home = await DirectusCollection.objects.get(collection=SINGLE)
    assert home.meta is not None and home.meta["singleton"] is True and home.table is not None
    with pytest.raises(DirectusCollection.DoesNotExist):
        await DirectusCollection.objects.get(collection="orm_nope")
    assert await DirectusCollection.objects.get(pk=ARTICLES) is not None
    assert await DirectusCollection.objects.count() == len(raw)
    second = await DirectusCollection.objects.all()[1:3]
    assert [c.collection for c in second] == [r["collection"] for r in raw[1:3]]


@pytest.mark.directus("11", reason="permissions belong to policies from Directus 11 on")
async def test_permissions_count_and_slice(sent: list[httpx.Request], admin: Directus) -> None:
    policy = (await admin.post("/policies", json={"name": unique("orm-sys-perm")}))["data"]["id"]
    try:
        for action in ("create", "read", "update"):
            await admin.post("/permissions", json={"policy": policy, "collection": ARTICLES, "action": action,
                                                   "fields": ["*"]})
        assert await collection("directus_permissions").filter(policy=policy).count() == 3
        qs = DirectusPermission.objects.filter(policy=policy)
        assert await qs.count() == 3
        assert len(await qs[:1]) == 1  # /permissions ignores limit: cut here
        assert [p.action for p in await qs.order_by("action")[1:]] == ["read", "update"]
        assert await qs.exists() and not await DirectusPermission.objects.filter(policy=uuid.uuid4()).exists()
        assert await DirectusPermission.objects.filter(policy=policy, action="read").count() == 1
        # Every read answered in one request (limit -1), however it is sliced.
        assert all(r.url.params.get("limit") == "-1" for r in sent if r.url.path == "/permissions")
        rows = await DirectusPermission.objects.all()
        assert await DirectusPermission.objects.count() == len(rows)
        missing = await DirectusPermission.objects.filter(pk=999_999).first()
        assert missing is None  # Directus's answer holds the app's minimal permissions: left out
        assert all(p.id is not None for p in rows)
        with pytest.raises(DirectusPermission.DoesNotExist):
            await DirectusPermission.objects.get(pk=999_999)
    finally:
        await admin.delete(f"/policies/{policy}")


# -- refused before any request ------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda: DirectusSettings.objects.all(),
    lambda: DirectusSettings.objects.filter(project_name="x").count(),
    lambda: DirectusSettings.objects.create(project_name="x"),
    lambda: DirectusSettings.objects.get(pk=1),
    lambda: DirectusActivity.objects.create(action="x"),
    lambda: DirectusActivity.objects.filter(id=1).update(action="x"),
    lambda: DirectusActivity.objects.filter(id=1).delete(),
    lambda: DirectusRevision.objects.create(collection="x", item="1", activity=1),
    lambda: DirectusField.objects.order_by("field").first(),
    lambda: DirectusField.objects.filter(field__startswith="ti").count(),
    lambda: DirectusField.objects.search("title").exists(),
    lambda: DirectusField.objects.last(),
    lambda: DirectusCollection.objects.create(collection="orm_never"),
    lambda: DirectusCollection.objects.all().delete(),
    lambda: DirectusRelation.objects.filter(collection__contains="users").count(),
    lambda: DirectusCollection.objects.with_meta(),
    lambda: DirectusPermission.objects.aggregate(n=Count("id")),
    lambda: DirectusPermission.objects.values("collection").annotate(n=Count("id")),
    lambda: DirectusExtension.objects.create(),
    lambda: DirectusPermission.objects.using_graphql().count(),
], ids=lambda _: "")
async def test_refused_before_any_request(sent: list[httpx.Request], call: Callable[[], Any]) -> None:
    with pytest.raises(UnsupportedOperation):
        result = call()
        if hasattr(result, "__await__"):
            await result
    assert sent == []


async def test_model_writes_refused_before_any_request(sent: list[httpx.Request], admin: Directus) -> None:
    await admin.post(f"/items/{ARTICLES}", json={"title": "logged"})
    entry = await DirectusActivity.objects.filter(collection=ARTICLES).order_by("-id").first()
    assert entry is not None and entry.action == "create"
    revision = await DirectusRevision.objects.filter(activity=entry.id).get()
    assert revision.data is not None and revision.data["title"] == "logged"
    sent.clear()
    entry.action = "forged"
    with pytest.raises(UnsupportedOperation):
        await entry.save()
    with pytest.raises(UnsupportedOperation):
        await revision.delete()
    field = await DirectusField.objects.filter(collection=ARTICLES, field="title").get()
    sent.clear()
    with pytest.raises(UnsupportedOperation):
        await field.delete()
    settings = await DirectusSettings.objects.get()
    sent.clear()
    with pytest.raises(UnsupportedOperation):
        await settings.delete()
    assert sent == []
    assert (await admin.get(f"/activity/{entry.id}"))["data"]["action"] == "create"


# -- CRUD through the typed models ---------------------------------------------------------------------

@pytest.mark.directus("11", reason="policies arrived in Directus 11")
async def test_roles_policies_access_and_permissions(sent: list[httpx.Request], admin: Directus) -> None:
    name = unique("orm-sys-role")
    role = await DirectusRole.objects.create(name=name, icon="badge")
    policy = DirectusPolicy(name=unique("orm-sys-policy"), app_access=True, admin_access=False)
    await policy.save()
    try:
        assert isinstance(role.id, uuid.UUID) and isinstance(policy.id, uuid.UUID)
        access = await DirectusAccess.objects.create(role=role.id, policy=policy.id)
        await DirectusPermission.objects.create(policy=policy.id, collection=ARTICLES, action="read",
                                                fields=["*"])
        assert [p.id for p in await role.get_policies()] == [policy.id]
        assert [(p.collection, p.action) for p in await policy.get_permissions()] == [(ARTICLES, "read")]
        assert [r.id for r in await policy.get_roles()] == [role.id]
        loaded = await DirectusRole.objects.get(name=name)
        assert loaded.policies == [str(access.id)]  # the junction rows' keys, as Directus answers them
        loaded.description = "changed"
        sent.clear()
        await loaded.save()
        assert [(r.method, r.url.path) for r in sent] == [("PATCH", f"/roles/{role.id}")]
        raw = (await admin.get(f"/roles/{role.id}"))["data"]
        assert (raw["description"], raw["icon"]) == ("changed", "badge")
        assert await DirectusRole.objects.filter(name=name).update(icon="star") == 1
        assert (await admin.get(f"/roles/{role.id}"))["data"]["icon"] == "star"
        assert await loaded.delete() == (1, {"directus_roles": 1})
        assert (await admin.get("/roles", params={"filter": {"id": {"_eq": str(role.id)}}}))["data"] == []
    finally:
        with contextlib.suppress(APIError):
            await admin.delete(f"/roles/{role.id}")
        await admin.delete(f"/policies/{policy.id}")


async def test_paged_iteration_over_a_system_collection_stops(
    sent: list[httpx.Request], admin: Directus
) -> None:
    prefix = unique("orm-sys-paged")
    keys = [(await admin.post("/roles", json={"name": f"{prefix}-{i}"}))["data"]["id"] for i in range(5)]
    try:
        sent.clear()
        names = [r.name async for r in DirectusRole.objects.filter(name__startswith=prefix).order_by("name")
                 .iterator(chunk_size=2)]
        assert names == [f"{prefix}-{i}" for i in range(5)]
        assert len([r for r in sent if r.url.path == "/roles"]) == 3  # 2 + 2 + 1: the short page is the last
        sent.clear()
        perms = [p async for p in DirectusPermission.objects.iterator(chunk_size=2)]
        assert len(perms) == len(await DirectusPermission.objects.all())
        assert len([r for r in sent if r.url.path == "/permissions"]) == 2  # once each: limit is ignored
    finally:
        await admin.delete("/roles", json=keys)


async def test_item_like_system_collections(sent: list[httpx.Request], admin: Directus) -> None:
    item = (await admin.post(f"/items/{ARTICLES}", json={"title": "commented"}))["data"]["id"]
    me = await DirectusUser.objects.me()
    made: list[tuple[str, Any]] = []
    try:
        preset = await DirectusPreset.objects.create(bookmark=unique("orm-sys-bm"), collection=ARTICLES,
                                                     user=me.id, layout="tabular")
        made.append(("presets", preset.id))
        translation = await DirectusTranslation.objects.create(language="en-US", key=unique("orm.key"),
                                                               value="Hello")
        made.append(("translations", translation.id))
        comments = server_version() >= (11, 0, 0)  # directus_comments is new in 11 (10: in activity)
        comment = DirectusComment(collection=ARTICLES, item=str(item), comment="first!")
        if comments:
            await comment.save()
            made.append(("comments", comment.id))
        else:  # refused before sending, naming the version it needs (10 would answer ROUTE_NOT_FOUND)
            sent.clear()
            refused = [comment.save, DirectusComment.objects.filter(collection=ARTICLES).count,
                       lambda: DirectusComment.objects.create(collection=ARTICLES, comment="x"),
                       lambda: DirectusComment.objects.bulk_create([comment]),
                       collection("directus_comments").values("comment").first]
            for attempt in refused:
                with pytest.raises(UnsupportedByServer, match=r"'directus_comments'.*Directus >= 11\.0\.0"):
                    await attempt()
            assert [r.url.path for r in sent if r.url.path != "/server/info"] == []
        share = await DirectusShare.objects.create(collection=ARTICLES, item=str(item), name="link")
        made.append(("shares", share.id))
        dashboard = await DirectusDashboard.objects.create(name=unique("orm-sys-dash"), icon="dashboard")
        made.append(("dashboards", dashboard.id))
        panel = await DirectusPanel.objects.create(dashboard=dashboard.id, type="label", position_x=1,
                                                   position_y=1, width=4, height=4, show_header=False)
        made.append(("panels", panel.id))
        flow = await DirectusFlow.objects.create(name=unique("orm-sys-flow"), status="inactive",
                                                 trigger="manual", options={"collections": [ARTICLES]})
        made.append(("flows", flow.id))
        operation = await DirectusOperation.objects.create(flow=flow.id, key="log", type="log", position_x=19,
                                                           position_y=1, options={"message": "hi"})
        made.append(("operations", operation.id))

        on_item = DirectusComment.objects.filter(collection=ARTICLES, item=str(item))
        assert not comments or (await on_item.get()).comment == "first!"
        assert await DirectusPanel.objects.filter(dashboard=dashboard.id).count() == 1
        assert [o.key for o in await DirectusOperation.objects.filter(flow=flow.id)] == ["log"]
        assert (await DirectusFlow.objects.get(pk=flow.id)).operations == [str(operation.id)]
        assert (await DirectusTranslation.objects.get(key=translation.key)).value == "Hello"

        edits: list[tuple[DirectusModel, str, str, Any]] = [
            (preset, "presets", "layout", "cards"), (translation, "translations", "value", "Bonjour"),
            (share, "shares", "name", "renamed"), (panel, "panels", "width", 8),
            (flow, "flows", "status", "active"),
            *([(comment, "comments", "comment", "edited")] if comments else []),
        ]
        for obj, path, field, value in edits:
            setattr(obj, field, value)
            sent.clear()
            await obj.save()
            assert [(r.method, r.url.path) for r in sent] == [("PATCH", f"/{path}/{obj.pk}")]
            assert (await admin.get(f"/{path}/{obj.pk}"))["data"][field] == value

        removed: list[tuple[str, DirectusModel]] = [
            ("operations", operation), ("panels", panel), *([("comments", comment)] if comments else [])]
        for path, gone in removed:
            key = gone.pk  # delete() clears it, as Django does
            assert await gone.delete() == (1, {f"directus_{path}": 1})
            assert gone.pk is None
            query = {"filter": {"id": {"_eq": str(key)}}}
            assert (await admin.get(f"/{path}", params=query))["data"] == []
    finally:
        for path, key in reversed(made):
            with contextlib.suppress(APIError):
                await admin.delete(f"/{path}/{key}")


async def test_content_version_model(sent: list[httpx.Request], admin: Directus) -> None:
    await admin.patch(f"/collections/{ARTICLES}", json={"meta": {"versioning": True}})
    item = (await admin.post(f"/items/{ARTICLES}", json={"title": "versioned"}))["data"]["id"]
    version = await DirectusVersion.objects.create(key=unique("draft"), name="Draft", collection=ARTICLES,
                                                   item=str(item))
    try:
        assert isinstance(version.id, uuid.UUID)
        found = await DirectusVersion.objects.filter(collection=ARTICLES, item=str(item)).get()
        assert (found.key, found.name) == (version.key, "Draft")
        found.name = "Renamed"
        await found.save()
        assert (await admin.get(f"/versions/{version.id}"))["data"]["name"] == "Renamed"
    finally:
        await admin.delete(f"/versions/{version.id}")
        await admin.patch(f"/collections/{ARTICLES}", json={"meta": {"versioning": False}})


# -- a user model subclass -----------------------------------------------------------------------------

class User(DirectusUser):
    nickname: str | None = None


async def test_user_subclass_round_trip_and_me(sent: list[httpx.Request], admin: Directus) -> None:
    await admin.post("/fields/directus_users", json={"field": "nickname", "type": "string"})
    created: list[Any] = []
    try:
        assert User._meta.collection == "directus_users"
        email = f"{unique('orm-sys')}@example.com"
        user = await User.objects.create(email=email, password="p4ssw0rd-long", nickname="nick",
                                         status="active")
        created.append(user.id)
        assert type(user) is User and user.nickname == "nick"
        raw = (await admin.get(f"/users/{user.id}"))["data"]
        assert (raw["email"], raw["nickname"]) == (email, "nick")
        loaded = await User.objects.get(email=email)
        loaded.nickname = "renamed"
        sent.clear()
        await loaded.save()
        assert [(r.method, r.url.path) for r in sent] == [("PATCH", f"/users/{user.id}")]
        assert (await admin.get(f"/users/{user.id}"))["data"]["nickname"] == "renamed"
        # The base model keeps the custom field the server answers, without failing.
        base = await DirectusUser.objects.get(pk=user.id)
        assert base.model_extra["nickname"] == "renamed"

        me = await User.objects.me()
        assert type(me) is User and me.email == (await admin.get("/users/me"))["data"]["email"]
        before = me.nickname
        updated = await User.objects.update_me(nickname="admin-nick")
        assert type(updated) is User and updated.nickname == "admin-nick"
        assert (await admin.get("/users/me"))["data"]["nickname"] == "admin-nick"
        await User.objects.update_me(nickname=before)
        assert type(await DirectusUser.objects.me()) is DirectusUser
    finally:
        for key in created:
            await admin.delete(f"/users/{key}")
        await admin.delete("/fields/directus_users/nickname")


def test_sync_faces(sent: list[httpx.Request]) -> None:
    assert type(User.objects.sync.me()) is User
    settings = DirectusSettings.objects.sync.get()
    assert settings.project_name is not None
    assert DirectusField.objects.filter(collection=ARTICLES).sync.count() == 2


@pytest.mark.directus("11", reason="policies arrived in Directus 11")
def test_sync_face_of_a_roles_policies(sent: list[httpx.Request]) -> None:
    role = DirectusRole.objects.filter(name="Administrator").sync.first()
    assert role is not None and "Administrator" in [p.name for p in role.sync.get_policies()]


# -- singletons ----------------------------------------------------------------------------------------

async def test_settings_singleton(sent: list[httpx.Request], admin: Directus) -> None:
    settings = await DirectusSettings.objects.get()
    before = settings.project_name
    assert [(r.method, r.url.path) for r in sent] == [("GET", "/settings")]
    settings.project_name = "ORM settings"
    sent.clear()
    await settings.save()
    assert [(r.method, r.url.path) for r in sent] == [("PATCH", "/settings")]
    assert json.loads(sent[0].content) == {"project_name": "ORM settings"}
    assert (await admin.get("/settings"))["data"]["project_name"] == "ORM settings"
    assert settings.get_changed_fields() == []
    settings.project_name = before
    await settings.save()
    assert (await admin.get("/settings"))["data"]["project_name"] == before


class Home(DirectusModel):
    id: int | None = None
    headline: str | None = None
    visits: int | None = None

    class Meta:
        collection = SINGLE
        singleton = True


async def test_user_singleton(sent: list[httpx.Request], admin: Directus) -> None:
    home = await Home.objects.get()
    assert [(r.method, r.url.path) for r in sent] == [("GET", f"/items/{SINGLE}")]
    home.headline = "Welcome"
    home.visits = 3
    sent.clear()
    await home.save()
    assert [(r.method, r.url.path) for r in sent] == [("PATCH", f"/items/{SINGLE}")]
    raw = (await admin.get(f"/items/{SINGLE}"))["data"]
    assert (raw["headline"], raw["visits"]) == ("Welcome", 3)
    again = await Home.objects.get()
    again.visits = 4
    await again.save(update_fields=["visits"])
    assert (await admin.get(f"/items/{SINGLE}"))["data"]["visits"] == 4
    fresh = Home(headline="Replaced")  # never loaded: its set fields are written to the one object
    await fresh.save()
    raw = (await admin.get(f"/items/{SINGLE}"))["data"]
    assert (raw["headline"], raw["visits"]) == ("Replaced", 4)
    await again.refresh_from_db()
    assert again.headline == "Replaced"
    sent.clear()
    for call in (lambda: Home.objects.all(), lambda: Home.objects.filter(visits=4).exists(),
                 lambda: Home.objects.create(headline="x"), lambda: again.delete(),
                 lambda: Home.objects.get(headline="Replaced"), lambda: Home.objects.update(visits=1)):
        with pytest.raises(UnsupportedOperation):
            await call()
    assert sent == []


@pytest.mark.directus("11", reason="role.children and policy.permissions arrived in Directus 11")
async def test_to_many_key_lists_of_system_models_are_read_whole(
    sent: list[httpx.Request], admin: Directus
) -> None:
    """Directus cuts a nested list at 100 rows unless ``deep`` lifts it, without a word: a role with 130
    child roles and a policy with 130 permissions (neither takes a seat) are read with every key."""
    prefix = unique("orm-sys-many")
    parent = (await admin.post("/roles", json={"name": prefix}))["data"]["id"]
    policy = (await admin.post("/policies", json={"name": prefix}))["data"]["id"]
    try:
        await admin.post("/roles", json=[{"name": f"{prefix}-{i:03d}", "parent": parent} for i in range(130)])
        system = [c["collection"] for c in (await admin.get("/collections"))["data"]
                  if c["collection"].startswith("directus_")]
        await admin.post("/permissions", json=[
            {"policy": policy, "collection": name, "action": action, "fields": ["*"]}
            for name in system for action in ("create", "read", "update", "delete", "share")][:130])
        # What Directus answers: the first 100 keys without deep, every key with it.
        assert len((await admin.get(f"/roles/{parent}"))["data"]["children"]) == 100
        assert len((await admin.get(f"/policies/{policy}"))["data"]["permissions"]) == 100
        whole = {"deep": {"children": {"_limit": -1}, "permissions": {"_limit": -1}}}
        children = set((await admin.get(f"/roles/{parent}", params=whole))["data"]["children"])
        permissions = set((await admin.get(f"/policies/{policy}", params=whole))["data"]["permissions"])
        assert len(children) == len(permissions) == 130

        role = await DirectusRole.objects.get(pk=parent)
        assert set(map(str, role.children or [])) == children
        [listed] = await DirectusRole.objects.filter(name=prefix)
        assert set(map(str, listed.children or [])) == children
        assert set(map(str, await DirectusRole.objects.filter(pk=parent).values_list("children", flat=True)
                       .get())) == children
        role.description = "read whole"
        await role.save()  # its read-back too
        assert set(map(str, role.children or [])) == children
        await role.refresh_from_db()
        assert set(map(str, role.children or [])) == children
        assert set((await DirectusPolicy.objects.get(pk=policy)).permissions or []) == permissions
        raw = (await admin.get(f"/roles/{parent}", params={"fields": "description,children", **whole}))
        raw = raw["data"]
        assert raw["description"] == "read whole" and set(raw["children"]) == children
    finally:
        kids = [r["id"] for r in (await admin.get("/roles", params={
            "filter": {"parent": {"_eq": parent}}, "limit": -1, "fields": "id"}))["data"]]
        if kids:
            await admin.delete("/roles", json=kids)
        await admin.delete(f"/roles/{parent}")
        await admin.delete(f"/policies/{policy}")
        assert (await admin.get("/permissions", params={"filter": {"policy": {"_eq": policy}}}))["data"] == []
