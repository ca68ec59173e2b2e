"""GraphQL reads on a server started with ``QUERY_LIMIT_MAX=100``: Directus answers ``limit: -1`` there
with the first 100 rows and no error, so unsliced (and large sliced) reads are sent in pages of 100 and
give every row, as the REST path does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from directus_orm import Count, Directus, DirectusModel, collection, connections, count_of, gather
from directus_orm.exceptions import TruncatedList
from tests.conftest import ServerInfo, create_collection
from tests.integration import relational_schema as rs
from tests.support import server_version
from tests.support.server import another_server

pytestmark = [pytest.mark.integration, pytest.mark.live_only]

C = "gql_limited_rows"
ROWS = 250


class Limited(DirectusModel):
    id: int | None = None
    rank: int
    label: str

    class Meta:
        collection = C


@pytest.fixture(scope="module")
def limited_server() -> Iterator[ServerInfo]:
    with another_server(QUERY_LIMIT_MAX="100") as server:
        yield server


@pytest.fixture(scope="module")
async def limited(limited_server: ServerInfo) -> AsyncIterator[Directus]:
    async with Directus(limited_server.url, token=limited_server.token) as conn:
        await create_collection(conn, C, [
            {"field": "rank", "type": "integer", "schema": {"is_nullable": False}},
            {"field": "label", "type": "string", "schema": {"is_nullable": False}},
        ])
        await conn.post(f"/items/{C}", json=[{"rank": i % 7, "label": f"r{i:03d}"} for i in range(ROWS)])
        yield conn
        await conn.delete(f"/collections/{C}")


@pytest.fixture
async def sent(limited: Directus) -> AsyncIterator[list[httpx.Request]]:
    out: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        out.append(request)
    client = limited.pool.client()
    client.event_hooks["request"].append(hook)
    with connections.override(limited):
        yield out
    client.event_hooks["request"].remove(hook)


def graphql_posts(sent: list[httpx.Request]) -> int:
    return sum(1 for r in sent if r.url.path == "/graphql")


async def test_the_server_cuts_limit_minus_one(limited: Directus) -> None:
    """What the library works around: the raw answer holds 100 rows, with no error."""
    data = await limited.graphql(f"{{ {C}(limit: -1) {{ id }} }}")
    assert len(data[C]) == 100


async def test_every_row_comes_back_in_pages(limited: Directus, sent: list[httpx.Request]) -> None:
    rest = await Limited.objects.order_by("label")
    over_graphql = await Limited.objects.using_graphql().order_by("label")
    assert len(rest) == ROWS
    assert [r.model_dump() for r in over_graphql] == [r.model_dump() for r in rest]
    assert graphql_posts(sent) == 3  # 100 + 100 + 50


async def test_slices_and_filters(limited: Directus, sent: list[httpx.Request]) -> None:
    qs = Limited.objects.filter(rank__lte=4).order_by("-rank", "label")
    rest = [r.label for r in await qs[10:170]]
    assert len(rest) == 160  # more than one page
    assert [r.label for r in await qs.using_graphql()[10:170]] == rest
    assert [r.label for r in await qs.using_graphql()[150:]] == [r.label for r in await qs[150:]]
    assert [r.label for r in await qs.using_graphql()[:100]] == [r.label for r in await qs[:100]]
    assert [r.label async for r in qs.using_graphql()] == [r.label for r in await qs]
    assert await qs.using_graphql().count() == await qs.count()


async def test_gather_pages_each_read(limited: Directus, sent: list[httpx.Request]) -> None:
    every, fours, n, small = await gather(
        Limited.objects.order_by("id"), Limited.objects.filter(rank=4).order_by("id"),
        count_of(Limited.objects.all()), Limited.objects.order_by("id")[:5])
    assert [r.id for r in every] == [r.id for r in await Limited.objects.order_by("id")]
    assert len(every) == ROWS and n == ROWS and len(fours) == len([i for i in range(ROWS) if i % 7 == 4])
    assert [r.id for r in small] == [r.id for r in every[:5]]
    assert graphql_posts(sent) == 3  # the pages of the one long read carry the others in the first


async def test_groups_are_paged_too(limited: Directus) -> None:
    with connections.override(limited):
        qs = Limited.objects.values("label").annotate(n=Count("id")).order_by("label")
        rest = await qs
        assert len(rest) == ROWS
        assert await qs.using_graphql() == rest


# -- nested lists: Directus cuts a to-many list at queryLimit.max, silently ------------------------------

CAP = 100


@pytest.fixture(scope="module")
async def many_books(limited: Directus) -> AsyncIterator[int]:
    """The relational schema, with one author holding CAP + 1 books; yields that author's key."""
    await rs.create(limited)
    body = await limited.post(f"/items/{rs.AUTHORS}", json={"name": "prolific"})
    author = body["data"]["id"]
    body = await limited.post(f"/items/{rs.BOOKS}", json=[{"title": f"b{i:03d}", "author": author}
                                                          for i in range(CAP + 1)])
    # ... and tag 1 linked to all of them (many-to-many, through the junction)
    await limited.post(f"/items/{rs.BOOKS_TAGS}", json=[{"books_id": b["id"], "tags_id": 1}
                                                        for b in body["data"]])
    yield author
    await rs.drop(limited)


async def linked(conn: Directus, author: int) -> int:
    body = await conn.get(f"/items/{rs.BOOKS}", params={
        "filter": {"author": {"_eq": author}}, "aggregate": {"count": "*"}})
    return int(body["data"][0]["count"])


async def test_the_server_cuts_nested_lists(limited: Directus, many_books: int) -> None:
    """What the library guards against: deep[_limit]=-1 gives CAP of the CAP + 1 books, no error."""
    body = await limited.get(f"/items/{rs.AUTHORS}/{many_books}", params={
        "fields": "books", "deep": {"books": {"_limit": -1}}})
    assert len(body["data"]["books"]) == CAP
    assert await linked(limited, many_books) == CAP + 1


async def test_a_cut_list_is_never_taken_as_whole(limited: Directus, many_books: int) -> None:
    with connections.override(limited):
        author = rs.Author.objects.filter(pk=many_books)
        reads = [lambda: author.get(), lambda: author.using_graphql().get(),
                 lambda: author.values("name", "books"), lambda: author.values("books__title"),
                 lambda: author.using_graphql().values("books__title"),
                 lambda: gather(author, rs.Book.objects.all()[:1]),
                 lambda: collection(rs.AUTHORS).filter(id=many_books).using_graphql()]
        for i, read in enumerate(reads):
            try:
                got = await read()
            except TruncatedList as exc:
                assert (exc.path, exc.cap) == ("books", CAP), i
            else:
                raise AssertionError(f"read {i} gave {str(got)[:300]}")
        # Shorter lists read as before; the books themselves page.
        others = await rs.Author.objects.exclude(pk=many_books).using_graphql()
        assert others and all(len(a.books) < CAP for a in others)
        assert len(await rs.Book.objects.filter(author=many_books)) == CAP + 1
    assert await linked(limited, many_books) == CAP + 1  # nothing was written


async def test_a_save_never_unlinks_rows_it_did_not_see(limited: Directus, many_books: int,
                                                        sent: list[httpx.Request]) -> None:
    """``clear()`` reaches every row: one write of an empty list from Directus 11 on; Directus 10 unlinks
    only ``QUERY_LIMIT_MAX`` rows per write (answering success), so the write is repeated there until
    none is linked (measured on 10.13.4: 250 rows took three writes at 100)."""
    with connections.override(limited):
        with pytest.raises(TruncatedList):
            await rs.Author.objects.get(pk=many_books)
        author = await rs.Author.objects.only("name").get(pk=many_books)  # the list not loaded
        author.books = []
        with pytest.raises(Exception) as raised:
            await author.save()
        assert "not loaded" in str(raised.value)
        sent.clear()
        await author.related.books.clear()  # the explicit whole-relation write still reaches every row
    writes = [r.method for r in sent if r.method != "GET"]
    if server_version() >= (11, 0, 0):
        assert [(r.method, r.url.path) for r in sent] == [("PATCH", f"/items/{rs.AUTHORS}/{many_books}")]
    else:
        assert writes == ["PATCH", "PATCH"]  # CAP + 1 rows: the second write unlinks the last one
    assert await linked(limited, many_books) == 0


async def tagged(conn: Directus) -> int:
    body = await conn.get(f"/items/{rs.BOOKS_TAGS}", params={
        "filter": {"tags_id": {"_eq": 1}}, "aggregate": {"count": "*"}})
    return int(body["data"][0]["count"])


async def test_a_cut_junction_list_is_not_unlinked_in_part(limited: Directus, many_books: int) -> None:
    before = await tagged(limited)
    assert before > CAP
    with connections.override(limited):
        with pytest.raises(TruncatedList):
            await rs.Tag.objects.get(pk=1)
        tag = await rs.Tag.objects.only("name").get(pk=1)
        with pytest.raises(TruncatedList):
            await tag.related.books.clear()  # it would unlink the first CAP links and report done
    assert await tagged(limited) == before
