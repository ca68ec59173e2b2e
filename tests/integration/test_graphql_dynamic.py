"""``collection("x").using_graphql()`` (no model) against the real server: the fields, relations and key
types GraphQL needs are read from the GraphQL schema the connection sees, so every read gives what the
same read over REST gives - ``*``, many-to-one paths in ``values()``, filters across relations,
related rows, to-many keys, counts, aggregates, ``gather()``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import pytest

from directus_orm import Count, Directus, Sum, collection, count_of, gather
from directus_orm.exceptions import FieldError, Forbidden, InvalidArgument
from tests.conftest import create_collection
from tests.integration import relational_schema as rs
from tests.support import raw_bigint, server_database

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def schema(admin: Directus) -> AsyncIterator[None]:
    await rs.create(admin)
    yield
    await rs.drop(admin)


@pytest.fixture
async def db(schema: None, registry: None) -> None:
    """The seeded schema, with the ORM configured."""


def _decimals(value: Any) -> Any:
    """``price`` (a decimal field) as a ``Decimal``: PostgreSQL's and MariaDB's REST answers give its string
    (``"12.50"``), GraphQL a Float (``12.5``) on every database; the value is the same."""
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    if isinstance(value, dict):
        return {k: Decimal(str(v)) if k == "price" and v is not None else _decimals(v)
                for k, v in value.items()}
    return value


async def both(qs: Any) -> Any:
    """The REST answer, after checking the GraphQL one is the same."""
    rest = await qs
    over_graphql = await qs.using_graphql()
    if server_database() != "sqlite":
        assert _decimals(over_graphql) == _decimals(rest)
    else:
        assert over_graphql == rest
    return rest


async def test_every_field_with_keys_typed_as_over_rest(db: None) -> None:
    books = await both(collection(rs.BOOKS).order_by("id"))
    assert books and isinstance(books[0]["id"], int) and isinstance(books[0]["author"], int)
    authors = await both(collection(rs.AUTHORS).order_by("id"))
    assert any(a["books"] for a in authors)  # the o2m list of keys
    await both(collection(rs.TAGS).order_by("-id"))  # a many-to-many list: the junction rows' keys
    await both(collection(rs.LANGUAGES, pk="code").order_by("code"))  # string keys


async def test_many_to_one_paths_in_values(db: None) -> None:
    rows = await both(collection(rs.BOOKS).values("title", "author__name").order_by("id"))
    assert rows[0].keys() == {"title", "author__name"} and any(r["author__name"] for r in rows)
    await both(collection(rs.BOOKS).values_list("author__name", "author", flat=False).order_by("-id"))
    await both(collection(rs.BOOKS).values("author").annotate(n=Count("id")).order_by("author"))


async def test_filters_across_relations(db: None) -> None:
    await both(collection(rs.BOOKS).filter(author=1).order_by("id"))
    await both(collection(rs.BOOKS).filter(author__name__startswith="A").order_by("title"))
    await both(collection(rs.BOOKS).exclude(author__isnull=True).order_by("id"))
    await both(collection(rs.BOOKS).filter(tags__tags_id__name="classic").order_by("id"))


async def test_related_rows(db: None) -> None:
    rows = await both(collection(rs.BOOKS).only("title", "author.*").order_by("id"))
    assert any(isinstance(r["author"], dict) and "name" in r["author"] for r in rows)
    await both(collection(rs.BOOKS).only("title", "author.name", "tags.tags_id.name").order_by("id"))
    await both(collection(rs.AUTHORS).only("name", "books.*").order_by("id"))


async def test_counts_aggregates_and_gather(db: None) -> None:
    qs = collection(rs.BOOKS).filter(author__name__startswith="A")
    assert await qs.using_graphql().count() == await qs.count()
    assert await qs.using_graphql().aggregate(Sum("pages")) == await qs.aggregate(Sum("pages"))
    books, n = await gather(collection(rs.BOOKS).values("title", "author__name").order_by("id"),
                            count_of(qs))
    assert books == await collection(rs.BOOKS).values("title", "author__name").order_by("id")
    assert n == await qs.count()


async def test_a_collection_graphql_does_not_know_is_a_typed_error(db: None) -> None:
    with pytest.raises(InvalidArgument, match="gql_nowhere"):
        await collection("gql_nowhere").using_graphql()


@pytest.fixture
async def typed(admin: Directus, registry: None) -> AsyncIterator[str]:
    """A collection keyed on a string ``code``, with a bigInteger column."""
    name = "gql_dyn_codes"
    await create_collection(admin, name, [
        {"field": "big", "type": "bigInteger"}, {"field": "n", "type": "integer"}],
        pk={"field": "code", "type": "string", "schema": {"is_primary_key": True, "length": 16}, "meta": {}})
    await admin.post(f"/items/{name}", json=[{"code": "a", "big": 10**12, "n": 0},
                                             {"code": "b", "big": -(2**40), "n": 1},
                                             {"code": "c", "big": 0, "n": 2}])
    yield name
    await admin.delete(f"/collections/{name}")


async def test_big_integers_come_back_as_numbers(typed: str) -> None:
    """Over GraphQL (a ``GraphQLBigInt`` string) as numbers on every database; over REST a dict read
    hands on what the server sends: numbers on SQLite, strings on PostgreSQL (docs/queries.md)."""
    qs = collection(typed, pk="code").order_by("n")
    rest = await qs
    assert [raw_bigint(r["big"]) for r in rest] == [10**12, -(2**40), 0]
    over_graphql = await qs.using_graphql()
    assert [r["big"] for r in over_graphql] == [10**12, -(2**40), 0]
    assert [{**r, "big": raw_bigint(r["big"])} for r in rest] == over_graphql
    assert await qs.values_list("big", flat=True).using_graphql() == [10**12, -(2**40), 0]


async def test_a_key_the_collection_lacks_is_named_before_the_read(typed: str) -> None:
    with pytest.raises(InvalidArgument, match="pk='code'"):
        await collection(typed).using_graphql().order_by("n")
    assert [r["code"] for r in await collection(typed, pk="code").using_graphql().order_by("n")] == \
        ["a", "b", "c"]


async def test_bad_inputs_are_typed_errors_before_the_read(db: None) -> None:
    from directus_orm import Min
    from directus_orm.exceptions import FieldError
    for qs in (collection(rs.BOOKS).filter(nope=1),
               collection(rs.BOOKS).filter(pages__gt=1).exclude(nope=1)):
        with pytest.raises(Forbidden, match='"nope"'):  # as REST answers it
            await qs.using_graphql()
    with pytest.raises(FieldError, match="published"):
        await collection(rs.BOOKS).using_graphql().aggregate(Min("published"))
    assert await collection(rs.BOOKS).using_graphql().aggregate(Min("pages")) == \
        await collection(rs.BOOKS).aggregate(Min("pages"))


PATH_LIKE = ["../x", "author.../x", "author./", "title,author", "title#", "%2e", "x y", "author__../x"]


@pytest.mark.parametrize("name", PATH_LIKE)
async def test_a_path_like_field_name_is_refused_before_any_request(db: None, name: str) -> None:
    """A field name is data, never a path: REST used to send ``fields=../x`` (answered with the key
    alone) and GraphQL said "'' is not a GraphQL name"; both refuse it alike, before any request."""
    from directus_orm import connections

    books = collection(rs.BOOKS)
    reads = {"only": lambda: books.only(name), "values": lambda: books.values(name),
             "filter": lambda: books.filter(**{name: 1}), "order_by": lambda: books.order_by(name)}
    sent: list[Any] = []

    async def hook(request: Any) -> None:
        sent.append(request)
    client = connections["default"].pool.client()
    client.event_hooks["request"].append(hook)
    try:
        for method, read in reads.items():
            messages = []
            for graphql in (False, True):
                with pytest.raises(FieldError, match="is not a field name") as caught:
                    qs = read()
                    await (qs.using_graphql() if graphql else qs)
                messages.append(str(caught.value))
            assert messages[0] == messages[1], method
    finally:
        client.event_hooks["request"].remove(hook)
    assert sent == []


async def test_a_path_through_a_plain_field_reads_as_over_rest(db: None) -> None:
    """``only("title.*")`` on a collection without a model: Directus's REST answer reads nothing of
    ``title`` (a many-to-one asked that way gives its key); GraphQL, which knows ``title`` is no
    relation, gives the same rows instead of the title."""
    books = collection(rs.BOOKS)
    rows = await both(books.only("title.*").order_by("id"))
    assert rows and all("title" not in r for r in rows)
    await both(books.only("id", "title.x").order_by("id"))
    await both(books.values("title__x", "pages").order_by("id"))
    await both(books.values("title__x").order_by("id"))
    rows = await both(books.only("id", "author.name.x").order_by("id"))
    assert any(isinstance(r["author"], int) for r in rows)
    rows = await both(collection(rs.AUTHORS).only("id", "books.title.x").order_by("id"))
    assert any(r["books"] and isinstance(r["books"][0], int) for r in rows)  # the related keys
    await both(collection(rs.AUTHORS).only("id", "books.title.x", "books.id").order_by("id"))
    await both(books.only("id", "tags.tags_id.name.x").order_by("id"))


UNKNOWN = ["ti-tle", "nope", "author.ti-tle"]


@pytest.mark.parametrize("name", UNKNOWN)
async def test_a_field_the_collection_lacks_is_forbidden_on_both_paths(db: None, name: str) -> None:
    """Directus answers a field it does not have (or the role may not read) with 403 ``FORBIDDEN`` over
    REST; over GraphQL the read gives the same ``Forbidden`` with the same message, whether the name is
    a GraphQL name or not (``ti-tle``), instead of a validation error or an ``InvalidArgument``. Directus
    10 leaves such a field out of a REST answer (a filter on it is ``INVALID_QUERY``, a sort a database
    error): the library refuses the read there with the same ``Forbidden``, before sending it."""
    books = collection(rs.BOOKS)
    key = name.replace(".", "__")
    reads: dict[str, Callable[[], Any]] = {
        "only": lambda: books.only(name), "values": lambda: books.values(key),
        "order_by": lambda: books.order_by(key)}
    if "." not in name:
        reads["filter"] = lambda: books.filter(**{key: 1})
    for method, read in reads.items():
        messages = []
        for graphql in (False, True):
            with pytest.raises(Forbidden) as caught:
                qs = read()
                await (qs.using_graphql() if graphql else qs)
            messages.append(caught.value.message)
        assert messages[0] == messages[1], method
        assert f'"{name.split(".")[-1]}"' in messages[0]


@pytest.fixture
async def dashed(admin: Directus, registry: None) -> AsyncIterator[str]:
    """A collection with a field named ``ti-tle``: Directus takes the name (REST reads and writes it)."""
    name = "gql_dyn_dashed"
    await create_collection(admin, name, [{"field": "ti-tle", "type": "string"},
                                          {"field": "name", "type": "string"}])
    await admin.post(f"/items/{name}", json=[{"ti-tle": "a", "name": "x"}, {"ti-tle": "b", "name": "y"}])
    yield name
    await admin.delete(f"/collections/{name}")


async def test_a_field_name_graphql_cannot_select(dashed: str) -> None:
    """Directus's GraphQL schema lists ``ti-tle`` but no document can select it (not a GraphQL name):
    a read that selects it (``*`` too) raises ``InvalidArgument`` naming it before the read; the
    others run."""
    qs = collection(dashed).order_by("id")
    assert [r["ti-tle"] for r in await qs] == ["a", "b"]
    for read in (qs, qs.only("ti-tle"), qs.values("ti-tle", "name")):
        with pytest.raises(InvalidArgument, match=r"'ti-tle' is not a GraphQL name.*over REST"):
            await read.using_graphql()
    assert await both(qs.only("name")) == [{"id": 1, "name": "x"}, {"id": 2, "name": "y"}]
    # In a sort (a string) and a filter (a JSON variable) the name travels as data: both run.
    assert await both(collection(dashed).only("name").order_by("-ti-tle")) == [{"id": 2, "name": "y"},
                                                                               {"id": 1, "name": "x"}]
    assert await both(collection(dashed).only("name").filter(**{"ti-tle": "b"})) == [{"id": 2, "name": "y"}]
