"""Writes tell the truth: to-many lists send what changed in them (never "replace the relation" from a
list that lacks rows), related managers, keys, deletes, fields the server lacks, refused arguments.
Every write is checked through raw REST with the admin connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

import directus_orm
from directus_orm import DeferredFieldError, Directus, DirectusModel, FieldError, Prefetch, Sum
from directus_orm.exceptions import (
    DirectusError,
    InvalidArgument,
    NotStored,
    PartialRelationError,
    SchemaMismatch,
)
from tests.support.shop import make_shop

pytestmark = pytest.mark.integration

SHOP = make_shop("wi")
CUSTOMERS, ORDERS, TAGS, ORDERS_TAGS = SHOP.customers, SHOP.orders, SHOP.tags, SHOP.junction
Customer, Tag, Order = SHOP.Customer, SHOP.Tag, SHOP.Order


# The same collections, with the foreign key declared non-nullable (Django refuses remove() then).
class StrictCustomer(DirectusModel):
    id: int | None = None
    name: str
    orders: list[StrictOrder | int] = []

    class Meta:
        collection = CUSTOMERS


class StrictOrder(DirectusModel):
    id: int | None = None
    note: str | None = None
    customer: StrictCustomer | int

    class Meta:
        collection = ORDERS


class Ghostly(DirectusModel):
    """Declares ``ghost``, which the collection does not have."""

    id: int | None = None
    name: str
    ghost: str | None = None

    class Meta:
        collection = TAGS


@pytest.fixture(scope="module")
async def schema(admin: Directus) -> AsyncIterator[None]:
    async with SHOP.schema(admin):
        yield


@pytest.fixture
async def shop(schema: None, registry: None, admin: Directus) -> AsyncIterator[dict[str, Any]]:
    """A customer with 5 orders (totals 10..50), each of the first two with tags a and b."""
    await SHOP.clear(admin)
    customer = (await admin.post(f"/items/{CUSTOMERS}", json={"name": "Ada"}))["data"]
    other = (await admin.post(f"/items/{CUSTOMERS}", json={"name": "Bob"}))["data"]
    orders = (await admin.post(f"/items/{ORDERS}", json=[
        {"note": f"o{i}", "total": i * 10, "customer": customer["id"]} for i in range(1, 6)]))["data"]
    tags = (await admin.post(f"/items/{TAGS}", json=[{"name": n} for n in "abc"]))["data"]
    for order in orders[:2]:
        await admin.post(f"/items/{ORDERS_TAGS}", json=[
            {"orders_id": order["id"], "tags_id": tag["id"]} for tag in tags[:2]])
    yield {"customer": customer["id"], "other": other["id"], "orders": sorted(o["id"] for o in orders),
           "tags": [tag["id"] for tag in tags]}


async def orders_of(admin: Directus, customer: Any) -> list[int]:
    body = await admin.get(f"/items/{ORDERS}", params={"filter": {"customer": {"_eq": customer}},
                                                       "fields": ["id"], "limit": -1, "sort": ["id"]})
    return [row["id"] for row in body["data"]]


async def row(admin: Directus, collection: str, key: Any) -> dict[str, Any] | None:
    body = await admin.get(f"/items/{collection}", params={"filter": {"id": {"_eq": key}}, "limit": 1})
    return body["data"][0] if body["data"] else None


async def tags_of(admin: Directus, order: Any) -> list[int]:
    body = await admin.get(f"/items/{ORDERS_TAGS}", params={
        "filter": {"orders_id": {"_eq": order}}, "fields": ["tags_id"], "limit": -1})
    return sorted(r["tags_id"] for r in body["data"])


async def junction_rows(admin: Directus) -> list[dict[str, Any]]:
    return list((await admin.get(f"/items/{ORDERS_TAGS}", params={"limit": -1}))["data"])


# --- item 1: a partial to-many list never detaches the rows it does not hold --------------------------
async def test_sliced_prefetch_edit_keeps_the_other_rows(shop: dict[str, Any], admin: Directus) -> None:
    c = await Customer.objects.prefetch_related(
        Prefetch("orders", queryset=Order.objects.order_by("-total")[:2])).get(pk=shop["customer"])
    assert [o.total for o in c.orders if isinstance(o, Order)] == [50, 40]
    first = c.orders[0]
    assert isinstance(first, Order)
    first.note = "edited"
    await c.save()
    assert await orders_of(admin, shop["customer"]) == shop["orders"]
    assert (await row(admin, ORDERS, first.id) or {})["note"] == "edited"
    assert first.get_changed_fields() == [] and c.get_changed_fields() == []
    assert [o.id for o in c.orders if isinstance(o, Order)] == [shop["orders"][4], shop["orders"][3]]


async def test_filtered_prefetch_append_new_row(shop: dict[str, Any], admin: Directus) -> None:
    c = await Customer.objects.prefetch_related(
        Prefetch("orders", queryset=Order.objects.filter(total__gte=40))).get(pk=shop["customer"])
    new = Order(note="new", total=99)
    c.orders.append(new)
    await c.save()
    assert new.is_stored and new.id is not None
    assert await orders_of(admin, shop["customer"]) == [*shop["orders"], new.id]
    assert (await row(admin, ORDERS, new.id) or {})["total"] == 99
    assert len(c.orders) == 3


async def test_append_a_stored_row_to_a_partial_list(shop: dict[str, Any], admin: Directus) -> None:
    body = await admin.post(f"/items/{ORDERS}", json={"note": "loose", "total": 0, "customer": shop["other"]})
    loose = body["data"]
    c = await Customer.objects.prefetch_related(
        Prefetch("orders", queryset=Order.objects.order_by("id")[:1])).get(pk=shop["customer"])
    c.orders.append(await Order.objects.get(pk=loose["id"]))
    await c.save()
    assert await orders_of(admin, shop["customer"]) == [*shop["orders"], loose["id"]]
    assert await orders_of(admin, shop["other"]) == []


async def test_remove_from_a_full_list_nulls_the_foreign_key(shop: dict[str, Any], admin: Directus) -> None:
    c = await Customer.objects.prefetch_related("orders").get(pk=shop["customer"])
    gone = c.orders.pop(1)
    assert isinstance(gone, Order)
    await c.save()
    assert await orders_of(admin, shop["customer"]) == [k for k in shop["orders"] if k != gone.id]
    assert (await row(admin, ORDERS, gone.id) or {})["customer"] is None  # still there, unlinked


async def test_remove_from_a_partial_list_touches_only_it(shop: dict[str, Any], admin: Directus) -> None:
    c = await Customer.objects.prefetch_related(
        Prefetch("orders", queryset=Order.objects.filter(total__lte=20))).get(pk=shop["customer"])
    gone = c.orders.pop(0)
    await c.save()
    assert await orders_of(admin, shop["customer"]) == shop["orders"][1:]
    assert isinstance(gone, Order) and gone.id == shop["orders"][0]


async def test_nested_create_into_unloaded_keys(shop: dict[str, Any], admin: Directus) -> None:
    c = await Customer.objects.get(pk=shop["customer"])  # orders as keys: every one of them
    assert c.orders == shop["orders"]
    c.orders.append(Order(note="nested", total=7))
    await c.save()
    rows = await orders_of(admin, shop["customer"])
    assert len(rows) == 6 and rows[:5] == shop["orders"]
    created = c.orders[-1]
    assert isinstance(created, Order) and created.id == rows[5] and created.is_stored


async def test_assigning_a_whole_list_over_a_full_one_replaces(shop: dict[str, Any], admin: Directus) -> None:
    c = await Customer.objects.get(pk=shop["customer"])
    c.orders = [shop["orders"][0], Order(note="fresh")]
    await c.save()
    rows = await orders_of(admin, shop["customer"])
    assert rows[0] == shop["orders"][0] and len(rows) == 2
    for key in shop["orders"][1:]:
        assert (await row(admin, ORDERS, key) or {})["customer"] is None


async def test_assigning_over_a_partial_list_is_refused(shop: dict[str, Any], admin: Directus) -> None:
    c = await Customer.objects.prefetch_related(
        Prefetch("orders", queryset=Order.objects.order_by("-total")[:2])).get(pk=shop["customer"])
    c.name = "Ada L."
    c.orders = [shop["orders"][0]]
    with pytest.raises(PartialRelationError, match=r"related\.orders\.set"):
        await c.save()
    assert await orders_of(admin, shop["customer"]) == shop["orders"]
    assert (await row(admin, CUSTOMERS, shop["customer"]) or {})["name"] == "Ada"  # nothing was sent
    assert set(c.get_changed_fields()) == {"name", "orders"}  # the changes are kept
    await c.related.orders.set([shop["orders"][0]])  # the explicit form
    assert await orders_of(admin, shop["customer"]) == [shop["orders"][0]]


async def test_many_to_many_through_the_junction(shop: dict[str, Any], admin: Directus) -> None:
    a, b, c_ = shop["tags"]
    order = await Order.objects.prefetch_related("tags").get(pk=shop["orders"][0])
    before = {r["id"] for r in await junction_rows(admin)}
    removed = order.tags.pop(0)  # tag a
    assert isinstance(removed, Tag) and removed.id == a
    kept = order.tags[0]
    assert isinstance(kept, Tag)
    kept.name = "b!"
    order.tags.append(c_)
    await order.save()
    assert await tags_of(admin, order.id) == [b, c_]
    assert (await row(admin, TAGS, b) or {})["name"] == "b!"
    after = await junction_rows(admin)
    # the kept link keeps its junction row; the other order's links are untouched
    assert {r["id"] for r in after} - before == {r["id"] for r in after if r["tags_id"] == c_}
    assert await tags_of(admin, shop["orders"][1]) == [a, b]
    assert not [r for r in after if r["orders_id"] is None]  # the removed link's row is deleted
    assert order.get_changed_fields() == []


async def test_many_to_many_partial_list(shop: dict[str, Any], admin: Directus) -> None:
    a, b, _ = shop["tags"]
    order = await Order.objects.prefetch_related(
        Prefetch("tags", queryset=Tag.objects.filter(name="b"))).get(pk=shop["orders"][0])
    assert [x.id for x in order.tags if isinstance(x, Tag)] == [b]
    new = Tag(name="d")
    order.tags.append(new)
    await order.save()
    assert new.is_stored
    assert await tags_of(admin, order.id) == sorted([a, b, new.id])
    with pytest.raises(PartialRelationError):
        order.tags = [a]
        await order.save()


async def test_nested_partial_list_keeps_its_other_links(shop: dict[str, Any], admin: Directus) -> None:
    a, b, _ = shop["tags"]
    only_a = Prefetch("orders__tags", queryset=Tag.objects.filter(name="a"))
    c = await Customer.objects.prefetch_related("orders", only_a).get(pk=shop["customer"])
    first = c.orders[0]
    assert isinstance(first, Order) and [x.id for x in first.tags if isinstance(x, Tag)] == [a]
    tag = first.tags[0]
    assert isinstance(tag, Tag)
    tag.name = "a!"
    first.note = "nested edit"
    await c.save()
    assert await tags_of(admin, first.id) == [a, b]  # b was never held: still linked
    assert (await row(admin, TAGS, a) or {})["name"] == "a!"
    assert (await row(admin, ORDERS, first.id) or {})["note"] == "nested edit"
    assert await orders_of(admin, shop["customer"]) == shop["orders"]
    assert c.get_changed_fields() == [] and tag.get_changed_fields() == []
    first.tags.pop(0)
    await c.save()
    assert await tags_of(admin, first.id) == [b]


async def test_related_managers_one_to_many(shop: dict[str, Any], admin: Directus) -> None:
    loose = (await admin.post(f"/items/{ORDERS}", json={"note": "loose", "total": 0}))["data"]["id"]
    c = await Customer.objects.prefetch_related("orders").get(pk=shop["customer"])
    await c.related.orders.add(loose)
    assert await orders_of(admin, shop["customer"]) == [*shop["orders"], loose]
    assert c.orders[-1] == loose and c.get_changed_fields() == []
    await c.related.orders.remove(shop["orders"][0], await Order.objects.get(pk=shop["orders"][1]))
    assert await orders_of(admin, shop["customer"]) == [*shop["orders"][2:], loose]
    assert (await row(admin, ORDERS, shop["orders"][0]) or {})["customer"] is None
    assert [o.id if isinstance(o, Order) else o for o in c.orders] == [*shop["orders"][2:], loose]
    await c.related.orders.set([shop["orders"][0], loose])
    assert await orders_of(admin, shop["customer"]) == [shop["orders"][0], loose]
    await c.related.orders.clear()
    assert await orders_of(admin, shop["customer"]) == [] and c.orders == []
    with pytest.raises(NotStored):
        await c.related.orders.add(Order(note="unsaved"))
    with pytest.raises(FieldError):
        _ = c.related.name


async def test_related_managers_many_to_many(shop: dict[str, Any], admin: Directus) -> None:
    a, b, c_ = shop["tags"]
    order = await Order.objects.get(pk=shop["orders"][0])
    await order.related.tags.add(b, c_)  # b is linked already: no second junction row
    assert await tags_of(admin, order.id) == [a, b, c_]
    await order.related.tags.remove(a)
    assert await tags_of(admin, order.id) == [b, c_]
    assert not [r for r in await junction_rows(admin) if r["orders_id"] is None]  # deleted, not orphaned
    await order.related.tags.set([a, c_])
    assert await tags_of(admin, order.id) == [a, c_]
    assert order.tags == [c_, a] or sorted(order.tags) == [a, c_]  # type: ignore[type-var]
    await order.related.tags.clear()
    assert await tags_of(admin, order.id) == []
    assert await tags_of(admin, shop["orders"][1]) == [a, b]


async def test_remove_refused_when_the_key_is_not_nullable(shop: dict[str, Any], admin: Directus) -> None:
    c = await StrictCustomer.objects.get(pk=shop["customer"])
    with pytest.raises(FieldError, match="not nullable"):
        await c.related.orders.remove(shop["orders"][0])
    assert await orders_of(admin, shop["customer"]) == shop["orders"]


# --- item 4: keys, deletes and saves tell the truth ----------------------------------------------------
async def test_a_changed_pk_writes_the_row_at_the_new_key(shop: dict[str, Any], admin: Directus) -> None:
    order = await Order.objects.get(pk=shop["orders"][0])
    old = order.id
    order.id = 900
    order.note = "copy"
    await order.save()
    assert order.id == 900 and order.is_stored and order.note == "copy"
    assert (await row(admin, ORDERS, 900) or {})["note"] == "copy"
    assert (await row(admin, ORDERS, old) or {})["note"] == "o1"  # the old row is left as it was
    # a new key that exists: that row is overwritten (Django's UPDATE-then-INSERT)
    order.id = shop["orders"][1]
    await order.save()
    assert (await row(admin, ORDERS, shop["orders"][1]) or {})["note"] == "copy"


async def test_delete_reports_only_real_deletions(shop: dict[str, Any], admin: Directus) -> None:
    order = await Order.objects.get(pk=shop["orders"][4])
    twin = await Order.objects.get(pk=shop["orders"][4])
    assert await order.delete() == (1, {ORDERS: 1})
    assert await row(admin, ORDERS, shop["orders"][4]) is None
    assert order.id is None and not order.is_stored
    assert await twin.delete() == (0, {ORDERS: 0})  # it was gone already
    with pytest.raises(NotStored):
        await order.delete()
    with pytest.raises(NotStored) as info:
        await Order(note="never saved").delete()
    assert isinstance(info.value, ValueError) and isinstance(info.value, DirectusError)
    await order.save()  # Django: a save after delete inserts a new row with a new key
    assert order.id is not None and order.id != shop["orders"][4]
    assert (await row(admin, ORDERS, order.id) or {})["note"] == "o5"


async def test_a_field_the_server_lacks_is_an_error(shop: dict[str, Any], admin: Directus) -> None:
    ghost = Ghostly(name="g", ghost="boo")
    with pytest.raises(SchemaMismatch, match=r"no field.*ghost"):
        await ghost.save()
    assert ghost.is_stored and (await row(admin, TAGS, ghost.id) or {})["name"] == "g"
    assert ghost.get_changed_fields() == ["ghost"]
    ghost.ghost, ghost.name = "again", "g2"
    with pytest.raises(SchemaMismatch):
        await ghost.save()
    assert (await row(admin, TAGS, ghost.id) or {})["name"] == "g2"
    assert ghost.get_changed_fields() == ["ghost"]  # not saved: still a change
    assert isinstance(SchemaMismatch("x"), FieldError)
    fresh = await Ghostly.objects.get(pk=ghost.id)
    with pytest.raises(DeferredFieldError, match="has no field 'ghost'"):
        _ = fresh.ghost
    with pytest.raises(SchemaMismatch, match="ghost"):
        await fresh.refresh_from_db(fields=["ghost"])


async def test_refused_arguments(shop: dict[str, Any], directus_server: Any) -> None:
    orders = await Order.objects.all()
    with pytest.raises(FieldError, match="nope"):
        await Order.objects.bulk_update(orders, ["nope"])
    with pytest.raises(FieldError, match="numeric"):
        await Order.objects.aggregate(Sum("note"))
    assert (await Order.objects.aggregate(Sum("total")))["total__sum"] == 150
    with pytest.raises(InvalidArgument) as info:
        Order.objects.iterator(chunk_size=0)
    assert isinstance(info.value, ValueError)
    with pytest.raises(InvalidArgument):
        directus_orm.configure({"default": {"url": directus_server.url, "page_size": 0}})
