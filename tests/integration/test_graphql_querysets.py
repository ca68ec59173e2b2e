"""QuerySets over GraphQL give what the same QuerySets give over REST (on the relational schema:
m2o, o2m, m2m, values() across relations, grouped annotate(), row annotate(Count), aggregates), and
``gather()`` answers several reads in one HTTP request."""

from __future__ import annotations

import datetime
import json
import warnings
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from directus_orm import (
    Avg,
    Count,
    Directus,
    DirectusModel,
    Max,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    aggregate_of,
    collection,
    count_of,
    gather,
)
from directus_orm.exceptions import DirectusError, Forbidden, GraphQLValidationError, QueryTooLarge
from directus_orm.query.limits import query_limit_max
from tests.integration import relational_schema as rs
from tests.integration.test_relations import Author, Book, Tag

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def schema(admin: Directus) -> AsyncIterator[None]:
    await rs.create(admin)
    yield
    await rs.drop(admin)


@pytest.fixture
async def db(schema: None, registry: None) -> None:
    """The seeded schema, with the ORM configured."""


QUERIES: dict[str, Callable[[], QuerySet[Any]]] = {
    "all": lambda: Book.objects.all(),
    "filter_order": lambda: Book.objects.filter(pages__gt=200).order_by("-price"),
    "or_exclude": lambda: Book.objects.filter(Q(title__icontains="the") | Q(author=4)).exclude(pages__lt=250),
    "isnull": lambda: Book.objects.filter(author__isnull=True),
    "slice": lambda: Book.objects.order_by("title")[2:5],
    "across_m2o": lambda: Book.objects.filter(author__country="US").order_by("author__name", "-pages"),
    "across_to_many": lambda: Author.objects.filter(books__pages__gt=300).order_by("name"),
    "m2m": lambda: Book.objects.filter(tags__name="classic").order_by("id"),
    "select_related": lambda: Book.objects.select_related("author").order_by("id"),
    "prefetch": lambda: Author.objects.prefetch_related("books").order_by("id"),
    "prefetch_m2m": lambda: Book.objects.prefetch_related("tags").order_by("id"),
    "prefetch_queryset": lambda: Author.objects.prefetch_related(
        Prefetch("books", queryset=Book.objects.filter(pages__gt=200).order_by("-pages")[:1])).order_by("id"),
    "only": lambda: Book.objects.only("title", "author__name").order_by("id"),
    "defer": lambda: Book.objects.defer("price").order_by("id"),
    "date_part": lambda: Book.objects.filter(published__year__gte=1970).order_by("published"),
    "search": lambda: Book.objects.search("Solaris"),
    "values": lambda: Book.objects.values("title", "author__name", "published__year").order_by("id"),
    "values_to_many": lambda: Author.objects.values("name", "books__title").order_by("id"),
    "values_list_flat": lambda: Book.objects.order_by("-pages").values_list("pages", flat=True),
    "values_list_m2m": lambda: Book.objects.values_list("id", "tags__name").order_by("id"),
    "grouped": lambda: Book.objects.values("author").annotate(n=Count("id"), total=Sum("price")),
    "distinct": lambda: Book.objects.values("author").distinct(),
    "annotate_rows": lambda: Author.objects.annotate(n=Count("books")).filter(n__gte=2).order_by("-n", "id"),
    "emulated": lambda: Book.objects.exclude(title__icontains="the").order_by("id"),
    "iexact": lambda: Tag.objects.filter(name__iexact="SF"),
    "none": lambda: Book.objects.none(),
    "empty_in": lambda: Book.objects.filter(id__in=[]),
    "pk": lambda: Book.objects.filter(pk=3),
}


def dumped(results: list[Any]) -> list[Any]:
    return [r.model_dump() if hasattr(r, "model_dump") else r for r in results]


@pytest.mark.parametrize("name", sorted(QUERIES))
async def test_a_queryset_over_graphql_gives_what_rest_gives(db: None, name: str) -> None:
    rest = await QUERIES[name]()
    over_graphql = await QUERIES[name]().using_graphql()
    assert dumped(over_graphql) == dumped(rest)
    assert [type(r) for r in over_graphql] == [type(r) for r in rest]


@pytest.mark.parametrize("name", sorted(QUERIES))
async def test_count_over_graphql(db: None, name: str) -> None:
    assert await QUERIES[name]().using_graphql().count() == await QUERIES[name]().count()


async def test_get_first_exists_over_graphql(db: None) -> None:
    book = await Book.objects.using_graphql().get(pk=3)
    assert book.model_dump() == (await Book.objects.get(pk=3)).model_dump()
    assert isinstance(book.id, int) and book.author == 2
    with pytest.raises(Book.DoesNotExist):
        await Book.objects.using_graphql().get(pk=999)
    assert await Book.objects.using_graphql().filter(pages__gt=10_000).exists() is False
    assert await Book.objects.using_graphql().filter(pages__gt=300).exists() is True
    first = await Book.objects.using_graphql().order_by("-pages").first()
    assert first is not None and first.id == 2


async def test_aggregates_over_graphql(db: None) -> None:
    args = (Sum("price"), Avg("pages"), Max("pages"), Min("pages"), Count("id"))
    kwargs = {"authors": Count("author", distinct=True), "rows": Count("*")}
    qs = Book.objects.filter(pages__gt=100)
    assert await qs.using_graphql().aggregate(*args, **kwargs) == await qs.aggregate(*args, **kwargs)
    assert await Book.objects.none().using_graphql().aggregate(n=Count("id")) == {"n": 0}


async def test_gather_sends_one_request_for_several_reads(db: None, directus_server: Any) -> None:
    sent: list[httpx.Request] = []
    from directus_orm import connections

    conn = connections["default"]
    # A connection reads /server/info once (queryLimit.max: whether a read may ask every row at once),
    # before its first read of every row, over REST as over GraphQL; not one of the requests counted.
    await query_limit_max(conn)
    client = conn.pool.client()
    client.event_hooks["request"].append(lambda request: _record(sent, request))
    try:
        books, n_authors, stats, tags, us = await gather(
            Book.objects.filter(pages__gt=200).order_by("id"),
            count_of(Author.objects.all()),
            aggregate_of(Book.objects.all(), Sum("pages"), n=Count("*")),
            Tag.objects.order_by("name"),
            count_of(Author.objects.filter(country="US")),
        )
    finally:
        client.event_hooks["request"].pop()
    assert [r.url.path for r in sent] == ["/graphql"]
    assert dumped(books) == dumped(await Book.objects.filter(pages__gt=200).order_by("id"))
    assert n_authors == len(rs.ROWS[rs.AUTHORS])
    assert stats == {"pages__sum": sum(b["pages"] for b in rs.ROWS[rs.BOOKS]), "n": len(rs.ROWS[rs.BOOKS])}
    assert [t.name for t in tags] == sorted(t["name"] for t in rs.ROWS[rs.TAGS])
    assert us == 2
    assert await count_of(Book.objects.filter(author=1)) == 2  # awaited alone


async def _record(sent: list[httpx.Request], request: httpx.Request) -> None:
    sent.append(request)


async def test_gather_refuses_what_it_cannot_batch(db: None) -> None:
    with pytest.raises(DirectusError):
        await gather(Book.objects.all(), 3)  # type: ignore[arg-type]


class Ghost(DirectusModel):
    """A model whose collection does not exist."""

    id: int | None = None

    class Meta:
        collection = "gql_no_such_collection"


async def test_a_failing_read_fails_the_batch_with_a_typed_error(db: None) -> None:
    with pytest.raises(GraphQLValidationError, match="gql_no_such_collection"):
        await gather(Book.objects.all(), count_of(Ghost.objects.all()))
    with pytest.raises(GraphQLValidationError):
        await Ghost.objects.using_graphql()


async def test_a_collection_the_role_cannot_see_is_forbidden_on_both_paths(db: None) -> None:
    """REST answers a collection that does not exist (or that the role may not read) with 403; GraphQL
    refuses the document (the role's schema has no such field): the error is a ``Forbidden`` too."""
    with pytest.raises(Forbidden):
        await Ghost.objects.all()
    for read in (Ghost.objects.using_graphql(), Ghost.objects.using_graphql().count(),
                 gather(Book.objects.all(), count_of(Ghost.objects.all()))):
        with pytest.raises(Forbidden, match="gql_no_such_collection") as caught:
            await read
        assert isinstance(caught.value, GraphQLValidationError) and caught.value.status == 400


async def test_gather_on_the_sync_face(db: None) -> None:
    import asyncio

    def work() -> list[Any]:
        return gather(count_of(Book.objects.all()), Tag.objects.filter(name="sf")).sync.results()

    n, tags = await asyncio.to_thread(work)
    assert n == len(rs.ROWS[rs.BOOKS]) and [t.name for t in tags] == ["sf"]


async def test_a_system_collection_over_graphql(db: None) -> None:
    users = collection("directus_users").only("email").order_by("email")
    assert await users.using_graphql() == await users  # /graphql/system, named "users" there
    assert await users.using_graphql().count() == await users.count()


def test_count_of_and_aggregate_of_in_sync_code(db: None) -> None:
    qs = Book.objects.filter(pages__gt=100)
    assert count_of(qs).sync.result() == qs.sync.count()
    assert aggregate_of(qs, Max("pages")).sync.result() == qs.sync.aggregate(Max("pages"))


def _sent_to(conn: Directus) -> tuple[list[httpx.Request], Callable[[], None]]:
    """The requests ``conn`` sends from now on, and how to stop recording them."""
    sent: list[httpx.Request] = []
    client = conn.pool.client()
    client.event_hooks["request"].append(lambda request: _record(sent, request))
    return sent, lambda: client.event_hooks["request"].pop()  # type: ignore[func-returns-value]


async def test_a_query_too_large_is_refused_before_sending_as_over_rest(db: None) -> None:
    from directus_orm import connections

    conn = connections["default"]
    await query_limit_max(conn)
    huge = Book.objects.filter(title__in=[f"{i:0100d}" for i in range(11_000)])  # 1.1 MB of values
    sent, stop = _sent_to(conn)
    try:
        with pytest.raises(QueryTooLarge):
            await huge
        with pytest.raises(QueryTooLarge):
            await huge.using_graphql()
        with pytest.raises(QueryTooLarge):
            await huge.using_graphql().count()
        with pytest.raises(QueryTooLarge):
            await gather(Book.objects.all(), count_of(huge))
    finally:
        stop()
    assert sent == []


@pytest.mark.parametrize("graphql", [False, True], ids=["rest", "graphql"])
async def test_model_dump_of_related_rows_read_in_part(db: None, graphql: bool) -> None:
    """A related row read in part (its to-many list deferred) dumps without pydantic's serializer
    warnings, as the instance it is."""
    def over(qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.using_graphql() if graphql else qs

    (joined,) = await over(Book.objects.select_related("author").filter(pk=3))
    (partial,) = await over(Book.objects.only("title", "author__name").filter(pk=3))
    (prefetched,) = await over(Author.objects.prefetch_related("books").filter(pk=2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        author = {"id": 2, "name": "Stanislaw Lem", "country": "PL", "born": datetime.date(1921, 9, 12)}
        assert joined.model_dump()["author"] == author
        assert json.loads(joined.model_dump_json())["author"] == {**author, "born": "1921-09-12"}
        assert partial.model_dump() == {"id": 3, "title": "Solaris",
                                        "author": {"id": 2, "name": "Stanislaw Lem"}}
        assert json.loads(partial.model_dump_json(exclude={"author": {"name"}})) == {
            "id": 3, "title": "Solaris", "author": {"id": 2}}
        assert [b["id"] for b in prefetched.model_dump()["books"]] == [3, 4]
