"""QuerySets over GraphQL for a role that may not read every related collection: Directus serves that role
a schema where such a relation is a bare key (``tags_id: Int``, ``author: Int``) or a ``String`` (a
to-many field), so the document compiled from the model is refused. The reads are compiled again as the
role sees them and give what REST gives that role: the same rows, the same keys, the same ``Forbidden``
for a filter through a collection it may not read."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from directus_orm import Count, Directus, QuerySet, connections, count_of, gather
from directus_orm.exceptions import Forbidden, GraphQLExecutionError, UnsupportedByServer
from tests.integration import relational_schema as rs
from tests.integration.relational_schema import Author, Book
from tests.support.roles import MadeRole, before_11, drop_role, make_role

pytestmark = pytest.mark.integration

#: The roles: what each may read (neither may read rel_tags; "books" only rel_books).
ROLES = {"junction": [rs.BOOKS, rs.AUTHORS, rs.BOOKS_TAGS], "books": [rs.BOOKS]}


@pytest.fixture(scope="module")
async def readers(admin: Directus) -> AsyncIterator[dict[str, Directus]]:
    await rs.create(admin)
    made: list[tuple[str, MadeRole]] = []
    conns: dict[str, Directus] = {}
    try:
        for name, readable in ROLES.items():
            role = await make_role(admin, f"gql roles {name}",
                                   [{"collection": collection, "action": "read"} for collection in readable])
            token = f"gql-roles-{name}-token"
            user = (await admin.post("/users", json={"email": f"gql-roles-{name}@example.com",
                                                     "role": role.id, "token": token,
                                                     "status": "active"}))["data"]["id"]
            made.append((user, role))
            conns[name] = Directus(admin.url, token=token)
        yield conns
    finally:
        for conn in conns.values():
            await conn.aclose()
        for user, role in made:
            await admin.delete(f"/users/{user}")
            await drop_role(admin, role)
        await rs.drop(admin)


def dumped(results: list[Any]) -> list[Any]:
    return [r.model_dump() if hasattr(r, "model_dump") else r for r in results]


READS: dict[str, Callable[[], QuerySet[Any]]] = {
    "pk": lambda: Book.objects.filter(pk=3),
    "all": lambda: Book.objects.order_by("id"),
    "prefetch_m2m": lambda: Book.objects.prefetch_related("tags").order_by("id"),
    "select_related": lambda: Book.objects.select_related("author").order_by("id"),
    "only_related": lambda: Book.objects.only("title", "author__name").order_by("id"),
    "values_m2m": lambda: Book.objects.values("id", "tags").order_by("id"),
    "values_m2m_field": lambda: Book.objects.values("id", "tags__name").order_by("id"),
    "by_author": lambda: Book.objects.filter(author=2).order_by("id"),
}


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("name", sorted(READS))
async def test_reads_give_what_rest_gives_the_role(readers: dict[str, Directus], role: str,
                                                   name: str) -> None:
    with connections.override(readers[role]):
        rest = await READS[name]()
        assert dumped(await READS[name]().using_graphql()) == dumped(rest)
        (batched,) = await gather(READS[name]())
        assert dumped(batched) == dumped(rest)
        assert await READS[name]().using_graphql().count() == await READS[name]().count()


async def test_the_junction_reader_gets_the_tag_keys(readers: dict[str, Directus]) -> None:
    """REST answers a many-to-many field as the related keys read off the junction rows; GraphQL, whose
    junction type holds ``tags_id`` as a bare key for this role, answers the same keys."""
    with connections.override(readers["junction"]):
        (book,) = await Book.objects.filter(pk=3).using_graphql()
        assert book.tags == [1, 3]
        (author,) = await Author.objects.prefetch_related("books").filter(pk=2).using_graphql()
        assert [b.tags for b in author.books] == [[1, 3], [1]]


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("through", ["tags__name", "tags", "tags__isnull"])
async def test_a_filter_through_a_collection_the_role_cannot_read_is_forbidden(
        admin: Directus, readers: dict[str, Directus], role: str, through: str) -> None:
    """From Directus 11 on REST refuses it (403). Directus 10 filters through the collection all the
    same (measured: the rows an admin gets, for either role): REST gives 10's answer there. Over
    GraphQL the role's schema cannot express it on any version: ``Forbidden`` before sending (on 10 a
    condition that no related row matches is refused first: 10's GraphQL has no ``_none``)."""
    value: Any = {"tags__name": "sf", "tags": 1, "tags__isnull": True}[through]
    qs = Book.objects.filter(**{through: value})
    with connections.override(admin):
        everyone = [book.id for book in await qs]
    assert 0 < len(everyone) < len(rs.ROWS[rs.BOOKS])
    ten = await before_11(admin)
    refused: type[Exception] = UnsupportedByServer if ten and through == "tags__isnull" else Forbidden
    with connections.override(readers[role]):
        if ten:
            assert [book.id for book in await qs] == everyone
        else:
            with pytest.raises(Forbidden):
                await qs  # REST: 403, the related collection may not be read
        with pytest.raises(refused, match="_none" if refused is UnsupportedByServer else "bare key"):
            await qs.using_graphql()
        with pytest.raises(refused):
            await qs.using_graphql().count()
        with pytest.raises(refused):
            await gather(Book.objects.all(), count_of(qs))


async def test_a_count_through_a_junction_the_role_cannot_read_is_forbidden_on_both_paths(
        admin: Directus, readers: dict[str, Directus]) -> None:
    """Directus refuses it while executing (HTTP 200, ``FORBIDDEN``): the error is a ``Forbidden`` as over
    REST, and still the ``GraphQLExecutionError`` it is. Directus 10's schema for the role has no
    ``tags_func`` (the document is refused as invalid): the read compiled as the role sees it is refused
    before sending, with a ``Forbidden`` that says so."""
    qs = Book.objects.annotate(n=Count("tags")).order_by("id")
    ten = await before_11(admin)
    with connections.override(readers["books"]):
        with pytest.raises(Forbidden):
            await qs
        with pytest.raises(Forbidden) as caught:
            await qs.using_graphql()
        if ten:
            assert "bare key" in caught.value.message and caught.value.code == "FORBIDDEN"
        else:
            assert isinstance(caught.value, GraphQLExecutionError) and caught.value.code == "FORBIDDEN"
        with pytest.raises(Forbidden):
            await gather(Book.objects.all(), qs)


async def test_a_collection_the_role_cannot_read_is_forbidden_on_both_paths(
        readers: dict[str, Directus]) -> None:
    with connections.override(readers["books"]):
        with pytest.raises(Forbidden):
            await Author.objects.all()
        with pytest.raises(Forbidden, match=rs.AUTHORS):
            await Author.objects.using_graphql()
        with pytest.raises(Forbidden, match=rs.AUTHORS):
            await gather(Book.objects.all(), count_of(Author.objects.all()))


async def test_what_the_second_compilation_costs(readers: dict[str, Directus]) -> None:
    """The refused document, one introspection request, the document compiled as the role sees it."""
    sent: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        sent.append(request)
    conn = readers["junction"]
    with connections.override(conn):
        await Book.objects.using_graphql().filter(pk=1)  # reads /server/info once, first
    client = conn.pool.client()
    client.event_hooks["request"].append(hook)
    try:
        with connections.override(conn):
            await Book.objects.filter(pk=3).using_graphql()
            assert [r.url.path for r in sent] == ["/graphql"] * 3
            sent.clear()
            await Author.objects.filter(pk=3).using_graphql()  # nothing it cannot read: one request
            assert [r.url.path for r in sent] == ["/graphql"]
    finally:
        client.event_hooks["request"].remove(hook)
