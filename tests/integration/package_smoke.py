"""Run by test_package_install.py inside a fresh virtualenv that holds only the built wheel (and, per
SMOKE_EXTRA, one extra): the public API end to end against the local Directus, and a clear error for a
missing extra. Prints "smoke ok" when everything held."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import uuid

import directus_orm
from directus_orm import Count, Directus, DirectusModel, Q, Sum
from directus_orm.exceptions import DirectusError

URL, TOKEN, EXTRA = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"], os.environ["SMOKE_EXTRA"]
COLLECTION = f"smoke_{uuid.uuid4().hex[:8]}"


class Part(DirectusModel):
    id: int | None = None
    name: str
    price: int = 0

    class Meta:
        collection = COLLECTION


async def core() -> None:
    await Part.objects.bulk_create([Part(name="bolt", price=2), Part(name="nut", price=1),
                                    Part(name="gear", price=10)])
    cheap = [p.name async for p in Part.objects.filter(Q(price__lt=5) | Q(name="gear")).order_by("price")]
    assert cheap == ["nut", "bolt", "gear"], cheap
    assert await Part.objects.aggregate(total=Sum("price"), n=Count("id")) == {"total": 13, "n": 3}
    gear = await Part.objects.get(name="gear")
    gear.price = 12
    await gear.save()
    assert (await Part.objects.get(pk=gear.pk)).price == 12


async def fastapi_extra() -> None:
    if EXTRA != "fastapi":
        try:
            import directus_orm.contrib.fastapi  # noqa: F401
        except ImportError as exc:
            assert "directus-orm[fastapi]" in str(exc), exc
            return
        raise AssertionError("contrib.fastapi imported without FastAPI installed")
    import httpx
    from fastapi import FastAPI

    from directus_orm.contrib.fastapi import DirectusDependency, DirectusRouter

    directus = DirectusDependency()
    app = FastAPI(lifespan=directus.lifespan)
    app.include_router(DirectusRouter(Part, directus=directus))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://smoke") as http:
        answer = await http.get(f"/{COLLECTION}", headers={"Authorization": f"Bearer {TOKEN}"},
                                params={"sort": "name", "fields": "name"})
        assert answer.status_code == 200, answer.text
        assert [r["name"] for r in answer.json()["results"]] == ["bolt", "gear", "nut"]


async def realtime_extra() -> None:
    if EXTRA not in ("realtime", "relay"):  # the relay extra brings websockets too
        assert importlib.util.find_spec("websockets") is None
        try:
            async with Part.objects.all().subscribe():
                pass
        except DirectusError as exc:
            assert "directus-orm[realtime]" in str(exc), exc
            return
        raise AssertionError("subscribe() worked without websockets installed")
    async with Part.objects.filter(name="washer").subscribe() as sub:
        events = aiter(sub)
        first = await asyncio.wait_for(anext(events), 30)   # the initial state
        assert first.type == "init", first
        await Part.objects.create(name="washer", price=1)
        created = await asyncio.wait_for(anext(events), 30)
        assert created.type == "create" and created.instances[0].name == "washer", created


async def relay_extra() -> None:
    if EXTRA != "relay":
        try:
            import directus_orm.contrib.relay  # noqa: F401
        except ImportError as exc:
            assert "directus-orm[relay]" in str(exc), exc
            return
        if EXTRA == "fastapi":  # FastAPI brings starlette and uvicorn is not there: still refused above
            raise AssertionError("contrib.relay imported without uvicorn")
        raise AssertionError("contrib.relay imported without its extra")
    import httpx

    from directus_orm.contrib.relay import Relay, RelayConfig

    relay = Relay(RelayConfig(url=URL, collections={COLLECTION: ["id", "name"]}))
    transport = httpx.ASGITransport(app=relay.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://smoke") as http:
        metrics = await http.get("/metrics")
        assert metrics.status_code == 200 and "directus_relay_clients" in metrics.text, metrics.text
    await relay.aclose()


async def main() -> None:
    directus_orm.configure({"default": {"url": URL, "token": TOKEN}})
    async with Directus(URL, token=TOKEN) as admin:
        await admin.post("/collections", json={"collection": COLLECTION, "schema": {}, "meta": {}, "fields": [
            {"field": "id", "type": "integer",
             "schema": {"is_primary_key": True, "has_auto_increment": True}},
            {"field": "name", "type": "string", "schema": {}},
            {"field": "price", "type": "integer", "schema": {"default_value": 0}},
        ]})
        try:
            await core()
            await fastapi_extra()
            await realtime_extra()
            await relay_extra()
        finally:
            await admin.delete(f"/collections/{COLLECTION}")
    await directus_orm.connections.aclose_all()
    print("smoke ok", directus_orm.__version__, EXTRA or "plain")


if __name__ == "__main__":
    asyncio.run(main())
