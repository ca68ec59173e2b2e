"""The system collections and endpoints against the real server, as a new user's trial found them:
concealed fields never written back as their mask, reads that do not validate raising typed errors,
concurrent version saves, account arguments, and the smaller API edges. Writes are checked through raw
REST."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

import httpx
import pytest

from directus_orm import Directus, DirectusModel
from directus_orm.connection.serverinfo import server_info
from directus_orm.exceptions import (
    APIError,
    ConcealedValue,
    ExportFailed,
    FieldError,
    Forbidden,
    InvalidArgument,
    InvalidRow,
    InvalidUsage,
    ObjectDoesNotExist,
    SchemaMismatch,
    UnsupportedByServer,
)
from directus_orm.system import DirectusRevision, DirectusRole, DirectusUser
from tests.conftest import ServerInfo
from tests.support import raw_bigint, server_version
from tests.support.roles import drop_role, make_role
from tests.support.schema import create_collection
from tests.support.versions import saved_delta

pytestmark = pytest.mark.integration


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


@pytest.fixture
async def users(registry: None, admin: Directus) -> AsyncIterator[list[Any]]:
    """Keys of users a test created, deleted after it (3 seats per server)."""
    created: list[Any] = []
    yield created
    for key in created:
        with contextlib.suppress(APIError):
            await admin.delete(f"/users/{key}")


async def login_works(server: ServerInfo, email: str, password: str) -> bool:
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await client.post("/auth/login", json={"email": email, "password": password})
        return answer.status_code == 200


async def stored_secrets(admin: Directus, key: Any) -> dict[str, Any]:
    """What the server holds for the concealed fields: the mask when set, None when not."""
    row = (await admin.get(f"/users/{key}", params={"fields": ["password", "token"]}))["data"]
    return {"password": row["password"], "token": row["token"]}


# -- concealed fields ------------------------------------------------------------------------------

async def test_copy_of_a_loaded_user_writes_no_masked_secret(
    users: list[Any], admin: Directus, directus_server: ServerInfo
) -> None:
    email = unique_email("orm-src")
    src = await DirectusUser.objects.create(email=email, password="a-real-secret-1",
                                            token=f"tok-{uuid.uuid4().hex}")
    users.append(src.id)
    loaded = await DirectusUser.objects.get(email=email)
    assert loaded.password == loaded.token == "**********"
    loaded.pk = None
    loaded.email = unique_email("orm-copy")
    await loaded.save()
    users.append(loaded.id)
    assert await stored_secrets(admin, loaded.id) == {"password": None, "token": None}
    assert not await login_works(directus_server, loaded.email, "**********")
    assert await login_works(directus_server, email, "a-real-secret-1")


async def test_resave_of_a_deleted_user_writes_no_masked_password(
    users: list[Any], admin: Directus, directus_server: ServerInfo
) -> None:
    email = unique_email("orm-gone")
    await DirectusUser.objects.create(email=email, password="real-secret-1")
    user = await DirectusUser.objects.get(email=email)
    users.append(user.id)
    await admin.delete(f"/users/{user.id}")
    user.first_name = "Back"
    await user.save()
    raw = (await admin.get(f"/users/{user.id}", params={"fields": ["first_name", "password"]}))["data"]
    assert raw == {"first_name": "Back", "password": None}
    assert not await login_works(directus_server, email, "**********")


async def test_update_fields_naming_a_masked_secret_is_refused(
    users: list[Any], admin: Directus, directus_server: ServerInfo
) -> None:
    email = unique_email("orm-uf")
    await DirectusUser.objects.create(email=email, password="real-secret-2")
    user = await DirectusUser.objects.get(email=email)
    users.append(user.id)
    user.first_name = "Named"
    with pytest.raises(ConcealedValue) as caught:
        await user.save(update_fields=["first_name", "password"])
    assert caught.value.fields == ["password"]
    assert (await admin.get(f"/users/{user.id}"))["data"]["first_name"] is None  # nothing written
    assert user.get_changed_fields() == ["first_name"]
    assert await login_works(directus_server, email, "real-secret-2")
    with pytest.raises(ConcealedValue):
        await DirectusUser.objects.bulk_update([user], ["first_name", "password"])
    # A key as the library hands it out (a UUID) is written as its string.
    user.last_name = "Bulk"
    assert await DirectusUser.objects.bulk_update([user], ["last_name"]) == 1
    assert (await admin.get(f"/users/{user.id}"))["data"]["last_name"] == "Bulk"
    await user.save(update_fields=["first_name"])
    assert (await admin.get(f"/users/{user.id}"))["data"]["first_name"] == "Named"
    assert await login_works(directus_server, email, "real-secret-2")


# -- rows that do not fit the model, integers Directus cannot hold -----------------------------------

PAGES = "orm_trial_pages"


class TrialPage(DirectusModel):
    id: int | None = None
    title: str | None = None
    views: int | None = None
    label: Literal["a", "b"] | None = None

    class Meta:
        collection = PAGES


@pytest.fixture
async def pages(registry: None, admin: Directus) -> AsyncIterator[None]:
    await create_collection(admin, PAGES, [
        {"field": "title", "type": "string"}, {"field": "views", "type": "bigInteger"},
        {"field": "label", "type": "string", "schema": {"default_value": "zzz"}}], meta={"versioning": True})
    yield
    with contextlib.suppress(APIError):
        await admin.delete(f"/collections/{PAGES}")


async def test_reads_of_rows_that_do_not_fit_raise_invalid_row(pages: None, admin: Directus) -> None:
    key = (await admin.post(f"/items/{PAGES}", json={"title": "bad"}))["data"]["id"]  # label "zzz"
    for read in (lambda: TrialPage.objects.get(pk=key), lambda: TrialPage.objects.all(),
                 lambda: TrialPage.objects.filter(title="bad").first()):
        with pytest.raises(InvalidRow) as caught:
            await read()
        assert caught.value.key == key and not caught.value.written
        assert caught.value.errors[0].startswith("label: ")


async def test_a_save_whose_answer_does_not_fit_says_it_was_written(pages: None, admin: Directus) -> None:
    page = TrialPage(title="fresh")
    with pytest.raises(InvalidRow) as caught:
        await page.save()  # the server fills label with its default "zzz"
    assert caught.value.written and "was saved" in str(caught.value)
    rows = (await admin.get(f"/items/{PAGES}", params={"filter": {"title": {"_eq": "fresh"}}}))["data"]
    assert [(r["title"], r["label"]) for r in rows] == [("fresh", "zzz")]


async def test_integers_beyond_2_53_are_refused_before_sending(pages: None, admin: Directus) -> None:
    page = TrialPage(title="big", views=1, label="a")
    await page.save()
    page.views = 2**63
    with pytest.raises(InvalidArgument, match="2\\*\\*53"):
        await page.save()
    assert raw_bigint((await admin.get(f"/items/{PAGES}/{page.id}"))["data"]["views"]) == 1
    assert page.get_changed_fields() == ["views"]
    with pytest.raises(InvalidArgument):
        await TrialPage.objects.create(title="neg", views=-(10**20), label="a")
    assert [r["title"] for r in (await admin.get(f"/items/{PAGES}"))["data"]] == ["big"]
    page.views = 2**53 - 1  # the largest that stays exact
    await page.save()
    assert raw_bigint((await admin.get(f"/items/{PAGES}/{page.id}"))["data"]["views"]) == 2**53 - 1


# -- content versions -------------------------------------------------------------------------------

async def test_concurrent_saves_to_one_version_key_share_one_version(pages: None, admin: Directus) -> None:
    page = TrialPage(title="t0", views=0, label="a")
    await page.save()
    try:
        for round_ in range(3):
            key = f"rev{round_}"
            first, second = await TrialPage.objects.get(pk=page.id), await TrialPage.objects.get(pk=page.id)
            first.views, second.title = round_ + 10, f"title {round_}"
            await asyncio.gather(first.save(version=key), second.save(version=key))
            rows = (await admin.get("/versions", params={"filter": {
                "collection": {"_eq": PAGES}, "item": {"_eq": str(page.id)}, "key": {"_eq": key}}}))["data"]
            assert len(rows) == 1, rows
            delta = {k: v for k, v in (await saved_delta(admin, rows[0])).items()
                     if not k.startswith("_")}  # _date, _user
            assert delta == {"views": round_ + 10, "title": f"title {round_}"}
        assert (await admin.get(f"/items/{PAGES}/{page.id}"))["data"]["title"] == "t0"  # not promoted
    finally:
        await admin.delete("/versions", json={"query": {"filter": {"collection": {"_eq": PAGES}}}})


# -- the current user ------------------------------------------------------------------------------

class Profile(DirectusUser):
    shoe_size: int | None = None  # not a field of directus_users on the server


async def test_update_me_reports_a_dropped_field_and_refuses_the_key(registry: None, admin: Directus) -> None:
    before = (await admin.get("/users/me"))["data"]
    try:
        with pytest.raises(SchemaMismatch, match="shoe_size"):
            await Profile.objects.update_me(first_name="Shoe", shoe_size=44)
        assert (await admin.get("/users/me"))["data"]["first_name"] == "Shoe"  # the other field saved
        other = uuid.uuid4()
        with pytest.raises(InvalidArgument, match="key"):
            await DirectusUser.objects.update_me(id=other, first_name="Nope")
        with pytest.raises(ConcealedValue):
            await DirectusUser.objects.update_me(password="**********")
        after = (await admin.get("/users/me"))["data"]
        assert (after["id"], after["first_name"]) == (before["id"], "Shoe")
        assert (await DirectusUser.objects.update_me(first_name="Kept")).first_name == "Kept"
    finally:
        await admin.patch("/users/me", json={"first_name": before["first_name"]})


# -- keys as the library hands them out -------------------------------------------------------------

async def test_account_methods_take_uuid_keys_and_rows(users: list[Any], admin: Directus) -> None:
    role_id = (await admin.post("/roles", json={"name": f"orm-trial-{uuid.uuid4().hex[:6]}"}))["data"]["id"]
    try:
        role = await DirectusRole.objects.get(pk=role_id)
        assert isinstance(role.id, uuid.UUID)
        emails = [unique_email("orm-inv-row"), unique_email("orm-inv-uuid")]
        await admin.account.invite(emails[0], role)
        await admin.account.invite([emails[1]], role.id)
        rows = (await admin.get("/users", params={"filter": {"email": {"_in": emails}},
                                                  "fields": ["id", "email", "status", "role"]}))["data"]
        users.extend(row["id"] for row in rows)
        assert sorted((r["email"], r["status"], r["role"]) for r in rows) == sorted(
            (e, "invited", role_id) for e in emails)
        invited = await DirectusUser.objects.get(email=emails[0])
        await admin.account.disable_tfa_for(invited)
        await admin.account.disable_tfa_for(invited.id)
        assert (await admin.get(f"/users/{invited.id}"))["data"]["tfa_secret"] is None
        with pytest.raises(InvalidArgument):
            await admin.account.disable_tfa_for(DirectusUser(email="unsaved@example.com"))
    finally:
        for key in users:
            with contextlib.suppress(APIError):
                await admin.delete(f"/users/{key}")
        users.clear()
        await admin.delete(f"/roles/{role_id}")


# -- an export Directus fails in the background ------------------------------------------------------

@pytest.fixture
async def reader(users: list[Any], admin: Directus, directus_server: ServerInfo) -> AsyncIterator[Directus]:
    """A user whose role may read PAGES and notifications but may not create files. No app access: such a
    user takes one of the unlicensed server's 3 seats, which the suite's other modules share."""
    permissions = [{"collection": c, "action": "read"} for c in (PAGES, "directus_notifications")]
    if server_version() < (11, 0, 0):  # 10 writes the failed export's notification as the user (and
        # exits on the unhandled rejection when the user may not)
        permissions.append({"collection": "directus_notifications", "action": "create"})
    made = await make_role(admin, f"orm-reader-{uuid.uuid4().hex[:6]}", permissions)
    role = made.id
    email = unique_email("orm-reader")
    user = (await admin.post("/users", json={"email": email, "password": "reader-password-1", "role": role,
                                             "status": "active"}))["data"]["id"]
    users.append(user)
    try:
        async with Directus(directus_server.url, email=email, password="reader-password-1") as conn:
            yield conn
    finally:
        await admin.delete(f"/users/{user}")
        users.remove(user)
        await drop_role(admin, made)


async def test_an_export_failed_on_the_server_raises_its_cause(
    pages: None, reader: Directus, admin: Directus
) -> None:
    await admin.post(f"/items/{PAGES}", json={"title": "exported", "label": "a"})
    started = time.monotonic()
    with pytest.raises(ExportFailed) as caught:
        await reader.utils.export(TrialPage, format="csv", wait=60)
    assert time.monotonic() - started < 30  # told by the notification, not by running out of time
    assert caught.value.collection == PAGES and caught.value.reason
    with pytest.raises(Forbidden):  # no file was stored (a missing file answers 403)
        await admin.get(f"/files/{caught.value.file_id}")


# -- smaller edges: promote's key, revert of a row, me() with filters, sort to a missing row, delete ----

async def test_minor_api_edges(pages: None, admin: Directus) -> None:
    page = TrialPage(title="k0", views=0, label="a")
    await page.save()
    try:
        page.title = "k1"
        await page.save(version="kv")
        version = await admin.versions.for_item(TrialPage, page, "kv")
        assert version is not None
        key = await admin.versions.promote(version)
        assert key == page.id and isinstance(key, int)
        assert (await admin.get(f"/items/{PAGES}/{page.id}"))["data"]["title"] == "k1"
        await admin.versions.delete(version)
        gone = {"filter": {"id": {"_eq": str(version.id)}}}
        assert (await admin.get("/versions", params=gone))["data"] == []
        with pytest.raises(ObjectDoesNotExist):
            await admin.versions.delete(version)

        revisions = DirectusRevision.objects.filter(collection=PAGES, item=str(page.id))
        first = await revisions.order_by("id").first()
        assert first is not None
        await admin.utils.revert(first)  # the row itself, as versions take theirs
        assert (await admin.get(f"/items/{PAGES}/{page.id}"))["data"]["title"] == "k0"

        with pytest.raises(InvalidUsage):
            await DirectusUser.objects.filter(email="nobody@example.com").me()
        with pytest.raises(ObjectDoesNotExist):
            await admin.utils.sort(TrialPage, item=page, to=99999)
    finally:
        await admin.delete("/versions", json={"query": {"filter": {"collection": {"_eq": PAGES}}}})


# -- imports and version deltas checked against the model ---------------------------------------------

async def test_import_and_version_deltas_are_checked_against_the_model(pages: None, admin: Directus) -> None:
    with pytest.raises(FieldError):
        await admin.utils.import_items({TrialPage: [{"title": "x", "views": "many"}]})
    with pytest.raises(FieldError):
        await admin.utils.import_items({TrialPage: [{"title": "x", "nope": 1}]})
    assert (await admin.get(f"/items/{PAGES}"))["data"] == []
    if (await server_info(admin)).at_least((12, 0, 0)) is False:  # POST /utils/import is new in 12
        with pytest.raises(UnsupportedByServer):
            await admin.utils.import_items({TrialPage: [{"title": "ok", "views": 3, "label": "a"}]})
        assert (await admin.get(f"/items/{PAGES}"))["data"] == []
        await admin.post(f"/items/{PAGES}", json={"title": "ok", "views": 3, "label": "a"})
    else:
        result = await admin.utils.import_items({TrialPage: [{"title": "ok", "views": 3, "label": "a"}]})
        assert result.applied
    rows = (await admin.get(f"/items/{PAGES}"))["data"]
    assert [(r["title"], raw_bigint(r["views"])) for r in rows] == [("ok", 3)]
    page = await TrialPage.objects.get(title="ok")
    try:
        with pytest.raises(FieldError):
            await admin.versions.save_item(TrialPage, page, "draft", {"views": "many", "nope": 1})
        assert (await admin.get("/versions", params={"filter": {"collection": {"_eq": PAGES}}}))["data"] == []
        await admin.versions.save_item(TrialPage, page, "draft", {"views": 4})
        rows = (await admin.get("/versions", params={"filter": {"collection": {"_eq": PAGES}}}))["data"]
        assert [(await saved_delta(admin, r))["views"] for r in rows] == [4]
    finally:
        await admin.delete("/versions", json={"query": {"filter": {"collection": {"_eq": PAGES}}}})
