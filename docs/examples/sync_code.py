"""The sync face: the whole ORM from plain synchronous code. Needs DIRECTUS_URL and DIRECTUS_TOKEN (admin):
creates its own docs_sync_* collections, and a project package `myproject` in a temporary directory."""

import contextlib
import importlib
import os
import sys
import tempfile
import textwrap
from pathlib import Path

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


# The page's myproject/models.py.
MODELS = """
from directus_orm import DirectusModel


class Language(DirectusModel):
    id: int | None = None
    code: str
    name: str | None = None
    family: str | None = None
    speakers: int | None = None

    class Meta:
        collection = "docs_sync_languages"
        ordering = ["code"]
"""


def drop_schema() -> None:
    """Drop what this example creates (before it starts, and when it ends)."""
    conn = Directus(URL, token=TOKEN)
    for name in ("docs_sync_cities", "docs_sync_languages"):
        with contextlib.suppress(APIError):
            conn.sync.delete(f"/collections/{name}")
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
    conn.sync.post("/collections", json={"collection": "docs_sync_languages", "schema": {}, "meta": {},
                                         "fields": [
        {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
        {"field": "code", "type": "string", "schema": {"is_nullable": False, "is_unique": True}},
        {"field": "name", "type": "string", "schema": {}},
        {"field": "family", "type": "string", "schema": {}},
        {"field": "speakers", "type": "bigInteger", "schema": {}},
    ]})
    conn.sync.post("/items/docs_sync_languages", json=[
        {"code": "el", "name": "Greek", "family": "Indo-European", "speakers": 13_500_000},
        {"code": "en", "name": "English", "family": "Indo-European", "speakers": 1_500_000_000},
        {"code": "fi", "name": "Finnish", "family": "Uralic", "speakers": 5_800_000},
        {"code": "et", "name": "Estonian", "family": "Uralic", "speakers": 1_100_000},
    ])
    conn.sync.aclose()


def project_script() -> None:
    """The page's script, importing its model from the project's package."""
    # isort: off
    # --8<-- [start:script]
    import os

    import directus_orm

    from myproject.models import Language

    directus_orm.configure({"default": {"url": os.environ["DIRECTUS_URL"],
                                        "token": os.environ["DIRECTUS_TOKEN"]}})

    for lang in Language.objects.filter(family="Uralic"):      # pages are fetched as you iterate
        print(lang.name)

    el = Language.objects.sync.get(code="el")
    el.speakers = 13_600_000
    el.sync.save()
    print(Language.objects.filter(speakers__gte=10**8).sync.count())
    # --8<-- [end:script]
    # isort: on


def sync_chain() -> None:
    from myproject.models import Language

    # --8<-- [start:chain]
    uralic = Language.objects.sync.filter(family="Uralic").exclude(code="fi").order_by("-speakers")
    print(uralic.count(), uralic.first())
    for lang in uralic:
        print(lang.name)
    # --8<-- [end:chain]


def typed_faces() -> None:
    from myproject.models import Language

    # --8<-- [start:faces]
    from directus_orm.sync_faces import SyncQuerySet

    def newest(languages: SyncQuerySet[Language]) -> Language | None:
        return languages.first()
    # --8<-- [end:faces]
    latest = newest(Language.objects.order_by("-id").sync)
    print("newest:", latest.code if latest else None)


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

    with tempfile.TemporaryDirectory() as project:
        package = Path(project, "myproject")
        package.mkdir()
        (package / "__init__.py").write_text("")
        (package / "models.py").write_text(textwrap.dedent(MODELS))
        sys.path.insert(0, project)
        importlib.invalidate_caches()
        try:
            project_script()
            sync_chain()
            typed_faces()
            stored = Directus(URL, token=TOKEN).sync.get("/items/docs_sync_languages",
                                                         params={"filter": {"code": {"_eq": "el"}}})
            print("el on the server:", stored["data"][0]["speakers"])
        finally:
            sys.path.remove(project)
            connections.sync.aclose_all()


if __name__ == "__main__":
    try:
        main()
    finally:
        drop_schema()
