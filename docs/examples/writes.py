"""Writes: what save() sends for to-many lists (partial ones too), related managers, a changed primary
key, delete() counts. Needs DIRECTUS_URL and DIRECTUS_TOKEN (admin): creates and drops its own
docs_writes_* collections."""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Annotated, Any

import directus_orm
from directus_orm import Directus, DirectusModel, ManyToMany, Prefetch, connections
from directus_orm.exceptions import APIError, NotStored, PartialRelationError

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]
CUSTOMERS, ORDERS, LABELS, JUNCTION = ("docs_writes_customers", "docs_writes_orders", "docs_writes_labels",
                                       "docs_writes_orders_labels")


class Customer(DirectusModel):
    id: int | None = None
    name: str
    orders: list[Order | int] = []  # one-to-many

    class Meta:
        collection = CUSTOMERS


class Label(DirectusModel):
    id: int | None = None
    name: str

    class Meta:
        collection = LABELS


class Order(DirectusModel):
    id: int | None = None
    note: str | None = None
    total: int = 0
    customer: Customer | int | None = None
    labels: Annotated[list[Label | int],  # many-to-many: removing a link deletes its junction row
                      ManyToMany(through=JUNCTION, source="orders_id", target="labels_id")] = []

    class Meta:
        collection = ORDERS
        ordering = ["id"]


async def drop(conn: Directus) -> None:
    for name in (JUNCTION, ORDERS, LABELS, CUSTOMERS):
        with contextlib.suppress(APIError):
            await conn.delete(f"/collections/{name}")


async def create_schema(conn: Directus) -> None:
    await drop(conn)
    pk = {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}}

    def field(name: str, type_: str) -> dict[str, Any]:
        return {"field": name, "type": type_, "schema": {}, "meta": {}}

    async def collection(name: str, *fields: dict[str, Any]) -> None:
        await conn.post("/collections",
                        json={"collection": name, "schema": {}, "meta": {}, "fields": [pk, *fields]})

    await collection(CUSTOMERS, field("name", "string"))
    await collection(LABELS, field("name", "string"))
    await collection(ORDERS, field("note", "string"), field("total", "integer"), field("customer", "integer"))
    await collection(JUNCTION, field("orders_id", "integer"), field("labels_id", "integer"))
    def alias(name: str, special: str) -> dict[str, Any]:
        return {"field": name, "type": "alias", "meta": {"special": [special]}}

    def relation(many: str, fk: str, one: str, **meta: Any) -> dict[str, Any]:
        return {"collection": many, "field": fk, "related_collection": one, "meta": meta}

    await conn.post(f"/fields/{CUSTOMERS}", json=alias("orders", "o2m"))
    await conn.post(f"/fields/{ORDERS}", json=alias("labels", "m2m"))
    await conn.post("/relations", json=relation(ORDERS, "customer", CUSTOMERS, one_field="orders"))
    await conn.post("/relations", json=relation(JUNCTION, "orders_id", ORDERS, one_field="labels",
                                                junction_field="labels_id"))
    await conn.post("/relations", json=relation(JUNCTION, "labels_id", LABELS, one_field=None,
                                                junction_field="orders_id"))

async def customer_of_each_order(conn: Directus) -> dict[int, Any]:
    rows = (await conn.get(f"/items/{ORDERS}", params={"fields": ["id", "customer"], "limit": -1}))["data"]
    return {r["id"]: r["customer"] for r in rows}


async def main() -> None:
    async with Directus(URL, token=TOKEN) as admin:
        await create_schema(admin)
        directus_orm.configure({"default": {"url": URL, "token": TOKEN}})
        try:
            await tour(admin)
        finally:
            await connections.aclose_all()
            await drop(admin)


async def tour(admin: Directus) -> None:
    ada = Customer(name="Ada", orders=[Order(note=f"o{i}", total=i * 10) for i in range(1, 6)])
    await ada.save()  # a new row: one POST, Directus creates the five orders with it
    print("created customer", ada.id, "with orders", [o.id for o in ada.orders if isinstance(o, Order)])

    # A sliced Prefetch loads two of the five orders; editing one sends only that edit.
    top = Prefetch("orders", queryset=Order.objects.order_by("-total")[:2])
    c = await Customer.objects.prefetch_related(top).get(pk=ada.id)
    biggest = c.orders[0]
    assert isinstance(biggest, Order)
    biggest.note = "edited"
    c.orders.append(Order(note="new one", total=1))  # created, linked to Ada
    await c.save()
    print("after editing a partial list, each order's customer:", await customer_of_each_order(admin))

    # Assigning a whole list over a partial one is refused: which of the others should stay?
    c.orders = [biggest]
    try:
        await c.save()
    except PartialRelationError as exc:
        print("refused:", str(exc).split(":")[0])
    await c.related.orders.set([biggest])  # explicit: the relation is exactly this list
    print("after related.orders.set([...]):", await customer_of_each_order(admin))

    # Related managers write at once, as Django's do.
    first = await Order.objects.order_by("id").first()
    assert first is not None
    await c.related.orders.add(first)
    await c.related.orders.remove(biggest)  # its foreign key becomes NULL (the row stays)
    print("after add/remove:", await customer_of_each_order(admin))

    # Many-to-many: removing from the loaded list deletes the junction row, nothing else.
    red, blue = Label(name="red"), Label(name="blue")
    first.labels = [red, blue]
    await first.save()
    first.labels.remove(red)
    await first.save()
    links = (await admin.get(f"/items/{JUNCTION}", params={"limit": -1}))["data"]
    print("junction rows after removing red:", [(r["orders_id"], r["labels_id"]) for r in links])

    # A changed primary key writes the row at the new key (Django); the old row stays.
    copy = await Order.objects.get(pk=first.id)
    copy.id, copy.note = 500, "copy of the first order"
    await copy.save()
    print("rows 500 and", first.id, "exist:",
          await Order.objects.filter(id__in=[500, first.id]).count() == 2)

    # delete() reports what happened; the instance loses its key, as in Django.
    twin = await Order.objects.get(pk=500)
    print("delete:", await copy.delete(), "| again through a stale copy:", await twin.delete())
    print("pk after delete:", copy.id)
    try:
        await Order(note="never saved").delete()
    except NotStored as exc:
        print("refused:", exc)


if __name__ == "__main__":
    asyncio.run(main())
