"""The differential test: random filter trees and orderings over a seeded collection, answered over
REST, over GraphQL, and by a plain-Python oracle (Django's semantics: a comparison with NULL is false,
a negation keeps NULL rows), must all agree, order included.

Names mix ASCII case: ``contains`` / ``startswith`` / ``endswith`` are case-sensitive on PostgreSQL and
fold ASCII case on SQLite (its LIKE); on MariaDB every comparison of text (``exact``, ``in``, the LIKE
forms, the sort) follows the database's case-insensitive collation; NULLs sort first ascending on SQLite
and MariaDB, last on PostgreSQL: the oracle follows the suite's database (``server_database()``)."""

from __future__ import annotations

import datetime
import operator
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from directus_orm import Avg, Count, Directus, DirectusModel, FieldError, Max, Min, Q, QuerySet, Sum
from tests.support import create_collection, server_database

pytestmark = pytest.mark.integration

COLLECTION = "gql_diff_rows"
SEED = 19
CASES = 40
WORDS = ["alpha", "beta", "gamma", "delta", "alphabet", "bet", "omega", "ga", "Alpha", "GAMMA", "Beta"]


class Row(DirectusModel):
    id: int | None = None
    n: int | None = None
    name: str | None = None
    flag: bool | None = None
    day: datetime.date | None = None

    class Meta:
        collection = COLLECTION


def seeded_rows() -> list[dict[str, Any]]:
    rnd = random.Random(SEED)
    rows = []
    for i in range(1, 41):
        rows.append({
            "id": i,
            "n": rnd.choice([None, *range(10)]),
            "name": rnd.choice([None, *WORDS]),
            "flag": rnd.choice([None, True, False]),
            "day": rnd.choice([None, *(f"2024-0{m}-1{d}" for m in range(1, 4) for d in range(3))]),
        })
    return rows


ROWS = seeded_rows()


@pytest.fixture(scope="module")
async def seeded(admin: Directus) -> AsyncIterator[None]:
    await create_collection(admin, COLLECTION, [
        {"field": "n", "type": "integer"}, {"field": "name", "type": "string"},
        {"field": "flag", "type": "boolean"}, {"field": "day", "type": "date"},
    ])
    await admin.post(f"/items/{COLLECTION}", json=[{k: v for k, v in r.items() if k != "id"} for r in ROWS])
    yield
    await admin.delete(f"/collections/{COLLECTION}")


# --- random conditions, with their oracle ---------------------------------------------------------
Pred = Callable[[dict[str, Any]], bool]

_CMP = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


def _value(rnd: random.Random, field: str) -> Any:
    if field == "n":
        return rnd.randrange(10)
    if field == "day":
        return datetime.date(2024, rnd.randrange(1, 4), 10 + rnd.randrange(3))
    return rnd.choice(WORDS)


def _as_python(field: str, raw: Any) -> Any:
    if field == "name" and raw is not None and server_database() == "mariadb":
        return raw.lower()  # utf8mb4_unicode_ci: ASCII words compare (and sort) case-insensitively
    return datetime.date.fromisoformat(raw) if field == "day" and raw is not None else raw


def leaf(rnd: random.Random) -> tuple[Q, Pred]:
    field = rnd.choice(["n", "name", "flag", "day"])
    if field == "flag":
        lookup = rnd.choice(["exact", "isnull"])
    elif field == "name":
        lookup = rnd.choice(["exact", "in", "isnull", "contains", "icontains", "startswith", "endswith"])
    else:
        lookup = rnd.choice(["exact", "gt", "gte", "lt", "lte", "in", "isnull", "range"])
    if lookup == "isnull":
        want = rnd.choice([True, False])
        return Q(**{f"{field}__isnull": want}), lambda r: (r[field] is None) == want
    if field == "flag":
        flag = rnd.choice([True, False])
        return Q(flag=flag), lambda r: r["flag"] is flag
    if lookup == "in":
        values = [_value(rnd, field) for _ in range(rnd.randrange(1, 4))]
        return Q(**{f"{field}__in": values}), lambda r: _as_python(field, r[field]) in map(_collated, values)
    if lookup == "range":
        low, high = sorted([_value(rnd, field), _value(rnd, field)])
        return Q(**{f"{field}__range": (low, high)}), lambda r: (
            r[field] is not None and low <= _as_python(field, r[field]) <= high)
    value = _value(rnd, field)
    if lookup == "exact":
        return Q(**{field: value}), lambda r: _as_python(field, r[field]) == _collated(value)
    if lookup in _CMP:
        compare = _CMP[lookup]
        return Q(**{f"{field}__{lookup}": value}), lambda r: (
            r[field] is not None and compare(_as_python(field, r[field]), value))
    text = value[: rnd.randrange(1, len(value) + 1)]
    test = {"contains": str.__contains__, "icontains": str.__contains__, "startswith": str.startswith,
            "endswith": str.endswith}[lookup]
    # icontains folds case everywhere; the others compare case-sensitively, except on SQLite, whose
    # LIKE folds ASCII case (Django's SQLite backend documents the same), and on MariaDB, whose LIKE
    # follows the collation (docs/queries.md).
    folded = lookup == "icontains" or server_database() in ("sqlite", "mariadb")
    fold: Callable[[str], str] = str.lower if folded else str
    return Q(**{f"name__{lookup}": text}), lambda r: (
        r["name"] is not None and test(fold(r["name"]), fold(text)))


def _collated(value: Any) -> Any:
    return value.lower() if isinstance(value, str) and server_database() == "mariadb" else value


def tree(rnd: random.Random, depth: int) -> tuple[Q, Pred]:
    if depth == 0 or rnd.random() < 0.3:
        q, pred = leaf(rnd)
    else:
        parts = [tree(rnd, depth - 1) for _ in range(rnd.randrange(2, 4))]
        if rnd.random() < 0.5:
            q = Q(*[p for p, _ in parts])
            preds = [f for _, f in parts]
            pred = lambda r, preds=preds: all(f(r) for f in preds)  # noqa: E731
        else:
            q = parts[0][0]
            for p, _ in parts[1:]:
                q = q | p
            preds = [f for _, f in parts]
            pred = lambda r, preds=preds: any(f(r) for f in preds)  # noqa: E731
    if rnd.random() < 0.25:
        inner = pred
        return ~q, lambda r: not inner(r)
    return q, pred


def ordering(rnd: random.Random) -> list[str]:
    fields = rnd.sample(["n", "name", "flag", "day"], rnd.randrange(0, 3))
    return [f if rnd.random() < 0.5 else f"-{f}" for f in fields]


def oracle(pred: Pred, order: list[str]) -> list[int]:
    rows = [r for r in ROWS if pred(r)]
    rows.sort(key=lambda r: r["id"])
    # Django leaves NULL's place to the database: smallest on SQLite and MariaDB, largest on PostgreSQL.
    nulls_last = server_database() == "postgres"
    for term in reversed(order):  # stable sorts, last key first
        field = term.lstrip("-")
        rows.sort(key=lambda r: ((r[field] is None) == nulls_last,
                                 _as_python(field, r[field]) if r[field] is not None else 0),
                  reverse=term.startswith("-"))
    return [r["id"] for r in rows]


CASE_LIST = []
_rnd = random.Random(SEED)
for _i in range(CASES):
    CASE_LIST.append((tree(_rnd, 3), ordering(_rnd), _rnd.choice([None, (0, 5), (3, 9)])))


@pytest.mark.parametrize("case", range(CASES))
async def test_rest_graphql_and_the_oracle_agree(seeded: None, registry: None, case: int) -> None:
    (q, pred), order, window = CASE_LIST[case]
    qs: QuerySet[Row] = Row.objects.filter(q).order_by(*order)
    expected = oracle(pred, order)
    if window is not None:
        qs = qs[window[0]:window[1]]
        expected = expected[window[0]:window[1]]
    rest = [r.id for r in await qs]
    over_graphql = [r.id for r in await qs.using_graphql()]
    assert rest == expected, str(qs.query)
    assert over_graphql == expected, str(qs.query)
    assert await qs.using_graphql().count() == len(expected)


async def test_aggregates_have_djangos_types_on_each_database(seeded: None, registry: None) -> None:
    ns = [r["n"] for r in ROWS if r["n"] is not None]
    # MariaDB computes AVG of integers as a decimal with 4 more places (div_precision_increment), as
    # Django on MySQL answers too.
    mean = sum(ns) / len(ns)
    avg = round(mean, 4) if server_database() == "mariadb" else float(format(mean, ".15g"))
    expected = {"n__avg": avg, "n__sum": sum(ns), "n__max": max(ns),
                "flag__count": sum(r["flag"] is not None for r in ROWS)}
    args = (Avg("n"), Sum("n"), Max("n"), Count("flag"))
    got = await Row.objects.aggregate(*args)
    # PostgreSQL sends the average as a numeric string: still Django's float for an integer field
    assert got == expected and isinstance(got["n__avg"], float)
    assert await Row.objects.using_graphql().aggregate(*args) == expected
    for refused in (Min("flag"), Max("flag")):  # PostgreSQL has no min(boolean): refused before sending
        with pytest.raises(FieldError, match="boolean"):
            await Row.objects.aggregate(refused)
        with pytest.raises(FieldError):
            await Row.objects.using_graphql().aggregate(refused)
