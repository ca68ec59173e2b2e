"""A write is done only when the server says so: saves and related managers on a row someone else
deleted (Directus answers 204 as for a row it cannot show), answers without ``data``, a key change
after a nested create, fields the server lacks in bulk writes, repeated many-to-many keys, keys too
long for a URL. Every write is checked through raw REST with the admin connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from directus_orm import Directus, DirectusModel, collection, connections
from directus_orm.exceptions import (
    InvalidForeignKey,
    NotStored,
    SchemaMismatch,
    UnexpectedResponse,
    ValueTooLong,
)
from tests.conftest import ServerInfo, create_collection, create_user
from tests.support import server_database
from tests.support.fault_proxy import FaultProxy
from tests.support.roles import drop_role, make_role
from tests.support.schema import plain_field
from tests.support.shop import make_shop, rows

pytestmark = pytest.mark.integration

SHOP = make_shop("wf")
CUSTOMERS, ORDERS, TAGS, ORDERS_TAGS = SHOP.customers, SHOP.orders, SHOP.tags, SHOP.junction
Customer, Tag, Order = SHOP.Customer, SHOP.Tag, SHOP.Order
CODES = "wf_codes"


class Cust2(DirectusModel):
    """Declares ``vip``, which the collection does not have."""

    id: int | None = None
    name: str
    vip: bool | None = None

    class Meta:
        collection = CUSTOMERS


class Code(DirectusModel):
    code: str
    v: str | None = None

    class Meta:
        collection = CODES
        pk = "code"


@pytest.fixture(scope="module")
async def schema(admin: Directus) -> AsyncIterator[None]:
    async with SHOP.schema(admin, CODES):
        # No activity rows: directus_activity.item is varchar(255), so PostgreSQL refuses (VALUE_TOO_LONG)
        # any write of a longer key to a collection with accountability on.
        # MariaDB cannot key a table by a TEXT column: the longest key it takes is varchar(768) (3072
        # bytes of utf8mb4, InnoDB's limit).
        pk = ({"type": "string", "schema": {"is_primary_key": True, "max_length": 768}}
              if server_database() == "mariadb" else {"type": "text", "schema": {"is_primary_key": True}})
        await create_collection(admin, CODES, [plain_field("v", "string")],
                                pk={"field": "code", **pk, "meta": {}}, meta={"accountability": None})
        yield


@pytest.fixture
async def clean(schema: None, registry: None, admin: Directus) -> None:
    await SHOP.clear(admin, CODES)


# --- a row someone else deleted ------------------------------------------------------------------------
async def test_save_of_a_deleted_row_inserts_it_again(clean: None, admin: Directus) -> None:
    created = (await admin.post(f"/items/{CUSTOMERS}", json={"name": "Ann"}))["data"]
    ann = await Customer.objects.get(pk=created["id"])
    await admin.delete(f"/items/{CUSTOMERS}/{created['id']}")
    ann.name = "Ann 2"
    await ann.save()  # Django: an UPDATE touching no row falls back to INSERT, of the whole row
    assert ann.is_stored and not ann.get_changed_fields()
    assert await rows(admin, CUSTOMERS) == [{"id": created["id"], "name": "Ann 2", "orders": []}]


async def test_a_role_that_reads_saves_a_deleted_row_again(
    clean: None, admin: Directus, directus_server: ServerInfo
) -> None:
    """Such a role gets 403 for the PATCH of a missing row (Directus's permission check reads it)."""
    role = await make_role(admin, "wf role", [{"collection": CUSTOMERS, "action": action}
                                              for action in ("create", "read", "update")])
    user = None
    try:
        user = await create_user(admin, "wf-user@example.com", "wf-user-password-1", role=role.id)
        connections.configure({"default": {"url": directus_server.url, "email": "wf-user@example.com",
                                           "password": "wf-user-password-1"}})
        created = (await admin.post(f"/items/{CUSTOMERS}", json={"name": "Ann"}))["data"]
        ann = await Customer.objects.get(pk=created["id"])
        assert ann.deferred_fields == {"orders"}  # the role may not read orders: the list is not loaded
        await admin.delete(f"/items/{CUSTOMERS}/{created['id']}")
        ann.name = "Ann 2"
        await ann.save()  # a to-many list not loaded is other rows' keys: the row is inserted again
        assert [(r["id"], r["name"]) for r in await rows(admin, CUSTOMERS)] == [(created["id"], "Ann 2")]
    finally:
        await connections.aclose_all()
        if user is not None:
            await admin.delete(f"/users/{user['id']}")
        await drop_role(admin, role)


async def test_save_with_update_fields_of_a_deleted_row_fails(clean: None, admin: Directus) -> None:
    created = (await admin.post(f"/items/{CUSTOMERS}", json={"name": "Ann"}))["data"]
    ann = await Customer.objects.get(pk=created["id"])
    await admin.delete(f"/items/{CUSTOMERS}/{created['id']}")
    ann.name = "Ann 2"
    with pytest.raises(NotStored, match="did not affect any rows"):
        await ann.save(update_fields=["name"])
    assert ann.get_changed_fields() == ["name"]  # not saved: still a change
    assert await rows(admin, CUSTOMERS) == []


async def test_save_of_a_deleted_row_loaded_in_part_is_refused(clean: None, admin: Directus) -> None:
    created = (await admin.post(f"/items/{ORDERS}", json={"note": "n"}))["data"]
    order = await Order.objects.only("id", "note").get(pk=created["id"])
    await admin.delete(f"/items/{ORDERS}/{created['id']}")
    order.note = "edited"
    with pytest.raises(NotStored, match="only\\(\\)/defer\\(\\)"):
        await order.save()
    assert order.get_changed_fields() == ["note"]
    assert await rows(admin, ORDERS) == []


async def test_related_manager_of_a_deleted_owner_fails(clean: None, admin: Directus) -> None:
    created = (await admin.post(f"/items/{CUSTOMERS}", json={"name": "Ann"}))["data"]
    order = (await admin.post(f"/items/{ORDERS}", json={"note": "n", "customer": created["id"]}))["data"]
    ann = await Customer.objects.get(pk=created["id"])
    await admin.delete(f"/items/{CUSTOMERS}/{created['id']}")
    with pytest.raises(NotStored, match="no longer exists"):
        await ann.related.orders.remove(order["id"])
    assert ann.orders == [order["id"]]  # the local list is left as it was
    with pytest.raises(InvalidForeignKey):  # the database refuses a link to a missing row
        await ann.related.orders.add(order["id"])
    assert (await rows(admin, ORDERS))[0]["customer"] is None


async def test_bulk_update_counts_only_rows_that_exist(clean: None, admin: Directus) -> None:
    made = (await admin.post(f"/items/{CUSTOMERS}", json=[{"name": "a"}, {"name": "b"}]))["data"]
    a, b = await Customer.objects.order_by("id")
    await admin.delete(f"/items/{CUSTOMERS}/{made[1]['id']}")
    a.name, b.name = "a2", "b2"
    assert await Customer.objects.bulk_update([a, b], ["name"]) == 1
    assert not a.get_changed_fields() and b.get_changed_fields() == ["name"]
    assert await rows(admin, CUSTOMERS) == [{"id": made[0]["id"], "name": "a2", "orders": []}]


async def test_a_dict_row_update_of_a_deleted_row_fails(clean: None, admin: Directus) -> None:
    created = (await admin.post(f"/items/{CUSTOMERS}", json={"name": "Ann"}))["data"]
    customers = collection(CUSTOMERS)
    await admin.delete(f"/items/{CUSTOMERS}/{created['id']}")
    with pytest.raises(NotStored):  # what update_or_create() does with a row deleted after its read
        await customers._adapter.update(created, {"name": "x"}, "default")
    assert await rows(admin, CUSTOMERS) == []


# --- answers without data ------------------------------------------------------------------------------
@pytest.mark.live_only
async def test_answers_without_data_raise(clean: None, directus_server: ServerInfo, admin: Directus) -> None:
    created = (await admin.post(f"/items/{CUSTOMERS}", json={"name": "Ann"}))["data"]
    async with FaultProxy(directus_server.url) as proxy:
        connections.configure({"default": {"url": proxy.url, "token": directus_server.token}})
        ann = await Customer.objects.get(pk=created["id"])
        ann.name = "Ann 2"
        fake: dict[str, Any] = {"headers": {"Content-Type": "application/json"}, "body": b'{"foo": 1}'}
        proxy.add("fake", lambda r: r.method == "PATCH", **fake)
        with pytest.raises(UnexpectedResponse, match="without"):
            await ann.save()
        assert ann.get_changed_fields() == ["name"]
        proxy.add("fake", lambda r: r.method == "GET" and r.path.endswith(CUSTOMERS), **fake)
        with pytest.raises(UnexpectedResponse):
            await Customer.objects.all()
    assert await rows(admin, CUSTOMERS) == [{"id": created["id"], "name": "Ann", "orders": []}]


# --- a key change after a nested create ----------------------------------------------------------------
async def test_a_new_key_reads_the_to_many_lists_of_the_new_row(clean: None, admin: Directus) -> None:
    ann = Customer(name="Ann", orders=[Order(note="ann's order")])
    await ann.save()
    old, (order,) = ann.id, ann.orders
    assert isinstance(order, Order)
    ann.id = 900
    await ann.save()
    assert ann.orders == []  # the new row has no orders
    ann.name = "Ann 900"
    await ann.save()
    assert [r["customer"] for r in await rows(admin, ORDERS)] == [old]  # the order stays with the old row
    assert (await rows(admin, CUSTOMERS, id=900))[0]["name"] == "Ann 900"


# --- fields the server lacks in bulk writes ------------------------------------------------------------
async def test_bulk_writes_of_a_field_the_server_lacks_raise(clean: None, admin: Directus) -> None:
    await admin.post(f"/items/{CUSTOMERS}", json=[{"name": "a"}, {"name": "b"}])
    with pytest.raises(SchemaMismatch, match="vip"):
        await Cust2.objects.update(vip=True)
    objs = await Cust2.objects.only("id", "name").order_by("id")
    for obj in objs:
        obj.vip, obj.name = True, obj.name + "2"
    with pytest.raises(SchemaMismatch, match="vip"):
        await Cust2.objects.bulk_update(objs, ["vip", "name"])
    assert [r["name"] for r in await rows(admin, CUSTOMERS)] == ["a2", "b2"]  # the others were written
    bc = Cust2(name="BC", vip=True)
    with pytest.raises(SchemaMismatch, match="vip"):
        await Cust2.objects.bulk_create([bc])
    assert bc.is_stored and bc.get_changed_fields() == ["vip"]  # stored, and vip is not
    assert await Cust2.objects.update(name="z") == 3  # fields it has: no extra request, no error


# --- repeated many-to-many keys ------------------------------------------------------------------------
async def test_repeated_many_to_many_keys_make_one_link(clean: None, admin: Directus) -> None:
    tag = (await admin.post(f"/items/{TAGS}", json={"name": "t"}))["data"]
    other = (await admin.post(f"/items/{TAGS}", json={"name": "u"}))["data"]
    order = Order(note="D", tags=[tag["id"], tag["id"]])
    await order.save()
    assert len(await rows(admin, ORDERS_TAGS, orders_id=order.id)) == 1
    order.tags = [*order.tags, other["id"], other["id"]]
    await order.save()
    assert sorted(r["tags_id"] for r in await rows(admin, ORDERS_TAGS, orders_id=order.id)) == sorted(
        [tag["id"], other["id"]])


# --- keys too long for a URL -----------------------------------------------------------------------------
async def test_instance_writes_by_a_long_key(clean: None, admin: Directus) -> None:
    # Past MAX_KEY_IN_PATH once URL-quoted; within MariaDB's varchar(768) key there.
    key = "é" * 700 if server_database() == "mariadb" else "k" * 3000
    obj = Code(code=key, v="a")
    await obj.save()
    obj.v = "b"
    await obj.save()
    assert [(r["code"], r["v"]) for r in await rows(admin, CODES)] == [(key, "b")]
    fresh = await Code.objects.get(pk=key)
    await admin.delete(f"/items/{CODES}", json=[key])
    fresh.v = "c"
    await fresh.save()  # gone: inserted again
    assert [(r["code"], r["v"]) for r in await rows(admin, CODES)] == [(key, "c")]
    assert await fresh.delete() == (1, {CODES: 1})
    assert await rows(admin, CODES) == []


async def test_a_key_longer_than_the_activity_log_takes(clean: None, admin: Directus) -> None:
    """With accountability on, Directus logs each write's key in directus_activity.item (varchar(255)):
    PostgreSQL and MariaDB refuse a longer key, and the write is rolled back with it; SQLite stores both."""
    await admin.patch(f"/collections/{CODES}", json={"meta": {"accountability": "all"}})
    try:
        obj = Code(code="k" * 300, v="a")
        if server_database() == "sqlite":
            await obj.save()
            assert [r["v"] for r in await rows(admin, CODES)] == ["a"]
        else:
            with pytest.raises(ValueTooLong):
                await obj.save()
            assert await rows(admin, CODES) == [] and obj.v == "a"
    finally:
        await admin.patch(f"/collections/{CODES}", json={"meta": {"accountability": None}})
        await admin.request("DELETE", f"/items/{CODES}", json={"query": {"limit": -1}})
