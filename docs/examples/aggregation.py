"""Aggregation and projection: aggregate(), values() / values_list(), grouping, annotate(Count(...)),
date parts, dynamic variables, distinct(), with_meta(). Needs DIRECTUS_URL and DIRECTUS_TOKEN (admin):
creates its own docs_agg_* collections."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import os
from decimal import Decimal
from typing import Any

import directus_orm
from directus_orm import Avg, Count, Directus, DirectusModel, Max, Min, Now, Sum, connections
from directus_orm.exceptions import APIError

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]


class Country(DirectusModel):
    id: int | None = None
    name: str
    languages: list[Language | int] = []

    class Meta:
        collection = "docs_agg_countries"


class Language(DirectusModel):
    id: int | None = None
    name: str
    family: str | None = None
    speakers: int | None = None
    share: Decimal | None = None
    documented: datetime.date | None = None
    country: Country | int | None = None

    class Meta:
        collection = "docs_agg_languages"
        ordering = ["name"]


async def drop_schema(conn: Directus) -> None:
    """Drop what this example creates (before it starts, and when it ends)."""
    for name in ("docs_agg_languages", "docs_agg_countries"):
        with contextlib.suppress(APIError):
            await conn.delete(f"/collections/{name}")


async def create_schema(conn: Directus) -> None:
    await drop_schema(conn)
    pk = {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}}

    def field(name: str, type_: str, **schema: Any) -> dict[str, Any]:
        return {"field": name, "type": type_, "schema": schema, "meta": {}}

    await conn.post("/collections", json={"collection": "docs_agg_countries", "schema": {}, "meta": {},
                                          "fields": [pk, field("name", "string")]})
    await conn.post("/collections", json={
        "collection": "docs_agg_languages", "schema": {}, "meta": {}, "fields": [
        pk, field("name", "string"), field("family", "string"), field("speakers", "bigInteger"),
        field("share", "decimal", numeric_precision=10, numeric_scale=2), field("documented", "date"),
        field("country", "integer")]})
    await conn.post("/fields/docs_agg_countries",
                    json={"field": "languages", "type": "alias", "meta": {"special": ["o2m"]}})
    await conn.post("/relations", json={"collection": "docs_agg_languages", "field": "country",
                                        "related_collection": "docs_agg_countries",
                                        "meta": {"one_field": "languages"}})


async def main() -> None:
    async with Directus(URL, token=TOKEN) as admin:
        await create_schema(admin)
    directus_orm.configure({"default": {"url": URL, "token": TOKEN}})
    fi, gr, es = await Country.objects.bulk_create([Country(name="Finland"), Country(name="Greece"),
                                                    Country(name="Spain")])
    await Language.objects.bulk_create([
        Language(name="Finnish", family="Uralic", speakers=5_800_000, share=Decimal("86.90"),
                 documented=datetime.date(1543, 1, 1), country=fi.id),
        Language(name="Swedish", family="Indo-European", speakers=290_000, share=Decimal("5.20"),
                 documented=datetime.date(1526, 6, 1), country=fi.id),
        Language(name="Greek", family="Indo-European", speakers=13_000_000, share=Decimal("99.00"),
                 documented=datetime.date(1450, 3, 1), country=gr.id),
        Language(name="Basque", family=None, speakers=750_000, share=Decimal("1.60"),
                 documented=datetime.date(1545, 9, 1), country=es.id),
        Language(name="Sami", family="Uralic", speakers=None, share=None, documented=None, country=fi.id),
    ])

    # aggregate(): Django's result names (or yours); numbers as numbers (Decimal for decimal fields).
    print(await Language.objects.aggregate(Sum("speakers"), Avg("share"), Max("documented"),
                                           Count("family", distinct=True), n=Count("*")))
    uralic = Language.objects.filter(family="Uralic")
    print(await uralic.aggregate(total=Sum("speakers"), fewest=Min("speakers")))

    # values() / values_list() with relation paths and date parts.
    print(await Language.objects.values("name", "country__name", "documented__year")[:2])
    print(await Language.objects.values_list("name", flat=True))
    print(await Country.objects.values_list("name", "languages__name", named=True)[:3])

    # Grouping: values(...).annotate(...) -> groupBy + aggregate.
    for row in await Language.objects.values("family").annotate(n=Count("id"), total=Sum("speakers")):
        print("  family", row)

    # annotate() on rows: count related rows (Directus count(languages)); filter and order by it.
    for c in await Country.objects.annotate(n=Count("languages")).filter(n__gte=1).order_by("-n", "name"):
        print(f"  {c.name}: {c.n} language(s)")

    # Date parts and dynamic variables.
    print("documented in the 1540s:",
          await Language.objects.filter(documented__year__range=(1540, 1549)).values_list("name", flat=True))
    print("documented before a year ago ($NOW(-1 year)):",
          await Language.objects.filter(documented__lt=Now("-1 year")).count())

    # distinct() and with_meta() for pagination.
    families = Language.objects.exclude(family=None).values_list("family", flat=True).distinct()
    print("families:", await families)
    page = await Language.objects.filter(speakers__gt=500_000)[0:2].with_meta()
    print(f"page of {len(page)}: {[x.name for x in page]},",
          f"{page.filter_count} matching of {page.total_count}")
    await connections.aclose_all()


async def run() -> None:
    try:
        await main()
    finally:
        async with Directus(URL, token=TOKEN) as admin:
            await drop_schema(admin)


if __name__ == "__main__":
    asyncio.run(run())
