"""Models against the real server: insert / dirty-tracked update / delete / refresh, failed saves,
unknown server keys, custom managers, connection aliases, and a system collection (directus_users)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import httpx
import pytest

import directus_orm
from directus_orm import ConnectionPool, Directus, DirectusModel, FieldError, Manager, QuerySet, connections
from directus_orm.exceptions import FailedValidation, RecordNotUnique, UnexpectedResponse
from tests.conftest import ServerInfo, create_collection

pytestmark = pytest.mark.integration

COLLECTION = "orm_languages"


class Language(DirectusModel):
    id: int | None = None
    code: str
    name: str | None = None
    speakers: int | None = None
    status: str | None = None

    class Meta:
        collection = COLLECTION
        ordering = ["name"]


class Slim(DirectusModel):
    """The same collection seen through a model that declares fewer fields (a schema that grew)."""

    id: int | None = None
    code: str

    class Meta:
        collection = COLLECTION


@pytest.fixture(scope="module")
async def schema(admin: Directus) -> AsyncIterator[None]:
    await create_collection(admin, COLLECTION, [
        {"field": "code", "type": "string", "schema": {"is_nullable": False, "is_unique": True}},
        {"field": "name", "type": "string"},
        {"field": "speakers", "type": "integer"},
        {"field": "status", "type": "string", "schema": {"default_value": "draft"}},
    ])
    yield
    await admin.delete(f"/collections/{COLLECTION}")


@pytest.fixture
def recorded(schema: None, directus_server: ServerInfo, admin: Directus) -> Iterator[list[httpx.Request]]:
    """The default alias, with every request it sends captured (a real httpx event hook)."""
    sent: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        sent.append(request)

    connections.configure({"default": {"url": directus_server.url, "token": directus_server.token}})
    conn = Directus(directus_server.url, token=directus_server.token,
                    pool=ConnectionPool(event_hooks={"request": [hook]}))
    with connections.override(conn):
        yield sent
    connections.reset()


async def fresh(admin: Directus) -> None:
    await admin.delete(f"/items/{COLLECTION}", json={"query": {"limit": -1}})


async def test_insert_reads_back_pk_and_server_defaults(
    recorded: list[httpx.Request], admin: Directus
) -> None:
    await fresh(admin)
    fr = Language(code="fr", name="French")
    assert not fr.is_stored and fr.pk is None
    await fr.save()
    assert fr.is_stored and isinstance(fr.pk, int)
    assert fr.status == "draft"  # the server's default, read back
    post = recorded[-1]
    assert post.method == "POST" and post.url.path == f"/items/{COLLECTION}"
    assert json.loads(post.content) == {"code": "fr", "name": "French"}  # None defaults left to the server
    row = (await admin.get(f"/items/{COLLECTION}/{fr.pk}"))["data"]
    assert (row["code"], row["name"], row["status"]) == ("fr", "French", "draft")


async def test_save_patches_only_changed_fields(recorded: list[httpx.Request], admin: Directus) -> None:
    await fresh(admin)
    await admin.post(f"/items/{COLLECTION}", json={"code": "el", "name": "Greek", "speakers": 1})
    el = await Language.objects.get(code="el")
    assert el.get_changed_fields() == []
    recorded.clear()
    await el.save()
    assert recorded == []  # nothing changed: no request
    el.speakers = 13_500_000
    await el.save()
    assert [(r.method, r.url.path) for r in recorded] == [("PATCH", f"/items/{COLLECTION}/{el.pk}")]
    assert json.loads(recorded[0].content) == {"speakers": 13_500_000}
    assert el.get_changed_fields() == []
    # update_fields: only those are sent; other unsaved changes stay on the instance, still changed
    el.name = "Ellinika"
    el.status = "published"
    recorded.clear()
    await el.save(update_fields=["status"])
    assert json.loads(recorded[0].content) == {"status": "published"}
    assert el.name == "Ellinika" and el.get_changed_fields() == ["name"]
    row = (await admin.get(f"/items/{COLLECTION}/{el.pk}"))["data"]
    assert (row["name"], row["speakers"], row["status"]) == ("Greek", 13_500_000, "published")
    with pytest.raises(FieldError, match="nope"):
        await el.save(update_fields=["nope"])


async def test_failed_save_raises_the_typed_error_and_keeps_changes(recorded: list[httpx.Request],
                                                                    admin: Directus) -> None:
    await fresh(admin)
    await admin.post(f"/items/{COLLECTION}", json=[{"code": "en"}, {"code": "de"}])
    de = await Language.objects.get(code="de")
    de.code = "en"  # unique
    de.name = "Deutsch"
    with pytest.raises(RecordNotUnique):
        await de.save()
    assert (de.code, de.name) == ("en", "Deutsch")
    assert de.get_changed_fields() == ["code", "name"]
    de.code = "de"
    await de.save()
    assert (await Language.objects.get(code="de")).name == "Deutsch"
    # an insert that fails leaves the instance unsaved, as it was
    dup = Language(code="en", name="again")
    with pytest.raises(RecordNotUnique):
        await dup.save()
    assert not dup.is_stored and dup.pk is None and dup.name == "again"


class Loose(DirectusModel):
    """Allows what the server does not (code may be None here, not in the collection)."""

    id: int | None = None
    code: str | None = None
    name: str | None = None

    class Meta:
        collection = COLLECTION


async def test_server_validation_failure_keeps_changes(
    recorded: list[httpx.Request], admin: Directus
) -> None:
    await fresh(admin)
    obj = await Loose.objects.create(code="it", name="Italian")
    obj.code = None
    obj.name = "Italiano"
    with pytest.raises(FailedValidation) as info:
        await obj.save()
    assert info.value.code == "FAILED_VALIDATION"
    assert (obj.code, obj.name) == (None, "Italiano") and obj.get_changed_fields() == ["code", "name"]
    row = (await admin.get(f"/items/{COLLECTION}/{obj.pk}"))["data"]
    assert (row["code"], row["name"]) == ("it", "Italian")


async def test_delete_and_refresh_from_db(recorded: list[httpx.Request], admin: Directus) -> None:
    await fresh(admin)
    el = await Language.objects.create(code="el", name="Greek")
    other = await Language.objects.get(pk=el.pk)
    await admin.patch(f"/items/{COLLECTION}/{el.pk}", json={"name": "Hellenic", "speakers": 5})
    other.speakers = 99  # unsaved local change, not refreshed below
    await other.refresh_from_db(fields=["name"])
    assert (other.name, other.speakers) == ("Hellenic", 99)
    await other.refresh_from_db()
    assert (other.name, other.speakers) == ("Hellenic", 5) and other.get_changed_fields() == []
    key = el.pk
    assert await el.delete() == (1, {COLLECTION: 1})
    assert recorded[-1].method == "DELETE" and recorded[-1].url.path == f"/items/{COLLECTION}/{key}"
    assert not el.is_stored and el.pk is None  # Django clears the pk
    assert not await Language.objects.filter(pk=key).exists()
    with pytest.raises(Language.DoesNotExist):
        await other.refresh_from_db()


async def test_unknown_server_keys_are_kept_out_of_fields(
    recorded: list[httpx.Request], admin: Directus
) -> None:
    await fresh(admin)
    await admin.post(f"/items/{COLLECTION}", json={"code": "fi", "name": "Finnish", "speakers": 5})
    fi = await Slim.objects.get(code="fi")
    assert fi.model_extra == {"name": "Finnish", "speakers": 5, "status": "draft"}
    assert set(fi.model_dump()) == {"id", "code"}
    fi.code = "fin"
    recorded.clear()
    await fi.save()
    assert json.loads(recorded[0].content) == {"code": "fin"}  # extras are never sent back
    assert fi.model_extra["name"] == "Finnish"


class PublishedQuerySet(QuerySet["Article"]):
    def published(self) -> PublishedQuerySet:
        return self.filter(status="published")


class Article(DirectusModel):
    id: int | None = None
    code: str
    status: str | None = None
    objects: ClassVar[Any] = Manager.from_queryset(PublishedQuerySet)()

    class Meta:
        collection = COLLECTION
        connection = "other"


async def test_custom_manager_queryset_and_meta_connection(schema: None, directus_server: ServerInfo,
                                                           admin: Directus) -> None:
    await fresh(admin)
    await admin.post(f"/items/{COLLECTION}", json=[{"code": "a", "status": "published"}, {"code": "b"}])
    connections.configure({"other": {"url": directus_server.url, "token": directus_server.token}})
    try:
        assert [a.code for a in await Article.objects.published()] == ["a"]
        assert await Article.objects.count() == 2  # forwarded async method
        with pytest.raises(directus_orm.ImproperlyConfigured, match="'default'"):
            await Article.objects.using("default").count()
        obj = await Article.objects.get(code="b")
        obj.status = "published"
        await obj.save()  # saved on the alias it was loaded from
        assert len(await Article.objects.published()) == 2
    finally:
        await connections.aclose_all()
        connections.reset()


def test_sync_face_on_instances_and_managers(schema: None, directus_server: ServerInfo) -> None:
    connections.configure({"default": {"url": directus_server.url, "token": directus_server.token}})
    try:
        Language.objects.filter(code__startswith="sync").sync.delete()
        obj = Language.objects.sync.create(code="sync1", name="Sync")
        obj.speakers = 3
        obj.sync.save()
        assert Language.objects.sync.get(code="sync1").speakers == 3
        assert [o.code for o in Language.objects.filter(code__startswith="sync")] == ["sync1"]
        obj.sync.delete()
        assert not Language.objects.filter(code="sync1").sync.exists()
    finally:
        directus_orm.sync.run(connections.aclose_all())
        connections.reset()


# --- a system collection ---------------------------------------------------------------------------------
class User(DirectusModel):
    id: uuid.UUID | None = None
    email: str | None = None
    first_name: str | None = None
    status: str = "active"
    role: uuid.UUID | None = None

    class Meta:
        collection = "directus_users"
        ordering = ["email"]


async def test_system_collection_model(recorded: list[httpx.Request], directus_server: ServerInfo) -> None:
    me = await User.objects.get(email=directus_server.email)
    assert isinstance(me.id, uuid.UUID) and me.role is not None
    assert "password" in me.model_extra  # system fields the model does not declare are kept aside
    assert recorded[-1].url.path == "/users"
    email = "orm-system-model@example.com"  # fixed, so the recorded cassette replays (deleted below)
    user = User(email=email, first_name="Test")
    await user.save()
    assert recorded[-1].method == "POST" and recorded[-1].url.path == "/users"
    assert isinstance(user.pk, uuid.UUID) and user.status == "active"
    user.first_name = "Renamed"
    await user.save()
    assert recorded[-1].method == "PATCH" and recorded[-1].url.path == f"/users/{user.pk}"
    assert json.loads(recorded[-1].content) == {"first_name": "Renamed"}
    assert (await User.objects.get(pk=user.pk)).first_name == "Renamed"
    assert await User.objects.filter(email__in=[email, directus_server.email]).count() == 2
    assert await User.objects.filter(email=email).update(first_name="Bulk") == 1
    key = user.pk
    await user.delete()
    assert recorded[-1].method == "DELETE" and recorded[-1].url.path == f"/users/{key}"
    assert not await User.objects.filter(email=email).exists()


@pytest.mark.live_only
async def test_a_singleton_read_as_a_list_is_a_typed_error(admin: Directus) -> None:
    """Directus answers a singleton's ``/items/<c>`` with one object: a QuerySet (which reads lists) says
    so with a typed error instead of failing on the object."""
    name = "tm_singleton"
    await admin.post("/collections", json={"collection": name, "schema": {}, "meta": {"singleton": True},
                                           "fields": [{"field": "id", "type": "integer", "schema": {
                                               "is_primary_key": True, "has_auto_increment": True}},
                                               {"field": "title", "type": "string", "schema": {}}]})
    try:
        class SiteSettings(DirectusModel):
            id: int | None = None
            title: str | None = None

            class Meta:
                collection = name

        async with connections.override(admin):
            with pytest.raises(UnexpectedResponse, match="singleton"):
                await SiteSettings.objects.first()
    finally:
        await admin.delete(f"/collections/{name}")
