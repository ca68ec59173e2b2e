"""A whole scenario, entirely in sync code against the real server: configure, filter, create, save,
delete, aggregate, iterate; then the socket and thread checks through the model layer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from urllib.parse import urlparse

import httpx
import pytest

import directus_orm
from directus_orm import DirectusModel, connections
from directus_orm.exceptions import InvalidUsage
from directus_orm.sync import SyncUsageError, run
from tests.conftest import ServerInfo, create_collection
from tests.integration.test_sync_face import open_sockets_to, socket_inodes_to

pytestmark = [pytest.mark.integration, pytest.mark.live_only]  # threads and socket counts


class SyncLang(DirectusModel):
    id: int | None = None
    code: str
    name: str | None = None
    speakers: int | None = None

    class Meta:
        collection = "sync_languages"
        ordering = ["code"]


SEED = [("en", "English", 1500), ("el", "Greek", 13), ("fi", "Finnish", 5), ("fr", "French", 310)]


@pytest.fixture(scope="module")
def schema(directus_server: ServerInfo) -> Iterator[None]:
    async def build() -> None:
        async with directus_orm.Directus(directus_server.url, token=directus_server.token) as conn:
            await create_collection(conn, "sync_languages", [
                {"field": "code", "type": "string", "schema": {"is_unique": True, "is_nullable": False}},
                {"field": "name", "type": "string", "schema": {}},
                {"field": "speakers", "type": "integer", "schema": {}},
            ])
            await conn.post("/items/sync_languages",
                            json=[{"code": c, "name": n, "speakers": s} for c, n, s in SEED])

    run(build())
    yield


@pytest.fixture
def configured(schema: None, directus_server: ServerInfo) -> Iterator[None]:
    directus_orm.configure({"default": {"url": directus_server.url, "token": directus_server.token}})
    yield
    run(connections.aclose_all())
    connections.reset()


def test_indexing_in_sync_code(configured: None) -> None:
    """``qs.sync[n]`` is ``await qs[n]`` (one row), ``qs.sync[a:b]`` is ``await qs[a:b]`` (a list)."""
    qs = SyncLang.objects.all()
    assert qs.sync[1].code == "en"
    assert [x.code for x in qs.sync[1:3]] == ["en", "fi"]
    assert [x.code for x in SyncLang.objects.filter(code__startswith="f").sync[:5]] == ["fi", "fr"]
    with pytest.raises(IndexError, match="out of range"):
        qs.sync[len(SEED) + 10]
    assert qs[1:3].sync.count() == 2  # a slice stays lazy outside .sync


def test_a_chain_begun_on_the_sync_face_stays_sync(configured: None, directus_server: ServerInfo) -> None:
    """``Model.objects.sync.filter(...)`` is the QuerySet's sync face: every step of its chain returns
    one, its terminal calls block and answer (never a coroutine), plain ``for`` iterates it."""
    chain = SyncLang.objects.sync.filter(speakers__gte=10).exclude(code="en").order_by("-speakers")
    assert chain.count() == 2
    assert [lang.code for lang in chain] == ["fr", "el"]
    assert chain.first().code == "fr"  # type: ignore[union-attr]
    assert chain.exists() is True
    assert [lang.code for lang in chain[:1]] == ["fr"]
    assert chain[1].code == "el"
    assert chain.values_list("code", flat=True).first() == "fr"
    assert SyncLang.objects.sync.all().count() == len(SEED)
    assert SyncLang.objects.sync.none().count() == 0
    codes = SyncLang.objects.sync.values("code").filter(code__startswith="f")
    assert [x["code"] for x in codes] == ["fi", "fr"]
    assert SyncLang.objects.filter(code="el").sync.exclude(code="fi").get().name == "Greek"  # the older form
    with pytest.raises(InvalidUsage, match="no truth value"):  # as the QuerySet: not a silent True
        bool(SyncLang.objects.sync.filter(code="el"))
    # A write through the chain: Directus holds exactly the change.
    assert SyncLang.objects.sync.filter(code="el").exclude(code="en").update(speakers=14) == 1
    try:
        raw = httpx.get(f"{directus_server.url}/items/sync_languages", params={"filter[code][_eq]": "el"},
                        headers={"Authorization": f"Bearer {directus_server.token}"}).json()["data"]
        assert [(row["code"], row["name"], row["speakers"]) for row in raw] == [("el", "Greek", 14)]
    finally:
        SyncLang.objects.filter(code="el").sync.update(speakers=13)


def test_whole_scenario_in_sync_code(configured: None) -> None:
    # filter + plain iteration
    names = [lang.name for lang in SyncLang.objects.filter(code__startswith="f")]
    assert names == ["Finnish", "French"]
    everything = list(SyncLang.objects.all())
    assert [x.code for x in everything] == ["el", "en", "fi", "fr"]  # Meta.ordering
    # create, save, get
    latin = SyncLang.objects.sync.create(code="la", name="Latin")
    assert latin.pk is not None
    latin.speakers = 0
    latin.sync.save()
    assert SyncLang.objects.sync.get(code="la").speakers == 0
    # aggregate (count goes through Directus's aggregate)
    assert SyncLang.objects.sync.count() == len(SEED) + 1
    assert SyncLang.objects.filter(speakers__gte=100).sync.count() == 2
    # update by query, exists, delete
    assert SyncLang.objects.filter(code="la").sync.update(name="Lingua Latina") == 1
    assert SyncLang.objects.filter(name="Lingua Latina").sync.exists()
    latin.sync.refresh_from_db()
    assert latin.name == "Lingua Latina"
    latin.sync.delete()
    assert not SyncLang.objects.filter(code="la").sync.exists()
    # slicing, first/last from sync code
    assert [x.code for x in SyncLang.objects.order_by("-speakers")[1:3]] == ["fr", "el"]
    first = SyncLang.objects.order_by("speakers").sync.first()
    assert first is not None and first.code == "fi"


def test_sync_iteration_streams_pages(configured: None) -> None:
    assert [lang.code for lang in SyncLang.objects.order_by("code").iterator(chunk_size=1)] == [
        "el", "en", "fi", "fr"]
    assert [lang.code for lang in SyncLang.objects.sync.iterator(chunk_size=3)] == ["el", "en", "fi", "fr"]


def test_1000_sequential_sync_gets_keep_sockets_bounded(
    configured: None, directus_server: ServerInfo
) -> None:
    port = urlparse(directus_server.url).port
    assert port is not None
    before = socket_inodes_to(port)
    peak = 0
    for i in range(1000):
        assert SyncLang.objects.sync.get(code=SEED[i % 4][0]).name == SEED[i % 4][1]
        if i % 50 == 0:
            peak = max(peak, open_sockets_to(port, besides=before))
    assert 1 <= peak <= 2, peak


def test_eight_threads_each_running_100_sync_queries(configured: None) -> None:
    errors: list[BaseException] = []
    counts: list[int] = []

    def work(n: int) -> None:
        try:
            for i in range(100):
                code = SEED[(n + i) % 4][0]
                lang = SyncLang.objects.sync.get(code=code)
                assert lang.code == code
            counts.append(len(list(SyncLang.objects.filter(speakers__lt=100))))  # plain iteration
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert counts == [2] * 8


async def test_sync_forms_refuse_inside_a_running_loop(configured: None) -> None:
    with pytest.raises(SyncUsageError, match=r"await QuerySet\.get\(\.\.\.\)"):
        SyncLang.objects.filter(code="el").sync.get()
    with pytest.raises(SyncUsageError, match=r"async for \.\.\. in QuerySet"):
        for _ in SyncLang.objects.all():
            pass
    assert (await SyncLang.objects.get(code="el")).name == "Greek"
