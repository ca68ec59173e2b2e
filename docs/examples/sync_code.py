"""The sync face: the whole ORM from plain synchronous code. Needs DIRECTUS_URL and DIRECTUS_TOKEN."""

import contextlib
import os

import directus_orm
from directus_orm import Directus, DirectusModel, connections
from directus_orm.exceptions import APIError

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]


class City(DirectusModel):
    id: int | None = None
    name: str
    population: int | None = None

    class Meta:
        collection = "docs_sync_cities"
        ordering = ["name"]


def drop_schema() -> None:
    """Drop what this example creates (before it starts, and when it ends)."""
    conn = Directus(URL, token=TOKEN)
    with contextlib.suppress(APIError):
        conn.sync.delete("/collections/docs_sync_cities")
    conn.sync.aclose()


def create_schema() -> None:
    drop_schema()
    conn = Directus(URL, token=TOKEN)
    conn.sync.post("/collections", json={"collection": "docs_sync_cities", "schema": {}, "meta": {},
                                         "fields": [
        {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
        {"field": "name", "type": "string", "schema": {"is_nullable": False}},
        {"field": "population", "type": "integer", "schema": {}},
    ]})
    conn.sync.aclose()


def main() -> None:
    create_schema()
    directus_orm.configure({"default": {"url": URL, "token": TOKEN}})

    City.objects.sync.bulk_create([City(name="Athens", population=664_046),
                                   City(name="Helsinki", population=674_963),
                                   City(name="Tampere", population=255_050)])
    for city in City.objects.filter(population__gte=500_000):       # plain iteration
        print("big city:", city.name)
    for city in City.objects.order_by("name").iterator(chunk_size=2):  # 2 rows per request
        print("city:", city.name)

    tampere = City.objects.sync.get(name="Tampere")
    tampere.population = 260_000
    tampere.sync.save()                                              # PATCH {"population": 260000}
    now = City.objects.sync.get(name="Tampere").population
    print("cities:", City.objects.sync.count(), "| Tampere now", now)
    # A chain begun on the sync face stays sync: no .sync before each terminal call.
    small = City.objects.sync.filter(population__lt=500_000).order_by("-population")
    print("small cities:", small.count(), [city.name for city in small])
    connections.sync.aclose_all()


if __name__ == "__main__":
    try:
        main()
    finally:
        drop_schema()
