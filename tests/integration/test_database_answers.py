"""Answers that differ by database (docs/queries.md, "Databases: what differs"), against the real server
on SQLite and on PostgreSQL (``devtools test --db postgres``):

- a case-insensitive lookup never misses what its case-sensitive form finds: SQLite's ``LOWER()`` folds
  ASCII only while Directus lowers the value in JavaScript, so ``_icontains: "ÉLAN"`` alone misses the
  row ``"ÉLAN"``; the library or-s the plain form in for such values (REST and GraphQL);
- an integer aggregate answered as a JSON number past 2**53 - 1 (SQLite's ``Sum`` over ``bigInteger``)
  raises ``InexactNumber``; PostgreSQL's exact strings are handed back as ``int``;
- filters on a ``bigInteger`` field over GraphQL (its operands travel as strings) answer as REST does;
- what ``Sum`` / ``Avg`` over a decimal field give, for a model and for a dict collection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Annotated

import pytest

from directus_orm import Avg, Directus, DirectusModel, Max, Q, Sum, collection
from directus_orm.exceptions import InexactNumber, InvalidArgument
from directus_orm.files import File
from directus_orm.schema import DirectusType, SchemaTools
from tests.support import create_collection, server_database
from tests.support.shop import drop_collections

pytestmark = pytest.mark.integration

WORDS, COUNTERS, PRICES = "dbd_words", "dbd_counters", "dbd_prices"


class DbWord(DirectusModel):
    id: int | None = None
    w: str | None = None

    class Meta:
        collection = WORDS
        ordering = ["id"]


class DbCounter(DirectusModel):
    id: int | None = None
    n: Annotated[int | None, DirectusType("bigInteger")] = None

    class Meta:
        collection = COUNTERS


class DbPrice(DirectusModel):
    id: int | None = None
    price: Decimal | None = None

    class Meta:
        collection = PRICES


WORD_ROWS = ["ÉLAN", "élan", "Élan", "ÉLÉGANT", "ÉL_AN", "plain", None]


@pytest.fixture(scope="module")
async def db(admin: Directus) -> AsyncIterator[None]:
    await drop_collections(admin, WORDS, COUNTERS, PRICES)
    await SchemaTools(admin).migrate([DbWord, DbCounter, DbPrice])
    await admin.post(f"/items/{WORDS}", json=[{"w": w} for w in WORD_ROWS])
    await admin.post(f"/items/{PRICES}", json=[{"price": p} for p in ("0.1", "0.2", "0.7")])
    yield
    await drop_collections(admin, WORDS, COUNTERS, PRICES)


async def words(q: Q, graphql: bool = False) -> list[str | None]:
    qs = DbWord.objects.filter(q).using_graphql(graphql)
    return [w.w for w in await qs]


def sqlite() -> bool:
    return server_database() == "sqlite"


# lookup, value, its case-sensitive form, the rows found on PostgreSQL (Unicode folding) and on SQLite
# (ASCII-only LOWER(), with the plain form or-ed in): the same but where the value itself is lower case.
ALL_ELAN = ["ÉLAN", "élan", "Élan"]
FOLDING = [
    ("icontains", "ÉLAN", "contains", ALL_ELAN, ALL_ELAN),
    ("istartswith", "ÉL", "startswith", [*ALL_ELAN, "ÉLÉGANT", "ÉL_AN"], [*ALL_ELAN, "ÉLÉGANT", "ÉL_AN"]),
    ("iendswith", "ÉGANT", "endswith", ["ÉLÉGANT"], ["ÉLÉGANT"]),
    ("iexact", "ÉLAN", "exact", ALL_ELAN, ALL_ELAN),
    ("istartswith", "ÉL_", "startswith", ["ÉL_AN"], ["ÉL_AN"]),  # a literal "_": checked in Python
    ("icontains", "L_A", "contains", ["ÉL_AN"], ["ÉL_AN"]),
    ("icontains", "élan", "contains", ALL_ELAN, ["élan"]),  # SQLite folds no "É": the documented limit
]


@pytest.mark.parametrize(("lookup", "value", "plain", "pg", "lite"), FOLDING,
                         ids=[f"{c[0]}={c[1]}" for c in FOLDING])
@pytest.mark.parametrize("graphql", [False, True], ids=["rest", "graphql"])
async def test_a_case_insensitive_lookup_finds_what_the_case_sensitive_one_finds(
        db: None, registry: None, lookup: str, value: str, plain: str, pg: list[str], lite: list[str],
        graphql: bool) -> None:
    found = await words(Q(**{f"w__{lookup}": value}), graphql)
    sensitive = await words(Q(**{f"w__{plain}": value}), graphql)
    assert set(sensitive) <= set(found), (sensitive, found)
    assert found == [w for w in WORD_ROWS if w in (lite if sqlite() else pg)]
    # exclude() is its complement, NULL row included (Django's exclude()).
    excluded = [w.w for w in await DbWord.objects.exclude(**{f"w__{lookup}": value}).using_graphql(graphql)]
    assert excluded == [w for w in WORD_ROWS if w not in found]
    assert await DbWord.objects.filter(**{f"w__{lookup}": value}).count() == len(found)


async def test_the_plain_form_is_added_only_for_values_that_fold_beyond_ascii(db: None) -> None:
    assert DbWord.objects.filter(w__icontains="lan").query.filter == {"w": {"_icontains": "lan"}}
    assert DbWord.objects.filter(w__icontains="élan").query.filter == {"w": {"_icontains": "élan"}}
    assert DbWord.objects.filter(w__icontains="ÉLAN").query.filter == {
        "_or": [{"w": {"_icontains": "ÉLAN"}}, {"w": {"_contains": "ÉLAN"}}]}
    assert DbWord.objects.exclude(w__istartswith="ÉL").query.filter == {"_or": [
        {"_and": [{"w": {"_nistarts_with": "ÉL"}}, {"w": {"_nstarts_with": "ÉL"}}]}, {"w": {"_null": True}}]}


async def test_an_integer_sum_past_2_53_is_exact_or_refused(
        db: None, registry: None, admin: Directus) -> None:
    await DbCounter.objects.all().delete()
    await DbCounter.objects.bulk_create([DbCounter(n=2**53 - 1), DbCounter(n=2)])
    stored = [int(r["n"]) for r in (await admin.get(f"/items/{COUNTERS}", params={"sort": "id"}))["data"]]
    assert stored == [2**53 - 1, 2]
    # SQLite answers 9007199254740992 (one less than the sum) as a JSON number, and so does GraphQL
    # (a Float) on both databases; PostgreSQL over REST answers the exact string.
    inexact = [DbCounter.objects.using_graphql(), collection(COUNTERS).using_graphql()]
    if sqlite():
        inexact += [DbCounter.objects, collection(COUNTERS)]
    else:
        assert await DbCounter.objects.aggregate(Sum("n")) == {"n__sum": 2**53 + 1}
        assert await collection(COUNTERS).aggregate(Sum("n")) == {"n__sum": 2**53 + 1}
    for qs in inexact:
        with pytest.raises(InexactNumber, match="Sum of 'n'"):
            await qs.aggregate(Sum("n"))
    # Within the safe range every database answers exactly, on both paths.
    for graphql in (False, True):
        assert await DbCounter.objects.using_graphql(graphql).aggregate(Max("n")) == {"n__max": 2**53 - 1}
    assert await DbCounter.objects.filter(n=2).aggregate(Sum("n")) == {"n__sum": 2}


async def test_bigInteger_filters_over_graphql_answer_as_rest(
        db: None, registry: None, admin: Directus) -> None:
    # Directus types a bigInteger field's filter operands as GraphQLBigInt, which takes strings only: an
    # integer operand made the whole read fail (INTERNAL_SERVER_ERROR) on both databases.
    await DbCounter.objects.all().delete()
    await admin.post(f"/items/{COUNTERS}", json=[{"n": n} for n in (2**53 - 1, 2, -5, None, 7)])
    conditions = [Q(n=2), Q(n__in=[2, 7, 2**53 - 1]), Q(n__gt=2), Q(n__lte=2), Q(n__range=(-5, 2)),
                  ~Q(n=2), Q(n=2) | Q(n__lt=0), Q(n__isnull=True), Q(n=2**53 - 1)]
    # The rows found (their keys: a dict read's bigInteger values are strings over REST on PostgreSQL,
    # numbers over GraphQL, as docs/queries.md says).
    for q in conditions:
        for rows in (DbCounter.objects, collection(COUNTERS)):
            rest = await rows.filter(q).order_by("id").values_list("id", flat=True)
            assert await rows.filter(q).order_by("id").using_graphql().values_list("id", flat=True) == rest
            assert await rows.filter(q).using_graphql().count() == len(rest)
    assert await DbCounter.objects.filter(n__in=[2, 7]).values_list("n", flat=True) == [2, 7]
    assert (await DbCounter.objects.using_graphql().get(n=7)).n == 7
    assert await DbCounter.objects.filter(n__gte=2).using_graphql().aggregate(Max("n")) == {
        "n__max": 2**53 - 1}
    # A system collection's bigInteger field (directus_files.filesize) declared as a plain int.
    assert await File.objects.filter(filesize__gt=0).using_graphql().count() == \
        await File.objects.filter(filesize__gt=0).count()


class DbBigKey(DirectusModel):
    id: int | None = None
    label: str | None = None

    class Meta:
        collection = "dbd_big_keys"


async def test_a_bigInteger_key_filters_over_graphql(db: None, registry: None, admin: Directus) -> None:
    # On PostgreSQL the key is a bigint: its filter operands are GraphQLBigInt too (SQLite: an integer).
    name = DbBigKey._meta.collection
    await create_collection(admin, name, [{"field": "label", "type": "string"}], pk={
        "field": "id", "type": "bigInteger", "schema": {"is_primary_key": True, "has_auto_increment": True}})
    try:
        await admin.post(f"/items/{name}", json=[{"label": x} for x in "abc"])
        for graphql in (False, True):
            rows = DbBigKey.objects.using_graphql(graphql)
            assert [r.label for r in await rows.filter(id__in=[1, 3]).order_by("id")] == ["a", "c"]
            assert (await rows.get(pk=2)).label == "b"
            assert await rows.filter(id__gt=1).count() == 2
        plain = collection(name).filter(id__in=[1, 3]).order_by("id")
        rest = await plain.values_list("id", "label")
        assert await plain.using_graphql().values_list("id", "label") == rest
        assert [label for _, label in rest] == ["a", "c"]
    finally:
        await drop_collections(admin, name)


async def test_writes_of_integers_past_2_53_are_refused_before_sending(
        db: None, registry: None, admin: Directus) -> None:
    # Directus would parse 2**53 + 1 into a JavaScript number and store 9007199254740992.
    await DbCounter.objects.all().delete()
    await admin.post(f"/items/{COUNTERS}", json=[{"n": 2**53 - 1}, {"n": 2}])
    rows = collection(COUNTERS)
    for write in (lambda: rows.create(n=2**53 + 1), lambda: rows.bulk_create([{"n": -(2**53) - 1}]),
                  lambda: rows.filter(n=2).update(n=2**53 + 1),
                  lambda: DbCounter.objects.filter(n=2).update(n=2**53 + 1)):
        with pytest.raises(InvalidArgument, match="2\\*\\*53"):
            await write()
    stored = sorted(int(r["n"]) for r in (await admin.get(f"/items/{COUNTERS}"))["data"])
    assert stored == [2, 2**53 - 1]
    assert await rows.filter(n=2).update(n=2**53 - 2) == 1  # the largest values still go through
    stored = sorted(int(r["n"]) for r in (await admin.get(f"/items/{COUNTERS}"))["data"])
    assert stored == [2**53 - 2, 2**53 - 1]


async def test_decimal_sums_and_averages_as_documented(db: None, registry: None) -> None:
    model = await DbPrice.objects.aggregate(Sum("price"), Avg("price"))
    plain = await collection(PRICES).aggregate(Sum("price"), Avg("price"))
    assert model["price__sum"] == Decimal(1) and isinstance(model["price__sum"], Decimal)
    assert isinstance(model["price__avg"], Decimal)
    # A dict collection's average is a float on both databases (no field type to keep a Decimal).
    assert isinstance(plain["price__avg"], float) and plain["price__avg"] == pytest.approx(1 / 3)
    if sqlite():
        assert model["price__avg"] == Decimal("0.333333333333333")
        assert plain["price__sum"] == 1 and isinstance(plain["price__sum"], int)  # the double 1.0
    else:
        assert model["price__avg"] == Decimal("0.33333333333333333333")
        assert plain["price__sum"] == Decimal("1.00000") and isinstance(plain["price__sum"], Decimal)
